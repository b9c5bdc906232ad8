"""The What's This texts: a few plain words for each widget that shows a number or a plot, for a
student who has never met an LSTM. Qt-free: keyed by "OwnerClass.attribute", the class of the
widget that keeps the widget and the attribute it is kept in (ui/whats_this.py applies them once,
to the whole window). A text with {fields} is filled with the live values when asked (LIVE).
"""

from __future__ import annotations

from collections.abc import Callable

# Words used by several texts.
_H = ("The hidden state h is the network's memory: one number per unit, from −1 to 1, updated after "
      "every row it reads. ")  # fmt: skip
_GRID = " Red captions are mistakes (true → answer). Double-click a digit to watch the network read it."
_MATRIX = ("A confusion matrix: one row per true digit, one column per answer. The number in a cell counts "
           "the test digits of that row read as that column; the diagonal is right, everything else a mistake. "
           "Darker cells hold more digits. Click a cell to see its digits.")  # fmt: skip
_PROGRESS = "How far the job running in the background has got, 0 to 100 %."
_ROWS = "The network reads the 28×28 image one row of 28 pixels at a time, top to bottom: 28 steps. "


def _titled(title: str, text: str) -> str:
    return f"<b>{title}</b><br>{text}"


TEXTS: dict[str, str] = {
    # Draw & Inspect
    "InspectTab.canvas": _titled("The canvas", "Draw one digit here with the mouse or a pen, as tall as the box. "
                                 "After each stroke the network reads it again. Ctrl+Z undoes a stroke, Esc clears."),
    "InspectTab.pen_slider": _titled("Pen width", "How thick your strokes are, in pixels of the canvas. MNIST's "
                                     "digits have strokes of one width: much thinner or thicker confuses the network."),
    "InspectTab.pen_preview": _titled("Pen preview", "The stroke the pen width makes, at the canvas's scale."),
    "InspectTab.input_view": _titled("What the network sees", "Your drawing shrunk to 28×28 pixels and centred, as "
                                     "MNIST's digits are: black 0, white 1. " + _ROWS + "The amber line marks the row "
                                     "being read."),
    "InspectTab.prediction": _titled("The answer", "The digit the network reads after all 28 rows: the one with the "
                                     "highest probability."),
    "InspectTab.confidence": _titled("How sure", "The probability the network gives its answer, calibrated: of the "
                                     "test digits read “90 % sure”, about 90 % are right."),
    "InspectTab.answer_hint": _titled("Hint", "What to do next, or why the answer may not be trusted."),
    "InspectTab.bars": _titled("Probabilities", "One bar per digit 0–9: the network's answer if it had to stop after "
                               "the current row. The bars add up to 100 %; the leading digit is highlighted."),
    "InspectTab.trajectories": _titled("Probabilities, row by row", "One line per digit: across, the rows read (1 to "
                                       "28); up, the probability of that digit after that row (0 to 1). Early rows say "
                                       "little; watch the right digit pull ahead as its strokes appear."),
    "InspectTab.caption": _titled("What is shown", "Where the digit on the canvas came from, and what the network "
                                  "reads of it."),
    "InspectTab.row_slider": _titled("Row", _ROWS + "Drag to see everything as it was after that row (← and → step)."),
    "InspectTab.row_label": _titled("Row", "The row the views show, of 28."),
    "InspectTab.speed_slider": _titled("Speed", "How fast the animation plays the rows, in rows a second."),
    "InspectTab.speed_label": _titled("Speed", "Rows a second the animation plays."),
    "StatePanel.heatmap": _titled("Inside the network", "Each column is one row read (1 to 28, across); each line one "
                                  "of the {units}hidden units of layer {layer} (up). The colour is the {series} of "
                                  "that unit after that row, on a scale {scale}. "
                                  + _H + "Hover a unit to follow it in the plot below; click to keep it."),
    "StatePanel.unit_plot": _titled("One unit", "The chosen unit's value after each row (across): its hidden state h, "
                                    "cell state c and gates, each line in its own colour."),
    "StatePanel.unit_text": _titled("The chosen unit", "Which unit is followed below, and its values at this row."),
    "GradientFlowView.plot": _titled("How much the answer depends on each row", "Across, the rows; up, the size of the "
                                     "gradient of the loss with respect to the memory (h and c) after that row, "
                                     "relative to the largest. High: changing the memory there would change the "
                                     "answer most."),
    "ComparePanel.lines": _titled("Two models, row by row", "Each model's probability of the answer it ends up "
                                  "giving, after each row (A solid, B dashed)."),
    "ComparePanel.heatmaps": _titled("Each model's memory", _H + "Every unit (down) after every row (across): blue −1, "
                                     "red +1."),
    "_AnswerBlock.title": _titled("A model's answer", "The digit this model reads and which model it is."),
    "_AnswerBlock.confidence": _titled("How sure", "This model's probability for its answer."),
    "_AnswerBlock.decided": _titled("Decided at", "The row from which this model's answer led to the end."),
    # Evaluate
    "EvaluateTab.summary_label": _titled("Accuracy", "The share of the 10,000 MNIST test digits the model reads right."),
    "EvaluateTab.progress": _titled("Progress", _PROGRESS),
    "MatrixPage.view": _titled("Confusion matrix", _MATRIX),
    "MatrixPage.table": _titled("Per digit", "For each digit: how many test digits there are, how many are read right, "
                                "and the answer most often given instead."),
    "MatrixPage.grid": _titled("Digits in the selected cell", "The test digits of the matrix cell you clicked." + _GRID),
    "MistakesPage.grid": _titled("Mistakes", "The test digits the model reads wrong, surest first." + _GRID),
    "BrowsePage.grid": _titled("Digits", "The digits that pass the filters, each with the model's answer and how sure "
                               "it is." + _GRID),
    "BrowsePage.conf_min": _titled("Lowest confidence", "Show only digits the model answers at least this sure (%)."),
    "BrowsePage.conf_max": _titled("Highest confidence", "Show only digits the model answers at most this sure (%)."),
    "MapPage.map": _titled("Hidden-state map", "Every dot is one test digit: the network's memory h after the rows "
                           "read, squeezed from one number per unit down to two (PCA), coloured by the true digit. "
                           "Digits the network tells apart lie apart."),
    "SaliencyPage.view": _titled("Saliency", "Which pixels drove the answer: bright pixels, if changed, would change "
                                 "the chosen digit's score most (the gradient, back-propagated through the rows)."),
    "RowPlayer.slider": _titled("Row", _ROWS + "Drag to see this page after that row."),
    "RowPlayer.row_label": _titled("Row", "The row this page shows, of 28."),
    "CalibrationPage.plot": _titled("Calibration", "Across, how sure the model says it is; up, how often it is right at "
                                    "that confidence. On the dashed diagonal, “90 % sure” is right 90 % of the time. "
                                    "A bigger dot holds more digits."),
    "RobustnessPage.plots": _titled("Robustness", "Across, how strongly the test digits are spoiled (moved, turned, "
                                    "thickened, noised); up, the accuracy at that level. Where the curve falls, the "
                                    "model breaks."),
    "RobustnessPage.examples": _titled("Examples", "One test digit at each level of the spoiling, weakest on the "
                                       "left, as the network gets it."),
    "CurrentDigitBar.thumb": _titled("The digit explained", "The 28×28 digit this page explains: click one in "
                                     "Browse, Mistakes or the matrix, or draw one in Draw & Inspect."),
    "RobustnessPage.progress": _titled("Progress", _PROGRESS),
    "FlowPage.plot": _titled("Gradient flow per model", "One line per model: across, the rows; up, how much the "
                             "answer depends on the memory held after that row, relative to that model's largest. "
                             "A plain RNN forgets early rows: its line falls to 0 on the left."),
    "FlowPage.progress": _titled("Progress", _PROGRESS),
    "FlowPage.status": _titled("Status", "What the measurement is doing, or what it found."),
    "ComparePage.progress": _titled("Progress", _PROGRESS),
    "ComparePage.grids": _titled("Where the models differ", "The test digits one model reads right and the other "
                                 "wrong." + _GRID),
    "ComparePage.grid_titles": _titled("Where the models differ", "How many test digits only this model reads right."),
    "ComparePage.status": _titled("Status", "What the comparison is doing, or what it found."),
    # Lab
    "LabTab.plot": _titled("Probabilities with your edits", "One line per digit: across, the rows; up, the "
                           "probability. Solid with your edits, dashed as the network reads it unedited."),
    "LabTab.heatmap": _titled("Hidden state with your edits", _H + "Every unit (up) after every row (across), with "
                              "your edits. Click a unit, or drag over several, to pick them."),
    "LabTab.layer_spin": _titled("Layer", "Which layer of a stacked network the heatmap shows (1 is the first)."),
    "LabTab.ranking_list": _titled("Units that matter", "Each unit silenced alone, and how much the answer's "
                                   "probability falls: the units the answer leans on most come first."),
    "LabTab.effect_label": _titled("Effect", "How the answer and its probability changed with your edits."),
    "LabTab.before_label": _titled("Before", "The answer and its probability without your edits."),
    "LabTab.after_label": _titled("After", "The answer and its probability with your edits."),
    "LabTab.deciding_label": _titled("Deciding rows", "The rows the answer was settled in."),
    "LabTab.confusion": _titled("Confusion matrix with your edits", _MATRIX),
    "EditForm.from_row": _titled("From row", "Silence the units from this row on (1: every row)."),
    "EditForm.hide_first": _titled("Hide from row", "The first row the network reads blank instead of your drawing."),
    "EditForm.hide_last": _titled("Hide to row", "The last row the network reads blank."),
    "EditForm.temperature": _titled("Temperature", "Divides the scores before they become probabilities: above 1 the "
                                    "answers grow less sure, below 1 surer. The answer itself never changes."),
    # Train
    "SettingsForm.epochs_spin": _titled("Epochs", "How many times the run goes through all the training images."),
    "SettingsForm.batch_spin": _titled("Batch size", "How many images the network sees before each weight update."),
    "SettingsForm.warmup_spin": _titled("Warm-up", "How many first batches train with a smaller, growing learning rate."),
    "SettingsForm.subset_spin": _titled("Training images", "How many of the 60,000 MNIST training images to train on: "
                                        "fewer is faster and less accurate."),
    "TrainTab.progress_bar": _titled("Progress", "Of the whole run: every epoch and its test pass, 0 to 100 %."),
    "TrainTab.lr_multiplier": _titled("Learning-rate multiplier", "Multiplies the learning rate (the size of each "
                                      "weight update) from the next batch on, while the run goes."),
    "TrainingPlots.loss_plot": _titled("Loss", "Across, the batches trained; up, the loss: how wrong the network is on "
                                       "the last batch (lower is better)."),
    "TrainingPlots.lr_plot": _titled("Learning rate", "Across, the batches; up, the learning rate used: how big a step "
                                     "each weight update takes."),
    "TrainingPlots.epoch_loss_plot": _titled("Loss per epoch", "Across, the epochs; up, the mean loss on the training "
                                             "and the test images. Test far above training: the network learns by heart."),
    "TrainingPlots.accuracy_plot": _titled("Accuracy", "Across, the epochs; up, the share of test images read right."),
    "PlotWidget.legend": _titled("Legend", "Which line of the plot above is which, in its colour."),
    "ResultPanel.confusion": _titled("Confusion matrix of the run", _MATRIX),
    "ResultPanel.accuracy_label": _titled("Test accuracy", "The share of the 10,000 test digits the run's model reads "
                                          "right."),
    "ResultPanel.result_label": _titled("The run", "The model trained, its settings and its result."),
    "RunsPanel.table": _titled("Runs", "Every training run kept in the records file: its model, settings, epochs and "
                               "test accuracy. Check runs to draw their curves over the plots."),
    "InsightPanel.bands_plot": _titled("Weights over training", "Across, the epochs; up, the chosen weights' values: "
                                       "the band spans most of them, the line is their middle."),
    "InsightPanel.histogram_plot": _titled("Histogram", "Across, a weight's value; up, how many weights have it: the "
                                           "chosen epoch in blue, the first in grey."),
    "InsightPanel.norm_plot": _titled("Gradient norm", "Across, the epochs; up, the size of the gradient each batch: "
                                      "how hard training pushes the weights."),
    "InsightPanel.flow_map_plot": _titled("Gradient flow through the rows", "Across, the epochs; up, the rows; the "
                                          "colour, how much the loss depends on the memory after that row (log10)."),
    "InsightPanel.flow_line_plot": _titled("Gradient flow at one epoch", "Across, the rows; up, how much the loss "
                                           "depends on the memory after that row, at the chosen epoch."),
    "InsightPanel.caption": _titled("What is shown", "Which weights or gradients the plots show."),
    # My digits
    "DigitsTab.grid": _titled("Your digits", "Every digit you kept or imported, with its label and what the model in "
                              "use reads." + _GRID),
    "DigitsTab.accuracy_label": _titled("Read right", "How many of your digits the model in use reads as their label."),
    "DigitsTab.count_label": _titled("Shown", "How many of your digits the filters show."),
    "DigitsTab.progress": _titled("Progress", _PROGRESS),
    # The window
    "MainWindow.model_label": _titled("The model in use", "Its file name, its cell (LSTM, GRU or RNN) and its number of "
                                      "hidden units. File › Load model… changes it."),
    "MainWindow.accuracy_label": _titled("Test accuracy", "The share of the 10,000 MNIST test digits this model read "
                                         "right when it was trained."),
}


def _heatmap_values(panel) -> dict:
    """The heatmap's live values from the StatePanel: unit count, layer, series, colour range."""
    lo, hi = panel.colorbar.levels()
    image = panel.image_data()
    scale = (f"from {lo:g} (dark purple: closed) to {hi:g} (bright yellow: open)" if lo == 0
             else f"from {lo:g} (blue) through 0 (near black) to {hi:g} (orange-red)")  # fmt: skip
    return {"units": "" if image is None else f"{image.shape[1]} ", "layer": panel.layer + 1,
            "series": panel.colorbar.getAxis("left").labelText, "scale": scale}  # fmt: skip


LIVE: dict[str, Callable[[object], dict]] = {"StatePanel.heatmap": _heatmap_values}


def live_text(key: str, owner) -> str:
    """The text of key, its {fields} filled from owner's current values."""
    text = TEXTS[key]
    return text.format(**LIVE[key](owner)) if key in LIVE else text

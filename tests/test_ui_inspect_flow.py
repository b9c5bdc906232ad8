"""Draw & Inspect's gradient flow of the current drawing: computed off the UI thread for the
network's own answer, equal to gradient_flow on the model in use, following a new model."""

from __future__ import annotations

import numpy as np
import torch
from drawing import draw_digit

from recognizer.evaluation.gradient_flow import gradient_flow
from recognizer.files.model_file import load_model


def test_the_drawing_s_gradient_flow_follows_the_drawing_and_the_model(main_window, qtbot, stacked_model_path):
    tab = main_window.inspect_tab
    view = tab.flow_view
    tab.set_auto_play(False)
    assert view.flow is None and "Draw a digit" in view.caption.text()
    draw_digit(tab.canvas, 7)
    qtbot.waitUntil(lambda: view.flow is not None, timeout=10000)
    trace = tab.trace
    assert view.flow.answer == trace.prediction  # the network's own answer is the label
    expected = gradient_flow(view.model, torch.as_tensor(trace.image).reshape(1, 28, 28), torch.tensor([trace.prediction]))
    np.testing.assert_allclose(view.flow.h, expected["h"].numpy(), rtol=1e-4)
    x, y = view.h_curve.getData()
    assert len(x) == 28 and y.max() == 1.0 and f"Answer {trace.prediction}" in view.caption.text()
    main_window.set_model(load_model(stacked_model_path))  # two layers: the readout's, the last, is drawn
    qtbot.waitUntil(lambda: view.flow is not None and view.flow.h.shape == (2, 28), timeout=10000)
    tab.canvas.clear()
    qtbot.waitUntil(lambda: view.flow is None, timeout=10000)

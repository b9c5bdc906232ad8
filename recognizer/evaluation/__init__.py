"""Measuring a model: accuracy, what Evaluate shows beyond it (analysis), two models compared
(model_comparison), gradient flow, the Lab's analyses, the digits a memory resembles (neighbours) and how
well real pen strokes are read (pen_reading)."""

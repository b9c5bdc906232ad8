"""The one comparison of a Tracer's trace with a reference computed through torch itself (every
layer's h and the probabilities after each row), shared by the Lab's tests for every cell."""

import numpy as np

TOL = 1e-5


def assert_trace_matches(trace, per_layer, probabilities):
    for layer, h in zip(trace.layers, per_layer):
        np.testing.assert_allclose(layer.h, h, atol=TOL)
    np.testing.assert_allclose(trace.probabilities, probabilities, atol=TOL)

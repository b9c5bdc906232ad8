"""`recognizer evaluate --json` as a script sees it: a real subprocess on the real MNIST test set,
whose accuracy, confusion matrix and per-class precision and recall agree with one another."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest


@pytest.fixture(scope="module")
def report():
    if not os.environ.get("MNIST_DIR"):
        pytest.fail("set MNIST_DIR to the MNIST folder to evaluate on the real test set")
    proc = subprocess.run(
        [sys.executable, "-m", "recognizer", "evaluate", "--json"],
        capture_output=True, text=True, timeout=300, env={**os.environ},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return json.loads(proc.stdout)


def test_accuracy_of_the_shipped_model(report):
    assert report["accuracy"] >= 0.992
    assert report["model"].endswith("default.safetensors")


def test_the_confusion_matrix_covers_the_test_set_and_gives_the_accuracy(report):
    m = np.array(report["confusion"])
    assert m.shape == (10, 10) and m.dtype.kind == "i" and (m >= 0).all()
    assert m.sum() == report["total"] == 10_000
    assert m.trace() == report["correct"]
    assert m.trace() / m.sum() == pytest.approx(report["accuracy"], abs=1e-12)
    # MNIST's test set has these many of each digit (rows are the true label).
    assert m.sum(axis=1).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_precision_and_recall_per_class_agree_with_the_matrix(report):
    m = np.array(report["confusion"], dtype=np.float64)
    precision, recall = np.array(report["precision"]), np.array(report["recall"])
    assert precision.shape == recall.shape == (10,)
    assert ((0 <= precision) & (precision <= 1)).all() and ((0 <= recall) & (recall <= 1)).all()
    # Precision: of the digits predicted c (column c), the share that are c; recall: of the digits
    # that are c (row c), the share predicted c. The JSON rounds to 6 decimals.
    np.testing.assert_allclose(precision, np.diag(m) / m.sum(axis=0), atol=5e-7)
    np.testing.assert_allclose(recall, np.diag(m) / m.sum(axis=1), atol=5e-7)
    # Recall weighted by the class sizes is the accuracy.
    assert (recall * m.sum(axis=1)).sum() / m.sum() == pytest.approx(report["accuracy"], abs=1e-5)

"""`recognizer calibrate`: fit a model's rejection and temperature on held-out MNIST training
images and write them into a model file, the weights untouched; and the report of what that
gives on the test set (ECE before and after, digits turned away)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..datasets.mnist import load_mnist
from ..datasets.pen_data import find_pen_dir, load_pen_sets
from ..files.model_file import load_model, save_model
from ..files.paths import default_model_path
from ..files.safe_io import shown
from ..trust.fit import fit_trust_on_mnist
from ..trust.params import TrustParams
from ..trust.temperature import reliability, softmax
from ..trust.verdict import batch_states, verdict_from


def test_report(model, trust: TrustParams, images, labels) -> dict:
    """What the rejection and the temperature do on a labelled set (the MNIST test set)."""
    labels = np.asarray(labels, np.int64)
    logits, feats = batch_states(model, images, trust.rows)
    before = reliability(softmax(logits), labels)
    after = reliability(softmax(logits, trust.temperature), labels)
    kinds = np.array([verdict_from(l, f, trust).kind for l, f in zip(logits, feats)])
    right = logits.argmax(axis=1) == labels
    n = max(len(labels), 1)
    return {
        "images": int(len(labels)),
        "accuracy": float(right.mean()) if len(labels) else 0.0,
        "ece_before": before.ece,
        "ece_after": after.ece,
        "reliability_before": before.to_dict(),
        "reliability_after": after.to_dict(),
        "not_a_digit": float((kinds == "not-a-digit").sum() / n),
        "unsure": float((kinds == "unsure").sum() / n),
        "rejected": float((kinds != "digit").sum() / n),
        "errors_among_rejected": int((~right & (kinds != "digit")).sum()),
        "errors_among_accepted": int((~right & (kinds == "digit")).sum()),
        "accuracy_when_accepted": float(right[kinds == "digit"].mean()) if (kinds == "digit").any() else 0.0,
    }


def calibrate_file(model_path: str | Path | None, out: str | Path, data_dir=None, pen_dir=None) -> str:
    """Load a model, fit its TrustParams on MNIST's held-out training images and on the pen data's
    fit writers' digits (pen_data.py; `pen_dir`, else the folder find_pen_dir finds, when there),
    save it to `out` (same weights, same metadata plus the rejection), and return a few lines."""
    loaded = load_model(model_path or default_model_path())
    data = load_mnist(data_dir)

    pen_dir = find_pen_dir(pen_dir)
    hands = load_pen_sets(pen_dir).fit_digits if pen_dir is not None else None
    trust = fit_trust_on_mnist(loaded.model, data, hands)
    report = test_report(loaded.model, trust, data.test_images, data.test_labels)
    save_model(out, loaded.model, loaded.metadata, trust=trust)
    return "\n".join([
        f"saved {shown(out)} (weights of {shown(loaded.path)}, unchanged)",
        f"fitted on {trust.info['held_out_images'] - trust.info['held_out_pen_digits']:,} held-out MNIST digits"
        + (f" and {trust.info['held_out_pen_digits']:,} pen digits of the fit writers in {shown(pen_dir)}" if hands else ""),
        f"temperature {trust.temperature:.3f}; test ECE {report['ece_before']:.2%} -> {report['ece_after']:.2%} (15 bins)",
        f"test digits turned away: {report['not_a_digit']:.2%} not a digit, {report['unsure']:.2%} unsure "
        f"(of {report['images']:,}; {report['errors_among_rejected']} of them misread anyway)",
    ])

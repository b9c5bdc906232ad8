"""Handwriting from other sources (issue 11): MNIST test digits made into the pictures other
sources give (scans, photos, thick and thin pens, few pixels, stretched digits, another hand),
each read through the app's image path (preprocess.to_mnist), by two models side by side.

    python benchmarks/bench_sources.py [--model A.safetensors] [--peer B.safetensors] [--count 2000]

The pictures are made here with Pillow and numpy, at picture size (each digit scaled up to
168 x 168 first), not with the training augmentation's code (recognizer/datasets/augment.py), so the
check is not the training teaching to its own test. The test digits are never trained on.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import common
import numpy as np
from PIL import Image, ImageFilter

from recognizer.datasets.mnist import load_test_set
from recognizer.files.model_file import load_model
from recognizer.files.paths import default_model_path
from recognizer.inputs.preprocess import to_mnist
from recognizer.trust.verdict import judge_batch

SIDE = 168  # pictures are made at this size, as a scan or photo of one digit would be


def _big(image28: np.ndarray) -> Image.Image:
    """A test digit as a picture: dark ink on white paper, SIDE x SIDE."""
    return Image.fromarray(255 - image28).resize((SIDE, SIDE), Image.BICUBIC)


def _binary(picture: Image.Image, level: int = 128) -> Image.Image:
    return picture.point(lambda v: 255 if v >= level else 0)


def scan(image28, rng):
    """Printed paper, scanned: slight blur, paper grain, a grey page, JPEG at quality 35."""
    p = np.asarray(_big(image28).filter(ImageFilter.GaussianBlur(2)), np.float32)
    p = 40 + p * 0.75 + rng.normal(0, 6, p.shape)  # grey paper, ink not black, grain
    import io

    buf = io.BytesIO()
    Image.fromarray(np.clip(p, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=35)
    return np.asarray(Image.open(buf))


def thick_pen(image28, rng):
    return np.asarray(_binary(_big(image28)).filter(ImageFilter.MinFilter(int(rng.choice([9, 13, 17])))))


def thin_pen(image28, rng):
    return np.asarray(_binary(_big(image28), 60).filter(ImageFilter.MaxFilter(5)))


def binarised(image28, rng):
    return np.asarray(_binary(Image.fromarray(255 - image28)).resize((SIDE, SIDE), Image.NEAREST))


def low_resolution(image28, rng):
    side = int(rng.choice([8, 10, 12]))
    return np.asarray(Image.fromarray(255 - image28).resize((side, side), Image.BOX))


def stretched(image28, rng):
    """The digit's own box stretched to fill a square (a form's box, a cropped photo)."""
    ys, xs = np.nonzero(image28 > 30)
    crop = Image.fromarray(255 - image28[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1])
    inner = crop.resize((120, 120), Image.BICUBIC)
    page = Image.new("L", (SIDE, SIDE), 255)
    page.paste(inner, (24, 24))
    return np.asarray(page)


def uneven_light(image28, rng):
    """A photo on paper lit from one side: the page runs from white to mid grey."""
    p = np.asarray(_big(image28), np.float32) / 255
    ramp = np.linspace(1.0, 0.45, SIDE)[None, :] if rng.random() < 0.5 else np.linspace(1.0, 0.45, SIDE)[:, None]
    return (np.minimum(p, 1) * ramp * 255).astype(np.uint8)


def other_hand(image28, rng):
    """Another writer: a smooth random warp of the picture (elastic, about 6 % of its side)."""
    picture = _big(image28)
    n = 4
    cell = SIDE // n
    mesh = []
    grid = rng.normal(0, 0.06 * SIDE, (n + 1, n + 1, 2))
    grid[0, :], grid[-1, :], grid[:, 0], grid[:, -1] = 0, 0, 0, 0  # the edges stay put
    for i in range(n):
        for j in range(n):
            box = (j * cell, i * cell, (j + 1) * cell, (i + 1) * cell)
            corners = [(j, i), (j, i + 1), (j + 1, i + 1), (j + 1, i)]
            quad = []
            for cx, cy in corners:
                dx, dy = grid[cy, cx]
                quad += [cx * cell + dx, cy * cell + dy]
            mesh.append((box, quad))
    return np.asarray(picture.transform(picture.size, Image.MESH, mesh, Image.BICUBIC, fillcolor=255))


VARIANTS = {
    "as in MNIST (picture, no change)": lambda x, rng: np.asarray(_big(x)),
    "scanned (blur, grey page, grain, JPEG 35)": scan,
    "thick pen (3-6x MNIST's width)": thick_pen,
    "thin pen": thin_pen,
    "binarised": binarised,
    "low resolution (8-12 px)": low_resolution,
    "stretched to fill its box": stretched,
    "uneven light": uneven_light,
    "another hand (elastic warp)": other_hand,
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--model", type=Path, default=default_model_path())
    parser.add_argument("--peer", type=Path, help="a second model to compare with (e.g. the previous release's)")
    parser.add_argument("--count", type=int, default=2000, help="test digits per variant (the first N)")
    args = parser.parse_args()
    images, labels = load_test_set(args.data_dir)
    images, labels = images[: args.count], labels[: args.count]
    models = {"model": load_model(args.model)}
    if args.peer:
        models["peer"] = load_model(args.peer)
    results: dict = {"model": str(args.model), "peer": str(args.peer) if args.peer else None, "count": len(labels), "variants": {}}
    rows = []
    for name, make in VARIANTS.items():
        rng = np.random.default_rng(0)
        framed = [to_mnist(make(x, rng)) for x in images]
        read = np.array([f is not None for f in framed])
        batch = np.stack([f if f is not None else np.zeros((28, 28), np.float32) for f in framed])
        entry = {"nothing_to_read": float(1 - read.mean())}
        for key, loaded in models.items():
            verdicts = judge_batch(loaded.model, batch, loaded.trust)
            best = np.array([v.best for v in verdicts])
            digit = np.array([-1 if v.digit is None else v.digit for v in verdicts])
            entry[key] = {
                "accuracy": float(((best == labels) & read).mean()),
                "read_right_and_accepted": float(((digit == labels) & read).mean()),
                "turned_away": float(np.mean([v.rejected for v in verdicts]) * read.mean() + (1 - read.mean())),
            }
        results["variants"][name] = entry
        row = [name, f"{entry['model']['accuracy']:.2%}", f"{entry['model']['read_right_and_accepted']:.2%}"]
        if args.peer:
            row += [f"{entry['peer']['accuracy']:.2%}", f"{entry['peer']['read_right_and_accepted']:.2%}"]
        rows.append(row)
    header = ["variant", "model: read right", "and accepted"] + (["peer: read right", "and accepted"] if args.peer else [])
    common.print_table(f"Other sources, {len(labels):,} test digits each, through to_mnist", header, rows)
    common.write_json("sources", results)


if __name__ == "__main__":
    main()

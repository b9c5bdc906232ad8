"""How well a model reads real people's pen strokes: any loaded model on a list of pen-file
samples (unipen.PenSample), each replayed through the canvas's own stroke path (unipen.render_pen)
and judged by the verdict, as a drawing on the canvas would be.

The API: `evaluate_pen(model, samples) -> PenEvaluation`, whose counts (digits, per_digit,
per_writer, confusion, top_confusions(), non_digits) come out as `to_dict()` (the JSON of
`recognizer evaluate --pen`) and `lines()` (its text); `pen_inputs` and `unipen.digit_of` are its parts.
A sample whose label is one digit counts as a digit; any other label (a letter, a symbol, an
Omniglot character) is a non-digit, which the verdict should turn away.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

import numpy as np

from ..datasets.unipen import PenSample, canvas_strokes, digit_of, shown_name
from ..inputs.strokes import render_strokes, strokes_extent
from ..network.dims import CLASSES
from ..text import plural
from ..trust.verdict import NOTHING, Verdict, judge_batch

TOP_CONFUSIONS = 10  # the confusions the report names, most frequent first


def pen_inputs(samples: Sequence[PenSample]) -> tuple[list[np.ndarray | None], list[float]]:
    """Each sample's 28x28 input as the canvas would give it (unipen.render_pen's, None: no point
    to draw) and its extent on the canvas (for the verdict's "too small"), from one replay."""
    images, extents = [], []
    for s in samples:
        lines = canvas_strokes(s.strokes)
        images.append(render_strokes(lines))
        extents.append(strokes_extent(lines))
    return images, extents


def evaluate_pen(source, samples: Sequence[PenSample], batch_size: int = 2000) -> "PenEvaluation":
    """Every sample replayed through the stroke path and judged by the verdict, in batches.

    source: the model in use (reading.ReadingSession) or a model_file.LoadedModel: its network and
    its file's verdict parameters."""
    network, trust = source.model, source.trust
    verdicts: list[Verdict] = []
    for start in range(0, len(samples), batch_size):  # rendered batch by batch: memory stays flat
        images, extents = pen_inputs(samples[start : start + batch_size])
        drawn = [i for i, image in enumerate(images) if image is not None]
        judged = judge_batch(network, np.stack([images[i] for i in drawn]), trust, [extents[i] for i in drawn]) if drawn else []
        part: list[Verdict] = [NOTHING] * len(images)
        for i, v in zip(drawn, judged):
            part[i] = v
        verdicts += part
    return PenEvaluation(tuple(s.label for s in samples), tuple(s.source for s in samples), tuple(verdicts))


def _tally(verdicts: Sequence[Verdict], truth: Sequence[int | None]) -> dict:
    """Counts over some samples: read right (the leading class is the label), read right and
    accepted (the verdict says that digit), turned away as not a digit, as unsure."""
    right = sum(v.best is not None and v.best == t for v, t in zip(verdicts, truth))
    accepted = sum(v.kind == "digit" and v.digit == t for v, t in zip(verdicts, truth))
    return {
        "samples": len(verdicts),
        "read_right": right,
        "accepted_right": accepted,
        "not_a_digit": sum(v.kind == "not-a-digit" for v in verdicts),
        "unsure": sum(v.kind == "unsure" for v in verdicts),
    }


def _writer_order(name: str) -> tuple:
    """Numbered writers (pendigits' 1 to 30) in numeric order, then named ones alphabetically
    (by length first rather than int(): a hostile file's writer may have 10,000 digits)."""
    return (0, len(name), name) if name.isascii() and name.isdigit() else (1, 0, name)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


@dataclass(frozen=True)
class PenEvaluation:
    """The verdict on each sample, with its label and writer (PenSample.source), and the
    report's counts derived from them."""

    labels: tuple[str, ...]
    sources: tuple[str, ...]
    verdicts: tuple[Verdict, ...]

    @cached_property
    def truth(self) -> tuple[int | None, ...]:
        return tuple(digit_of(label) for label in self.labels)

    def _where(self, keep) -> tuple[list[Verdict], list[int | None]]:
        picked = [i for i, t in enumerate(self.truth) if keep(i, t)]
        return [self.verdicts[i] for i in picked], [self.truth[i] for i in picked]

    @cached_property
    def digits(self) -> dict:
        """All digit samples: samples, read_right, accepted_right, not_a_digit, unsure."""
        return _tally(*self._where(lambda i, t: t is not None))

    @cached_property
    def per_digit(self) -> list[dict]:
        """The same counts for each digit 0-9."""
        return [_tally(*self._where(lambda i, t, d=d: t == d)) for d in range(CLASSES)]

    @cached_property
    def per_writer(self) -> dict[str, dict]:
        """The same counts over each writer's digits, by source, sorted by name ({} when the file
        names no writer)."""
        groups: dict[str, list[int]] = {}
        for i, (name, t) in enumerate(zip(self.sources, self.truth)):
            if name and t is not None:
                groups.setdefault(name, []).append(i)
        return {n: _tally([self.verdicts[i] for i in groups[n]], [self.truth[i] for i in groups[n]])
                for n in sorted(groups, key=_writer_order)}  # fmt: skip

    @cached_property
    def non_digits(self) -> dict:
        """Samples whose label is not a digit: samples, turned_away (as not a digit or unsure),
        not_a_digit, unsure."""
        verdicts, _ = self._where(lambda i, t: t is None)
        return {
            "samples": len(verdicts),
            "turned_away": sum(v.rejected for v in verdicts),
            "not_a_digit": sum(v.kind == "not-a-digit" for v in verdicts),
            "unsure": sum(v.kind == "unsure" for v in verdicts),
        }

    @cached_property
    def confusion(self) -> np.ndarray:
        """(10, 10) counts over the digit samples: rows the label, columns the leading class
        (whatever the verdict; a sample with nothing to draw has none and is left out)."""
        m = np.zeros((CLASSES, CLASSES), np.int64)
        for v, t in zip(self.verdicts, self.truth):
            if t is not None and v.best is not None:
                m[t, v.best] += 1
        return m

    def top_confusions(self, n: int = TOP_CONFUSIONS) -> list[tuple[int, int, int]]:
        """(label, read as, count) of the most frequent mistakes, most frequent first."""
        m = self.confusion.copy()
        np.fill_diagonal(m, 0)
        order = np.argsort(-m, axis=None, kind="stable")[:n]
        return [(int(i // CLASSES), int(i % CLASSES), int(m.flat[i])) for i in order if m.flat[i] > 0]

    def to_dict(self) -> dict:
        """JSON-ready: accuracy (read right) and accepted (read right and accepted) as shares of
        the digits (None without digits), and every count."""
        d = self.digits
        return {
            "accuracy": d["read_right"] / d["samples"] if d["samples"] else None,
            "accepted": d["accepted_right"] / d["samples"] if d["samples"] else None,
            "digits": self.digits,
            "per_digit": {str(d): t for d, t in enumerate(self.per_digit)},
            "per_writer": self.per_writer,
            "confusion": self.confusion.tolist(),
            "top_confusions": [{"label": a, "read_as": b, "count": c} for a, b, c in self.top_confusions()],
            "non_digits": self.non_digits,
        }

    def lines(self) -> list[str]:
        """The report as text, for people."""
        d = self.digits
        out = [f"{plural(d['samples'], 'digit')}: read right {_share(d['read_right'], d['samples']):.2%}, "
               f"read right and accepted {_share(d['accepted_right'], d['samples']):.2%}; turned away "
               f"{d['not_a_digit']:,} as not a digit, {d['unsure']:,} as unsure"]  # fmt: skip
        if not d["samples"]:
            out = ["no sample labelled with a digit"]
        else:
            out += ["", "digit  samples  read right  right and accepted  not a digit  unsure"]
            out += [f"{c:>5}  {t['samples']:>7,}  {_share(t['read_right'], t['samples']):>10.2%}  "
                    f"{_share(t['accepted_right'], t['samples']):>18.2%}  {t['not_a_digit']:>11,}  {t['unsure']:>6,}"
                    for c, t in enumerate(self.per_digit) if t["samples"]]  # fmt: skip
            mistakes = self.top_confusions()
            out += ["", "most frequent confusions: " + (", ".join(f"{a} read as {b} ({c:,})" for a, b, c in mistakes)
                                                        or "none")]  # fmt: skip
        if self.per_writer:
            names = {n: shown_name(n) for n in self.per_writer}
            width = max(6, *(len(n) for n in names.values()))
            out += ["", f"{'writer':<{width}}  samples  read right  right and accepted"]
            out += [f"{names[n]:<{width}}  {t['samples']:>7,}  {_share(t['read_right'], t['samples']):>10.2%}  "
                    f"{_share(t['accepted_right'], t['samples']):>18.2%}" for n, t in self.per_writer.items()]  # fmt: skip
        n = self.non_digits
        if n["samples"]:
            out += ["", f"{plural(n['samples'], 'sample')} not labelled a digit: turned away "
                        f"{_share(n['turned_away'], n['samples']):.2%} ({n['not_a_digit']:,} as not a digit, "
                        f"{n['unsure']:,} as unsure)"]  # fmt: skip
        return out


__all__ = ["PenEvaluation", "evaluate_pen", "pen_inputs"]

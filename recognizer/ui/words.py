"""Counts as people write them: "1 epoch", "3 epochs", "60,000 images", "1 row/s"."""

from __future__ import annotations


def plural(n: float, word: str, many: str | None = None) -> str:
    """n and its word, the plural form when n is not exactly 1 (many, else word + "s"), with
    thousands separators: plural(3000, "image") -> "3,000 images"; plural(1, "batch", "batches")."""
    number = f"{int(n):,}" if float(n).is_integer() else f"{n:,.1f}"
    return f"{number} {word if n == 1 else (many or word + 's')}"

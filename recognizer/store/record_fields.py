"""The one checked reader of a records row's fields (records.py's runs, my_digits.py's digits).

SQLite keeps whatever a writer put in a column ('NaN' as text in a REAL column, 3.5 in an INTEGER
one, a date past year 9999), so every field is checked here for what the app will do with it,
and anything else raises BadField naming the field and the value. records.decode_rows leaves such
a row out and names it: one damaged row never stops a listing, a tab or the window.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone

from ..files.safe_io import brief


class BadField(ValueError):
    """A stored field that is not what its column says: '<field> is <value>, not <what>'."""

    def __init__(self, field: str, value, what: str, shown: str | None = None):
        super().__init__(f"its {field} is {shown or brief(value, 40)}, not {what}")


def text(value, field: str) -> str:
    if not isinstance(value, str):
        raise BadField(field, value, "text")
    return value


def optional_text(value, field: str) -> str | None:
    return None if value is None else text(value, field)


def whole(value, field: str, low: int = 0, high: int | None = None) -> int:
    """An integer in [low, high] (a bool, a float such as 3.5 or 3.0, or text is refused)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        raise BadField(field, value, f"a whole number from {low}" + ("" if high is None else f" to {high}"))
    return value


def number(value, field: str, low: float = -math.inf, high: float = math.inf) -> float:
    """A finite number in [low, high] (NaN, infinities and text such as 'x' or 'inf' are refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high or not math.isfinite(value):
        bounds = (f" from {low:g} to {high:g}" if math.isfinite(low) and math.isfinite(high) else
                  f" of at least {low:g}" if math.isfinite(low) else f" of at most {high:g}" if math.isfinite(high) else "")  # fmt: skip
        raise BadField(field, value, f"a finite number{bounds}")
    return float(value)


def moment(value, field: str = "date") -> datetime:
    """An ISO 8601 time (UTC when it names no zone), in local time; refused when it cannot be
    shown there (9999-12-31 east of UTC lands past year 9999)."""
    try:
        when = datetime.fromisoformat(text(value, field))
        return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).astimezone()
    except (ValueError, OverflowError, OSError):
        raise BadField(field, value, "a date and time that can be shown in local time") from None


def json_object(value, field: str) -> dict:
    try:
        found = json.loads(text(value, field))
    except (ValueError, RecursionError):
        raise BadField(field, value, "JSON") from None
    if not isinstance(found, dict):
        raise BadField(field, value, "a JSON object")
    return found


def image(value, field: str, shape: tuple[int, int]):
    """A float32 numpy image of that shape, every value finite (NaN or inf would be no input at all)."""
    import numpy as np  # here: records.py, which reads runs only, stays standard library only

    size = shape[0] * shape[1] * 4
    if not isinstance(value, bytes) or len(value) != size:
        raise BadField(field, value, f"{size:,} bytes", f"{len(value):,} bytes" if isinstance(value, bytes) else None)
    array = np.frombuffer(value, np.float32).reshape(shape)
    if not np.isfinite(array).all():
        raise BadField(field, None, "an input the network can read", "an image holding NaN or infinity")
    return array.copy()

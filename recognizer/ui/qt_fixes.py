"""Work around a reference-counting bug of PySide6 6.12.0 on Python 3.10 and 3.11.

Its bindings return None (from every function that returns nothing: setText, update, setRect...)
and True (from Signal.emit) without taking a reference, as if those objects were immortal, which
they are only from Python 3.12 on. On 3.11 each such call takes one reference from None or True
for good; after a few thousand calls the count reaches zero and the interpreter aborts with
"Fatal Python error: none_dealloc: deallocating None" (or bool_dealloc). An animated window
makes thousands of such calls a second, so it would die within seconds.

apply() measures whether this PySide6 has the bug and, only if it does, gives None, True and
False a reserve of 2**40 references: what Python 3.12 does for them anyway (immortal objects),
and enough for decades of calls. These three objects are never freed in a healthy interpreter,
so the reserve changes nothing else. Nothing is done on Python 3.12+ or a PySide6 without the bug.

The real fix is outside the code: PySide6 other than 6.12.0, or Python 3.12 or newer.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

RESERVE = 1 << 40
PROBE_CALLS = 64

applied = False  # whether the reserve was given, for tests and bug reports


class _Probe(QObject):
    fired = Signal()


def leaks() -> dict[str, int]:
    """References lost per PROBE_CALLS calls of a void method (None) and of emit (True)."""
    probe = _Probe()
    before_none, before_true = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(PROBE_CALLS):
        probe.setObjectName("probe")
    lost_none = before_none - sys.getrefcount(None)
    before_true = sys.getrefcount(True)
    for _ in range(PROBE_CALLS):
        probe.fired.emit()
    lost_true = before_true - sys.getrefcount(True)
    return {"None": lost_none, "True": lost_true}


def _add_references(obj, n: int) -> None:
    # CPython before 3.12 keeps ob_refcnt, a Py_ssize_t, at the start of every object.
    ctypes.c_ssize_t.from_address(id(obj)).value += n


def apply() -> bool:
    """Give None, True and False their reserve if this PySide6 needs it (once per process)."""
    global applied
    if applied or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return applied
    lost = leaks()
    if max(lost.values()) < PROBE_CALLS // 2:
        return False
    for obj in (None, True, False):
        _add_references(obj, RESERVE)
    applied = True
    return True


apply()

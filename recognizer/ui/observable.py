"""Values that say when they change, without Qt (the napari/glue habit): a tab's Qt-free state owns
its values and notifies; widgets only show a value and write it back, and the window and other tabs
follow the state's event, never a widget's signal. The one observer of the ui: every state and the
job slot (job_slot.py) use it.

    class PlayerState:
        row = observed()
        def __init__(self):
            self.events = Events("row")
            self.row = 0                      # the first value: nobody told
    state.events.row.connect(slider.follow)   # called with the new value after each change
    state.row = 5                             # -> slider.follow(5); state.row = 5 again: nothing

Listeners run at once, in the order they connected, on the thread that changed the value (the UI
thread: job results come back there through ui/jobs.py).
"""

from __future__ import annotations

from typing import Any, Callable

_UNSET = object()


class Event:
    """One value's listeners."""

    def __init__(self, name: str):
        self.name = name
        self._listeners: list[Callable[[Any], None]] = []

    def connect(self, listener: Callable[[Any], None]) -> Callable[[Any], None]:
        self._listeners.append(listener)
        return listener

    def disconnect(self, listener: Callable[[Any], None]) -> None:
        self._listeners.remove(listener)

    def emit(self, value: Any) -> None:
        for listener in list(self._listeners):  # a listener may disconnect itself
            listener(value)


class Events:
    """A state's events, one attribute per name: state.events.row.connect(...)."""

    def __init__(self, *names: str):
        for name in names:
            setattr(self, name, Event(name))


class observed:  # lower case: written like a field, as dataclasses' field()
    """A state attribute whose every change (compared with ==, so plain values only) reaches
    owner.events.<its name>; its first assignment tells nobody."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, owner=None):
        return self if obj is None else obj.__dict__[self.name]

    def __set__(self, obj, value) -> None:
        old = obj.__dict__.get(self.name, _UNSET)
        obj.__dict__[self.name] = value
        if old is not _UNSET and old != value:
            getattr(obj.events, self.name).emit(value)

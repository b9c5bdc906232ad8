"""How the Evaluate tab gets MNIST: whether it is there without asking (loaded before, or its files
on disk), and one request at a time through data_dialog.ensure_mnist (which may ask the user, or a
test's loader), with every action that waits for the data called once it has come.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QWidget

from ...datasets.mnist import MNIST, missing_files
from ...errors import DataError
from ..data_dialog import cached_mnist, data_folder, ensure_mnist

DataLoader = Callable[[QWidget, Callable[[MNIST], None], Callable[[str], None]], object]


class MnistRequest:
    """parent: the dialogs' parent; data_dir: the MNIST folder (None: data_dialog's choice);
    loader(parent, on_ready, on_give_up) replaces data_dialog.ensure_mnist (tests)."""

    def __init__(self, parent: QWidget, data_dir=None, loader: DataLoader | None = None):
        self.parent, self.data_dir, self._loader = parent, data_dir, loader
        self._request = None
        self._waiters: list[Callable[[], None]] = []

    def on_disk(self) -> bool:
        """Whether getting MNIST needs no question to the user (loaded before, or its files there)."""
        if cached_mnist(self.data_dir) is not None:
            return True
        try:
            return not missing_files(data_folder(self.data_dir)[0])
        except DataError:
            return False

    def ask(self, then: Callable[[], None], asking: Callable[[], None], on_data: Callable[[MNIST], None],
            on_none: Callable[[str], None]) -> None:  # fmt: skip
        """then() once MNIST is there; unless a request is under way already, asking() and one more
        request, whose data goes to on_data(mnist) (which calls arrived()) or whose reason for
        giving up goes to on_none(reason)."""
        if then not in self._waiters:
            self._waiters.append(then)
        if self._request is not None and getattr(self._request, "active", True):
            return
        asking()
        loader = self._loader
        if loader is None:
            def loader(parent, on_ready, on_give_up):
                return ensure_mnist(parent, on_ready, on_give_up=on_give_up, data_dir=self.data_dir)

        def given_up(reason: str) -> None:
            self._request, self._waiters = None, []
            on_none(reason)

        def ready(mnist: MNIST) -> None:
            self._request = None
            on_data(mnist)

        self._request = loader(self.parent, ready, given_up)

    def arrived(self) -> None:
        """The data is there: every waiting action, once."""
        waiters, self._waiters = self._waiters, []
        for fn in waiters:
            fn()

    def cancel(self) -> None:
        request, self._request = self._request, None
        if request is not None and hasattr(request, "cancel") and getattr(request, "active", False):
            request.cancel()

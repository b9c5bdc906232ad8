"""For tests that interrupt a child process: the child gets Ctrl-C and SIGTERM as from a terminal."""

import signal


def as_from_a_terminal() -> None:
    """preexec_fn: SIGINT and SIGTERM unblocked and at their default action in the child. Both are
    inherited: a library's thread may have blocked them in the test process, and a shell starts a
    background job (`pytest ... &`) with SIGINT ignored, so that Python would never turn Ctrl-C
    into KeyboardInterrupt and the child would run to its end."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

"""What every command shares: the exit codes, one line for an error, a line on stdout, an --out
checked before the work, and the model in use."""

from __future__ import annotations

from pathlib import Path

from ..errors import RecognizerError

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # 128 + SIGTERM
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a tool that a closed pipe ended


def load_session(path: Path | None):
    """The model in use: the file at path (default: the shipped model) with its one Tracer."""
    from ..files.paths import default_model_path
    from ..reading import ReadingSession

    return ReadingSession.load(path or default_model_path())


def check_out(path: Path) -> None:
    """Refuse an --out that could not be written, or that is a device, a FIFO or a folder, now."""
    from ..files.safe_io import check_writable, shown

    try:
        check_writable(path)
    except OSError as e:
        raise RecognizerError(f"Cannot write --out {shown(path)}: {e.strerror}") from None


def say(line: str) -> None:
    """A line on stdout, flushed, so that a closed pipe shows up here (main ends quietly)."""
    print(line, flush=True)


def one_line(e: BaseException) -> str:
    """An error as one line: OSError with its file named (shown escaped if need be)."""
    from ..files.safe_io import shown

    if isinstance(e, OSError) and e.strerror:
        return f"{e.strerror}: {shown(e.filename)}" if e.filename else e.strerror
    text = " ".join(str(e).split())
    return text or type(e).__name__

"""Errors the user can act on. Each message is one readable sentence: the CLI prints it as one
line on stderr and the window shows it in a dialog."""


class RecognizerError(Exception):
    """Base class: anything raised as a RecognizerError is shown to the user as it is."""


class DataError(RecognizerError):
    """MNIST is missing, malformed, or failed its checksum."""


class ModelFileError(RecognizerError):
    """A model file is unreadable, foreign, malformed, or from a newer format."""


class TrainingError(RecognizerError):
    """Training cannot go on (a NaN loss, say)."""


class ImageError(RecognizerError):
    """An image file could not be read."""


class RecordsError(RecognizerError):
    """The records file (run history) is not ours, damaged, or from a newer version."""


class RecordsBusyError(RecordsError):
    """The records file is fine but cannot be used this moment (another writer holds it, the disk
    is full, an I/O error): worth trying again, never a reason to leave the file."""

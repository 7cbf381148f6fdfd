"""The one exception type the package raises for bad input, so callers can tell it apart, and
the kinds the API and the command tell apart (each an exit status of `latentcodec`)."""

from collections.abc import Iterator
from contextlib import contextmanager


class LatentCodecError(Exception):
    """A problem with the user's input or environment, with a message that says what to do.

    Raised instead of letting a library's own error surface from deep inside a job: the
    message names the file, key or model involved and, where there is one, the fix.
    """


class SettingsError(LatentCodecError):
    """A setting the model or codec cannot take (the command's usage error, status 2)."""


class InputError(LatentCodecError):
    """An input image or `.lcf` file that is missing, unreadable or invalid (status 3)."""


class UnavailableError(LatentCodecError):
    """Something this installation lacks: a file's model or codec, a codec library (status 4)."""


class ModelLoadError(UnavailableError):
    """The model cannot load: its weights cannot be found or the device is missing."""


class OutputError(LatentCodecError):
    """The output file cannot be written (status 5)."""


@contextmanager
def prefix_errors(key: str) -> Iterator[None]:
    """Prefix a LatentCodecError raised inside with the config key or CLI flag it concerns,
    so that a check worded once (e.g. `Codec.check_bits`) names where the value came from."""
    try:
        yield
    except LatentCodecError as error:
        raise LatentCodecError(f"{key}: {error}") from None

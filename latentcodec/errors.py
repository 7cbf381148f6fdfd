"""The one exception type the package raises for bad input, so callers can tell it apart."""

from collections.abc import Iterator
from contextlib import contextmanager


class LatentCodecError(Exception):
    """A problem with the user's input or environment, with a message that says what to do.

    Raised instead of letting a library's own error surface from deep inside a job: the
    message names the file, key or model involved and, where there is one, the fix.
    """


@contextmanager
def prefix_errors(key: str) -> Iterator[None]:
    """Prefix a LatentCodecError raised inside with the config key or CLI flag it concerns,
    so that a check worded once (e.g. `Codec.check_bits`) names where the value came from."""
    try:
        yield
    except LatentCodecError as error:
        raise LatentCodecError(f"{key}: {error}") from None

"""The one exception type the package raises for bad input, so callers can tell it apart."""


class LatentCodecError(Exception):
    """A problem with the user's input or environment, with a message that says what to do.

    Raised instead of letting a library's own error surface from deep inside a job: the
    message names the file, key or model involved and, where there is one, the fix.
    """

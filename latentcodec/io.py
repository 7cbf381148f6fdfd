"""Atomic file writes and the few file formats the workflow passes between jobs.

Every output is written to a temporary file in the destination folder and renamed into
place, so a killed job never leaves a half-written file that a later run would trust.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image

from latentcodec.errors import LatentCodecError

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it to `path` only if the block succeeds."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.chmod(0o666 & ~_UMASK)  # mkstemp makes 0600; results should be as readable as any file
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def read_rgb(path: str | os.PathLike) -> np.ndarray:
    """Read an image file as an (H, W, 3) uint8 array, or fail naming the file."""
    try:
        with Image.open(path) as image:
            if image.mode != "RGB":
                raise LatentCodecError(
                    f"{path}: expected an 8-bit RGB image, found mode {image.mode!r}"
                )
            return np.asarray(image, dtype=np.uint8).copy()
    except (OSError, SyntaxError, ValueError) as error:
        raise LatentCodecError(f"{path}: cannot read as an image ({error})") from error


def write_png(path: str | os.PathLike, rgb: np.ndarray) -> None:
    """Write an (H, W, 3) uint8 array as PNG, atomically."""
    buffer = io.BytesIO()
    Image.fromarray(rgb, mode="RGB").save(buffer, format="PNG")
    write_bytes_atomic(path, buffer.getvalue())


def save_arrays(path: str | os.PathLike, **arrays) -> None:
    """Save named arrays as an uncompressed .npz, atomically."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    write_bytes_atomic(path, buffer.getvalue())


def load_arrays(path: str | os.PathLike, *names: str) -> dict[str, np.ndarray]:
    """Load the named arrays from an .npz written by `save_arrays`, or fail naming the file."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [name for name in names if name not in archive.files]
            if missing:
                raise LatentCodecError(f"{path}: missing arrays {missing}")
            return {name: archive[name] for name in names}
    except (OSError, ValueError) as error:
        raise LatentCodecError(f"{path}: cannot read ({error})") from error

"""Atomic file writes and the few file formats the workflow passes between jobs.

Every output is written to a temporary file in the destination folder and renamed into
place, so a killed job never leaves a half-written file that a later run would trust.
"""

from __future__ import annotations

import contextlib
import glob
import io
import logging
import os
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import imagecodecs
import numpy as np
from PIL import Image

from latentcodec.errors import LatentCodecError

log = logging.getLogger(__name__)

# Larger inputs are refused before decoding (decompression bombs); config dataset.max_pixels.
MAX_PIXELS = 64 * 2**20

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it to `path` only if the block succeeds.

    A temporary file a killed job left for the same target is removed first, so a resumed
    run leaves nothing behind.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        stale.unlink(missing_ok=True)  # left by a killed job writing the same file
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
    """Read an 8-bit RGB file the workflow wrote itself (a reconstruction): no conversion."""
    try:
        with Image.open(path) as image:
            if image.mode != "RGB" or _is_16_bit_png(image):
                raise LatentCodecError(
                    f"{path}: expected an 8-bit RGB image, found mode {image.mode!r}"
                )
            return np.asarray(image, dtype=np.uint8).copy()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise LatentCodecError(f"{path}: cannot read as an image ({error})") from error


def load_image(
    path: str | os.PathLike | io.BytesIO,
    max_pixels: int | None = MAX_PIXELS,
    *,
    label: str | None = None,
) -> np.ndarray:
    """Read an input image of any common kind as (H, W, 3) uint8, logging every conversion.

    Conversions (docs/reliability.md, "Bad input"): greyscale is repeated into three
    channels; palette images are expanded; an alpha channel is dropped (the colour values
    are kept as stored); CMYK is converted with Pillow's plain formula (no colour profile);
    16-bit samples are rounded to 8 bits (v / 257). Images over `max_pixels` are refused
    before decoding. `path` may be an in-memory file; `label` then names it in messages.
    """
    label = label or str(path)
    try:
        with Image.open(path) as image:
            width, height = image.size
            if max_pixels is not None and width * height > max_pixels:
                raise LatentCodecError(
                    f"{label}: {width}×{height} = {width * height} pixels is over the limit of "
                    f"{max_pixels} (config dataset.max_pixels); raise it if this is intended"
                )
            if _is_16_bit_png(image):
                data = path.getvalue() if isinstance(path, io.BytesIO) else Path(path).read_bytes()
                return _from_16_bit(label, imagecodecs.png_decode(data))
            if image.mode in ("I;16", "I;16B", "I;16L", "I"):
                return _from_16_bit(label, np.asarray(image).astype(np.uint16))
            if image.mode != "RGB":
                source_mode = image.mode
                if image.mode == "P" and "transparency" in image.info:
                    image = image.convert("RGBA")
                rgb = image.convert("RGB")
                log.warning("%s: converted mode %s to 8-bit RGB", label, source_mode)
                return np.asarray(rgb, dtype=np.uint8).copy()
            return np.asarray(image, dtype=np.uint8).copy()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise LatentCodecError(f"{label}: cannot read as an image ({error})") from error


def _is_16_bit_png(image: Image.Image) -> bool:
    """Pillow opens 16-bit RGB(A) PNG as 8-bit without a word; its raw mode tells."""
    return image.format == "PNG" and any("16" in str(tile.args) for tile in image.tile)


def _from_16_bit(path, values: np.ndarray) -> np.ndarray:
    eight = np.rint(values.astype(np.float64) / 257).astype(np.uint8)
    if eight.ndim == 2:
        eight = eight[:, :, None]
    channels = eight.shape[2]
    rgb = np.repeat(eight, 3, axis=2) if channels in (1, 2) else eight
    log.warning("%s: converted %d-channel 16-bit samples to 8-bit RGB", path, channels)
    return np.ascontiguousarray(rgb[:, :, :3])


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
    # zipfile answers a damaged archive with NotImplementedError (an impossible version or
    # method) or RuntimeError (an "encrypted" member) as well as BadZipFile
    except (
        OSError,
        ValueError,
        EOFError,
        zipfile.BadZipFile,
        NotImplementedError,
        RuntimeError,
    ) as error:
        raise LatentCodecError(f"{path}: cannot read ({error})") from error

"""Palette + dithering storage of 8-bit latents (Bühlmann 2022).

T. Bühlmann, "Stable Diffusion based image compression" (2022) stores the 8-bit quantised
latent of an image as a palette image: the latent channels, packed as the planes of an RGB
or RGBA image, are reduced to a palette of at most 256 colours with Floyd–Steinberg
dithering, and the palette indices (one byte a pixel) plus the palette are zlib-compressed.

Method, for an (H, W, P) uint8 image, P in {3, 4}:

1. Palette. An image with no more distinct colours than `colours` keeps exactly those
   colours (sorted), so it round-trips losslessly. Otherwise Pillow's quantiser designs the
   palette: median cut (`Quantize.MEDIANCUT`, Pillow's default) for RGB, fast octree
   (`Quantize.FASTOCTREE`) for RGBA, the only built-in method Pillow accepts for RGBA
   (median cut and maximum coverage are RGB-only; libimagequant is an optional build
   feature, absent from the usual wheels, so it is never used). Both are deterministic.
2. Dithering. Pillow ignores `dither=` when it designs the palette itself, and its dithered
   mapping onto a given palette is RGB-only and looks colours up in a coarse 6-bit cache
   (not exact). The indices are therefore found here, in integer arithmetic, with the
   classic Floyd–Steinberg error diffusion (raster order; weights 7, 3, 5, 1 sixteenths)
   and an exact nearest-colour search over all P planes, the same for RGB and RGBA. A
   pixel whose colour is in the palette and carries no diffused error maps to itself.
3. Only the palette entries the indices use are kept (in palette order), and
   `palette bytes + index bytes` is compressed with zlib at level 9.

Byte layout (all integers little-endian, header packed with `struct` as "<4sBIIBH"):

    offset  size  field
    0       4     magic b"LCPL"
    4       1     format version (1)
    5       4     height H (uint32)
    9       4     width W (uint32)
    13      1     planes P (uint8: 3 or 4)
    14      2     palette entries N (uint16: 1..256)
    16      ...   zlib(palette: N × P bytes, entry by entry, then indices: H × W bytes,
                  row-major, each < N)

The length of the bytes `palette_encode` returns (header + indices + palette, compressed)
is the size counted in bits per pixel: nothing else is needed to decode.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
from PIL import Image

from latentcodec.errors import LatentCodecError

MAGIC = b"LCPL"
VERSION = 1
HEADER = struct.Struct("<4sBIIBH")
HEADER_SIZE = HEADER.size  # 16 bytes
ZLIB_LEVEL = 9
PLANES = (3, 4)
# Deflate cannot expand more than about 1032:1; a header promising more than this many bytes
# per compressed byte cannot be honest (and would overflow zlib's length argument).
_MAX_INFLATE_RATIO = 1100
_MODES = {3: "RGB", 4: "RGBA"}
_METHODS = {3: Image.Quantize.MEDIANCUT, 4: Image.Quantize.FASTOCTREE}


def _check_image(image: np.ndarray, colours: int) -> None:
    """Raise LatentCodecError unless `image` and `colours` are what `palette_encode` takes."""
    if not isinstance(image, np.ndarray):
        raise LatentCodecError(f"palette coding takes a numpy array, not {type(image).__name__}")
    if image.dtype != np.uint8:
        raise LatentCodecError(
            f"palette coding takes 8-bit images; got dtype {image.dtype} (quantise to uint8)"
        )
    if image.ndim != 3 or image.shape[2] not in PLANES:
        raise LatentCodecError(
            f"palette coding takes an (H, W, 3) or (H, W, 4) image; got shape {image.shape}"
        )
    height, width = image.shape[:2]
    if not (0 < height < 2**32 and 0 < width < 2**32):
        raise LatentCodecError(f"cannot palette-code an image of {height} × {width} pixels")
    if isinstance(colours, bool) or not isinstance(colours, (int, np.integer)):
        raise LatentCodecError(f"colours must be an integer in 2..256, not {colours!r}")
    if not 2 <= colours <= 256:
        raise LatentCodecError(f"colours must be in 2..256, not {colours}")


def _design_palette(image: np.ndarray, colours: int) -> np.ndarray:
    """(N, P) uint8 palette of at most `colours` entries for `image` (see module docstring)."""
    planes = image.shape[2]
    distinct = np.unique(image.reshape(-1, planes), axis=0)
    if len(distinct) <= colours:
        return distinct
    quantised = Image.fromarray(image, _MODES[planes]).quantize(
        colors=colours, method=_METHODS[planes], kmeans=0, dither=Image.Dither.NONE
    )
    raw = quantised.getpalette(_MODES[planes])
    if raw is None:  # pragma: no cover - Pillow always returns a palette for mode "P"
        raise LatentCodecError("Pillow's quantiser returned no palette")
    palette = np.frombuffer(bytes(raw), np.uint8).reshape(-1, planes)
    used = np.unique(np.asarray(quantised))
    return palette[used]


def _nearest(pixels: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Index of the nearest palette entry (squared distance, first on ties) for each pixel."""
    pal = palette.astype(np.int64)
    norms = (pal**2).sum(axis=1)
    out = np.empty(len(pixels), np.uint8)
    for start in range(0, len(pixels), 4096):
        chunk = pixels[start : start + 4096].astype(np.int64)
        out[start : start + 4096] = (norms - 2 * chunk @ pal.T).argmin(axis=1)
    return out


def _floyd_steinberg(image: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """(H, W) uint8 indices into `palette`, with Floyd–Steinberg error diffusion.

    Errors are kept as integers scaled by 16 and rounded half up when added, so the result
    is the same on every platform.
    """
    height, width, planes = image.shape
    pal = palette.astype(np.int64)
    norms = (pal**2).sum(axis=1)
    source = image.astype(np.int64)
    # err[y, x + 1] is the error (×16) diffused onto pixel (y, x); one column of padding
    # on each side takes what falls off the edges.
    err = np.zeros((height + 1, width + 2, planes), np.int64)
    indices = np.empty((height, width), np.uint8)
    for y in range(height):
        here, below, row = err[y], err[y + 1], source[y]
        for x in range(width):
            value = np.clip(row[x] + ((here[x + 1] + 8) >> 4), 0, 255)
            index = int((norms - 2 * (pal @ value)).argmin())
            indices[y, x] = index
            error = value - pal[index]
            here[x + 2] += 7 * error
            below[x] += 3 * error
            below[x + 1] += 5 * error
            below[x + 2] += error
    return indices


def palette_encode(image: np.ndarray, colours: int = 256, *, dither: bool = True) -> bytes:
    """Store an (H, W, 3|4) uint8 image as ≤ `colours` palette colours, zlib-compressed.

    `dither=False` maps each pixel to its nearest palette colour instead (for ablations);
    the default is the Floyd–Steinberg dithering of the method.
    """
    _check_image(image, colours)
    image = np.ascontiguousarray(image)
    height, width, planes = image.shape
    palette = _design_palette(image, int(colours))
    if dither:
        indices = _floyd_steinberg(image, palette)
    else:
        indices = _nearest(image.reshape(-1, planes), palette).reshape(height, width)
    used, indices = np.unique(indices, return_inverse=True)
    palette = palette[used]
    indices = indices.reshape(height, width).astype(np.uint8)
    payload = zlib.compress(palette.tobytes() + indices.tobytes(), ZLIB_LEVEL)
    return HEADER.pack(MAGIC, VERSION, height, width, planes, len(palette)) + payload


def palette_decode(data: bytes) -> np.ndarray:
    """Inverse of `palette_encode`: the (H, W, P) uint8 image; LatentCodecError if malformed."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise LatentCodecError(f"palette data must be bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) < HEADER_SIZE:
        raise LatentCodecError(
            f"palette data truncated: {len(data)} bytes, shorter than the {HEADER_SIZE}-byte header"
        )
    magic, version, height, width, planes, entries = HEADER.unpack_from(data)
    if magic != MAGIC:
        raise LatentCodecError(f"not palette-coded data: magic {magic!r}, expected {MAGIC!r}")
    if version != VERSION:
        raise LatentCodecError(
            f"unsupported palette format version {version} (this code reads {VERSION})"
        )
    if height == 0 or width == 0:
        raise LatentCodecError(f"corrupt palette header: image of {height} × {width} pixels")
    if planes not in PLANES:
        raise LatentCodecError(f"corrupt palette header: {planes} planes (expected 3 or 4)")
    if not 1 <= entries <= 256:
        raise LatentCodecError(f"corrupt palette header: {entries} palette entries (1..256)")
    body = data[HEADER_SIZE:]
    expected = entries * planes + height * width
    if expected > _MAX_INFLATE_RATIO * len(body):
        raise LatentCodecError(
            f"palette data truncated or corrupt: {len(body)} compressed bytes cannot hold the "
            f"{expected} bytes (palette + {height} × {width} indices) the header declares"
        )
    inflater = zlib.decompressobj()
    try:
        payload = inflater.decompress(body, expected + 1)
    except zlib.error as exc:
        raise LatentCodecError(f"palette data corrupt: zlib error ({exc})") from exc
    declared = f"{expected} bytes (palette {entries} × {planes} + indices {height} × {width})"
    if len(payload) > expected:
        raise LatentCodecError(f"palette payload is longer than the header's {declared}")
    if not inflater.eof:
        raise LatentCodecError(
            f"palette data truncated: the zlib stream is cut off after {len(payload)} of {declared}"
        )
    if len(payload) < expected:
        raise LatentCodecError(
            f"palette payload is {len(payload)} bytes, shorter than the header's {declared}"
        )
    if inflater.unused_data:
        raise LatentCodecError(
            f"palette data has {len(inflater.unused_data)} stray bytes after the zlib stream"
        )
    palette = np.frombuffer(payload, np.uint8, entries * planes).reshape(entries, planes)
    indices = np.frombuffer(payload, np.uint8, offset=entries * planes).reshape(height, width)
    if int(indices.max()) >= entries:
        raise LatentCodecError(
            f"palette index {int(indices.max())} is beyond the {entries}-entry palette"
        )
    return palette[indices]

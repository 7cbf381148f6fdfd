"""The latentcodec file (`.lcf`): one image's quantised latent, stored with an image codec,
together with everything a decoder needs to turn it back into pixels.

A fixed 29-byte header gives every length up front, so a reader knows the file's exact size
before it looks at the variable parts; a CRC-32 at the end catches damaged bytes before a
codec library is handed them. Integers are big-endian, the ranges float32 little-endian.

| offset      | bytes | field            | meaning                                             |
|-------------|-------|------------------|-----------------------------------------------------|
| 0           | 4     | magic            | `89 4C 43 46` ("\\x89LCF"; the high first byte, as  |
|             |       |                  | in PNG, is broken by any text-mode transfer)        |
| 4           | 1     | format version   | 1, 2 or 3; a reader refuses newer ones than its own |
| 5           | 1     | m                | length of the model id                              |
| 6           | 1     | k                | length of the codec name                            |
| 7           | 1     | bit depth b      | 1 … 16: the latent's integers are 0 … 2^b − 1        |
| 8           | 1     | packing          | 0 = interleaved, 1 = planar, 2 = none (a codec that |
|             |       |                  | codes the latent itself: lac) (`codecs.packing`)    |
| 9           | 2     | C                | latent channels                                     |
| 11          | 4     | height           | of the original image, pixels                       |
| 15          | 4     | width            | of the original image, pixels                       |
| 19          | 2     | padding bottom   | edge pixels added before encoding, cropped after    |
| 21          | 2     | padding right    |                                                     |
| 23          | 2     | quality          | int16, the codec's own scale; −1 = none (lossless)  |
| 25          | 4     | n                | payload length                                      |
| 29          | m     | model id         | ASCII registry name, e.g. `taef2`                   |
| 29+m        | k     | codec name       | ASCII registry name, e.g. `avif`                    |
| 29+m+k      | 4·C   | lo               | per-channel range minimum, float32                  |
| 29+m+k+4C   | 4·C   | hi               | per-channel range maximum, float32                  |
| 29+m+k+8C   | n     | payload          | the codec's own complete file (e.g. an AVIF image)  |
| 29+m+k+8C+n | 4     | CRC-32           | of all bytes before it                              |

Format version 2 says which quantisation range the integers are on (`latentcodec.quantize`):
after the codec name comes one byte, the range kind, and the ranges section depends on it:

| kind | bytes | ranges section                                                         |
|------|-------|------------------------------------------------------------------------|
| 0    | 8·C   | lo and hi per channel, as in version 1 (`minmax`)                      |
| 1    | 4     | clip c, float32: every channel's range is [−c, c] (a fixed range)      |

Format version 3 also says how the latent was made (`latentcodec.models.refinement`): after
the codec name comes one byte e and e ASCII bytes, e.g. `refined mse 20 steps lr 0.02
cosine, 8-bit minmax grid`; then the range kind and the ranges as in version 2. A latent of
the model's encoder as it is (`direct`) needs no such field.

A writer uses the oldest version that holds the file: version 1 for per-channel ranges of a
direct latent (byte for byte the files of earlier releases), 2 for a fixed range, 3 for a
refined latent. A reader reads all three.

The payload is the channel mosaic (`latentcodec.codecs.packing.pack`) as the codec stored it, so it
can be cut out and opened with any viewer of that format; with packing 2 it is a `.lac` file
of the (C, h, w) latent (`latentcodec.codecs.lac`). The whole file's length is what a
bit rate should count: header and ranges are side information a decoder cannot do without.
This module knows bytes only; which models and codecs exist is the caller's business.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections import namedtuple
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from latentcodec.codecs.packing import NO_PACKING, PACKINGS
from latentcodec.errors import LatentCodecError
from latentcodec.io import write_bytes_atomic
from latentcodec.quantize import fixed_range
from latentcodec.routes import DIRECT_ENCODER  # what versions 1 and 2 hold

PACKING_CODES = (*PACKINGS, NO_PACKING)  # index = the stored code

MAGIC = b"\x89LCF"
FORMAT_VERSION = 3  # the newest this module reads and writes
PER_CHANNEL_RANGES, FIXED_RANGE = 0, 1  # the range kinds of format version 2
SUFFIX = ".lcf"
NO_QUALITY = -1

_HEADER = struct.Struct(">4sBBBBBHIIHHhI")
_Header = namedtuple(
    "_Header",
    "magic version model_len codec_len bits packing channels height width bottom right "
    "quality payload_len",
)
_CRC = struct.Struct(">I")
_RANGE_DTYPE = np.dtype("<f4")


@dataclass(frozen=True, eq=False)
class LatentContainer:
    """Everything one `.lcf` file holds (arrays make `==` ambiguous, so there is none)."""

    model: str
    height: int
    width: int
    padding: tuple[int, int]  # (bottom, right)
    bits: int
    packing: str
    lo: np.ndarray  # float32, (C,)
    hi: np.ndarray  # float32, (C,)
    codec: str
    quality: int | None  # None: a lossless-only codec
    payload: bytes
    clip: float | None = None  # the fixed range [−clip, clip] lo and hi spell out; None: minmax
    encoder: str = DIRECT_ENCODER  # how the latent was made (format version 3 when not direct)

    @property
    def channels(self) -> int:
        return len(self.lo)


def container_to_bytes(container: LatentContainer) -> bytes:
    """The file's bytes; refuses any field the reader would refuse."""
    _check_fields(container, "container")
    model, codec = container.model.encode("ascii"), container.codec.encode("ascii")
    quality = NO_QUALITY if container.quality is None else container.quality
    if container.clip is None:
        kind, ranges = PER_CHANNEL_RANGES, np.concatenate([container.lo, container.hi])
    else:
        kind, ranges = FIXED_RANGE, np.array([container.clip])
    ranges = ranges.astype(_RANGE_DTYPE).tobytes()
    version, encoder = (1 if kind == PER_CHANNEL_RANGES else 2), b""
    if container.encoder != DIRECT_ENCODER:
        version, name = 3, container.encoder.encode("ascii")
        encoder = bytes([len(name)]) + name
    if version >= 2:
        ranges = bytes([kind]) + ranges
    header = _HEADER.pack(
        MAGIC,
        version,
        len(model),
        len(codec),
        container.bits,
        PACKING_CODES.index(container.packing),
        container.channels,
        container.height,
        container.width,
        *container.padding,
        quality,
        len(container.payload),
    )
    body = b"".join((header, model, codec, encoder, ranges, container.payload))
    return body + _CRC.pack(zlib.crc32(body))


def container_from_bytes(data: bytes, source: str | os.PathLike = "<bytes>") -> LatentContainer:
    """Parse a file's bytes; any problem is a LatentCodecError naming `source`."""
    version = _version(data, source)
    header = _Header._make(_HEADER.unpack_from(data))
    cursor = _HEADER.size + header.model_len + header.codec_len
    encoder, cursor = _encoder(data, cursor, version, source)
    kind = _range_kind(data, cursor, version, source)
    ranges_len = _RANGE_DTYPE.itemsize * (1 if kind == FIXED_RANGE else 2 * header.channels)
    ranges_len += version >= 2  # the kind byte
    _check_length_and_crc(data, cursor + ranges_len + header.payload_len, source)
    model, codec = _names(data, header, source)
    clip, ranges = _ranges(data, cursor + (version >= 2), kind, header.channels, source)
    cursor += ranges_len
    if header.packing >= len(PACKING_CODES):
        raise LatentCodecError(f"{source}: unknown packing code {header.packing}")
    container = LatentContainer(
        model=model,
        height=header.height,
        width=header.width,
        padding=(header.bottom, header.right),
        bits=header.bits,
        packing=PACKING_CODES[header.packing],
        lo=ranges[: header.channels],
        hi=ranges[header.channels :],
        codec=codec,
        quality=None if header.quality == NO_QUALITY else header.quality,
        payload=bytes(data[cursor : cursor + header.payload_len]),
        clip=clip,
        encoder=encoder,
    )
    _check_fields(container, source)
    return container


def _version(data: bytes, source) -> int:
    """The format version, once the magic is there and the fixed header is complete."""
    if len(data) < len(MAGIC) + 1 or data[: len(MAGIC)] != MAGIC:
        raise LatentCodecError(f"{source}: not a latentcodec file (no {MAGIC!r} at its start)")
    version = data[len(MAGIC)]
    if version > FORMAT_VERSION:
        raise LatentCodecError(
            f"{source}: format version {version} is newer than this latentcodec reads "
            f"({FORMAT_VERSION}); install a newer latentcodec"
        )
    if version < 1:
        raise LatentCodecError(f"{source}: invalid format version {version}")
    if len(data) < _HEADER.size:
        raise LatentCodecError(
            f"{source}: truncated: {len(data)} bytes, shorter than the {_HEADER.size}-byte header"
        )
    return version


def _encoder(data: bytes, cursor: int, version: int, source) -> tuple[str, int]:
    """How the latent was made, and the cursor after its field (version 3 has one)."""
    if version < 3:
        return DIRECT_ENCODER, cursor
    if len(data) <= cursor or len(data) <= cursor + data[cursor]:
        raise LatentCodecError(f"{source}: truncated in its encoder field")
    field = data[cursor + 1 : cursor + 1 + data[cursor]]
    if not (field.isascii() and field.decode("ascii").isprintable() and field):
        raise LatentCodecError(f"{source}: its encoder field is not printable ASCII")
    return field.decode("ascii"), cursor + 1 + len(field)


def _range_kind(data: bytes, cursor: int, version: int, source) -> int:
    """Per-channel ranges or a fixed range: version 2 says which in the byte at `cursor`."""
    if version < 2:
        return PER_CHANNEL_RANGES
    if len(data) <= cursor:
        raise LatentCodecError(f"{source}: truncated before its range kind")
    kind = data[cursor]
    if kind not in (PER_CHANNEL_RANGES, FIXED_RANGE):
        raise LatentCodecError(f"{source}: unknown quantisation range kind {kind}")
    return kind


def _check_length_and_crc(data: bytes, body_len: int, source) -> None:
    """The file is as long as its header announces, and its CRC-32 matches."""
    expected = body_len + _CRC.size
    if len(data) < expected:
        raise LatentCodecError(
            f"{source}: truncated: {len(data)} bytes, the header announces {expected}"
        )
    if len(data) > expected:
        raise LatentCodecError(
            f"{source}: {len(data) - expected} unexpected bytes after the end the header "
            f"announces ({expected} bytes)"
        )
    (stored_crc,) = _CRC.unpack_from(data, body_len)
    if zlib.crc32(data[:body_len]) != stored_crc:
        raise LatentCodecError(f"{source}: damaged: the CRC-32 does not match its contents")


def _names(data: bytes, header: _Header, source) -> list[str]:
    """The model id and the codec name."""
    cursor = _HEADER.size
    names = []
    for length in (header.model_len, header.codec_len):
        try:
            names.append(data[cursor : cursor + length].decode("ascii"))
        except UnicodeDecodeError:
            raise LatentCodecError(f"{source}: a model or codec name is not ASCII") from None
        cursor += length
    return names


def _ranges(data: bytes, offset: int, kind: int, channels: int, source):
    """(clip or None, lo and hi of every channel, concatenated) from the ranges at `offset`."""
    if kind == FIXED_RANGE:
        clip = float(np.frombuffer(data, _RANGE_DTYPE, 1, offset)[0])
        if not (np.isfinite(clip) and clip > 0):
            raise LatentCodecError(f"{source}: invalid fixed range clip {clip!r}")
        return clip, np.concatenate(fixed_range(clip, channels))
    return None, np.frombuffer(data, _RANGE_DTYPE, 2 * channels, offset).astype(np.float32)


def write_container(path: str | os.PathLike, container: LatentContainer) -> int:
    """Write the file atomically; returns its size in bytes."""
    data = container_to_bytes(container)
    write_bytes_atomic(path, data)
    return len(data)


def read_container(path: str | os.PathLike) -> LatentContainer:
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise LatentCodecError(f"{path}: cannot read ({error.strerror or error})") from error
    return container_from_bytes(data, path)


def _check_fields(container: LatentContainer, source) -> None:
    """The limits of the format and the facts a decoder relies on."""
    problems = []
    names = (("model id", container.model), ("codec name", container.codec))
    for label, name in (*names, ("encoder", container.encoder)):
        if not (name.isascii() and 0 < len(name) < 256 and name.isprintable()):
            problems.append(f"{label} {name!r} must be 1 … 255 printable ASCII characters")
    if not 1 <= container.bits <= 16:
        problems.append(f"bit depth {container.bits} is outside 1 … 16")
    if container.packing not in PACKING_CODES:
        problems.append(f"packing {container.packing!r} is not one of {', '.join(PACKING_CODES)}")
    if not (0 < container.height < 2**32 and 0 < container.width < 2**32):
        problems.append(f"image size {container.height}×{container.width} is not positive")
    if not all(0 <= side < 2**16 for side in container.padding):
        problems.append(f"padding {container.padding} is outside 0 … 65535")
    if container.quality is not None and not 0 <= container.quality < 2**15:
        problems.append(f"quality {container.quality} is outside 0 … 32767")
    lo, hi = np.asarray(container.lo), np.asarray(container.hi)
    if lo.shape != hi.shape or lo.ndim != 1 or not 0 < len(lo) < 2**16:
        problems.append(f"ranges of shapes {lo.shape} and {hi.shape}: need 1 … 65535 channels")
    elif not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)) and np.all(lo <= hi)):
        problems.append("a channel range is not finite or has its maximum below its minimum")
    elif container.clip is not None and not (
        np.float32(container.clip) == container.clip > 0
        and np.all(lo == -container.clip)
        and np.all(hi == container.clip)
    ):
        problems.append(
            f"fixed range clip {container.clip!r} is not a positive float32 that every "
            "channel's range [lo, hi] equals [−clip, clip]"
        )
    if len(container.payload) >= 2**32:
        problems.append(f"payload of {len(container.payload)} bytes is over 4 GiB")
    if problems:
        raise LatentCodecError(f"{source}: invalid latentcodec file: {'; '.join(problems)}")

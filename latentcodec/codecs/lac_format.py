"""The `lac` file format: the bitstream of `latentcodec.codecs.lac`, its header, the model
parameters a decoder reads before the payload, and their checks.

File format (integers big-endian; payload words little-endian uint32 as constriction writes):

| offset | bytes       | field                                                             |
|--------|-------------|-------------------------------------------------------------------|
| 0      | 4           | magic `89 4C 41 43` ("\\x89LAC")                                  |
| 4      | 1           | format version (2)                                                |
| 5      | 1           | bit depth b, 1 … 16                                               |
| 6      | 1           | quality, 1 … 100 (100 = lossless)                                 |
| 7      | 1           | P, previous channels at the same position, 0 … min(8, C − 1)      |
| 8      | 2, 2, 2     | C, h, w (C·h·w ≤ 2^26)                                            |
| 14     | 4           | n, payload length in 32-bit words                                 |
| 18     | 4·C         | only when quality < 100, per channel: step code (uint8, m + 16·e),|
|        |             | offset code (uint8, δ = code / 256, ≤ 128), grid origin (uint16)  |
|        | 2·C         | per-channel centre of the coded indices, uint16 (predictions are  |
|        |             | around it)                                                        |
|        | per channel | lowest class k_lo, class count m (bit 7 set: short coefficients); |
|        |             | when m > 0, F predictor coefficients (int16 / 4096, or int8 / 64  |
|        |             | when short; F = 3, or 6 + P when P > 0) and m deviation codes     |
|        |             | (uint8, σ = 2^((code − 48) / 12)); k_lo = m = 0 stands for a      |
|        |             | constant channel: coefficients 0, class 0, code 0                 |
|        | 4·n         | payload: the range coder's words                                  |
|        | 4           | CRC-32 of all bytes before it                                     |

Every length and value is checked before use; a damaged or hostile file raises
LatentCodecError naming the problem (the caller adds the file name).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

import numpy as np

from latentcodec.errors import LatentCodecError

MAGIC = b"\x89LAC"
FORMAT_VERSION = 2
MAX_VALUES = 2**26
MAX_PREVIOUS = 8
LOSSLESS_QUALITY = 100
COEF_SHIFT = 12  # coefficients are int16 / 2^COEF_SHIFT
SHORT_COEF_SHIFT = 6  # lossy: coefficients are multiples of 2^−6, stored as int8 when they fit
SHORT_COEFS = 0x80  # flag in a channel's class-count byte: its coefficients are int8 · 2^6
STEP_MANTISSA_BITS = 4  # Δ = (16 + m) · 2^(e − 4): code m + 16 e, 1 … 63488
OFFSET_UNIT = 256  # δ = offset code / 256

_HEADER = struct.Struct(">4sBBBBHHHI")


def step_values(codes: np.ndarray) -> np.ndarray:
    """Steps of step codes, exact in float64 on any machine (a mantissa and a power of two)."""
    codes = np.asarray(codes, dtype=np.int64)
    mantissa = codes & (2**STEP_MANTISSA_BITS - 1)
    return np.ldexp(
        (2**STEP_MANTISSA_BITS + mantissa).astype(np.float64),
        (codes >> STEP_MANTISSA_BITS) - STEP_MANTISSA_BITS,
    )


@dataclass(frozen=True)
class Model:
    """Everything the decoder reads before the payload."""

    bits: int
    quality: int
    previous: int
    shape: tuple[int, int, int]
    grid: Grid | None  # None when lossless
    centres: np.ndarray  # int64 (C,)
    coefs: np.ndarray  # int64 (C, F)
    class_low: np.ndarray  # int64 (C,)
    sigma_codes: list[np.ndarray]  # per channel, uint8 (m_c,)

    @property
    def top(self) -> np.ndarray:
        return coded_top(self.bits, self.grid, self.shape[0])


def coded_top(bits: int, grid: Grid | None, channels: int) -> np.ndarray:
    """Largest coded symbol per channel (2^b − 1 when lossless)."""
    if grid is None:
        return np.full(channels, 2**bits - 1, dtype=np.int64)
    return grid.highest(bits) - grid.lowest()


@dataclass(frozen=True)
class Grid:
    """The lossy quantiser of each channel (see module doc): step, origin and offset codes."""

    step_codes: np.ndarray  # uint8 (C,)
    offset_codes: np.ndarray  # uint8 (C,), 0 … OFFSET_UNIT / 2
    origins: np.ndarray  # int64 (C,), 0 … 2^b − 1

    @property
    def steps(self) -> np.ndarray:
        return step_values(self.step_codes)

    def lowest(self) -> np.ndarray:
        """k_min per channel: the index of 0."""
        return -np.floor(self.origins / self.steps + 0.5).astype(np.int64)

    def highest(self, bits: int) -> np.ndarray:
        """k_max per channel: the index of 2^b − 1."""
        return np.floor((2**bits - 1 - self.origins) / self.steps + 0.5).astype(np.int64)

    def reconstruct(self, symbols: np.ndarray, bits: int) -> np.ndarray:
        """Values of coded symbols (k − k_min, float64), rounded and clipped to 0 … 2^b − 1;
        computed in place (the decoder's largest arrays), `symbols` becomes the result."""
        index = symbols
        index += self.lowest()[:, None, None]
        magnitude = np.abs(index)
        magnitude -= (self.offset_codes / OFFSET_UNIT)[:, None, None]
        np.maximum(magnitude, 0, out=magnitude)
        np.sign(index, out=index)
        index *= magnitude
        index *= self.steps[:, None, None]
        index += self.origins[:, None, None]
        index += 0.5
        np.floor(index, out=index)
        return np.clip(index, 0, 2**bits - 1, out=index)


def predictor_taps(previous: int) -> list[tuple[int, int, int]]:
    """(channel offset, row offset, column offset) of each predictor input, all causal."""
    taps = [(0, -1, 0), (0, -1, -1), (0, -1, 1)]
    if previous:
        taps += [(-1, 0, -1), (-1, 0, 1), (-1, -1, 0)]
        taps += [(-p, 0, 0) for p in range(1, previous + 1)]
    return taps


def check_shape(channels: int, height: int, width: int, previous: int) -> None:
    """Refuse latents beyond the size caps (the decoder's arrays, see `_decode_values`)."""
    values = channels * height * width
    grid = (previous + channels) * (previous + 2 + height + channels) * (width + 2)
    if not 1 <= values <= MAX_VALUES or grid > 4 * MAX_VALUES:
        raise LatentCodecError(f"lac: latent shape {(channels, height, width)} out of range")


def serialise(model: Model, words: np.ndarray) -> bytes:
    channels, height, width = model.shape
    parts = [
        _HEADER.pack(
            MAGIC,
            FORMAT_VERSION,
            model.bits,
            model.quality,
            model.previous,
            channels,
            height,
            width,
            words.size,
        )  # fmt: skip
    ]
    if model.grid is not None:
        grid = np.zeros(channels, dtype=[("step", "u1"), ("offset", "u1"), ("origin", ">u2")])
        grid["step"], grid["offset"] = model.grid.step_codes, model.grid.offset_codes
        grid["origin"] = model.grid.origins
        parts.append(grid.tobytes())
    parts.append(model.centres.astype(">u2").tobytes())
    for low, codes, coefs in zip(model.class_low, model.sigma_codes, model.coefs, strict=True):
        parts.append(_channel_model_bytes(int(low), codes, coefs))
    parts.append(words.astype("<u4").tobytes())
    body = b"".join(parts)
    return body + struct.pack(">I", zlib.crc32(body))


def _channel_model_bytes(low: int, codes: np.ndarray, coefs: np.ndarray) -> bytes:
    """A channel's classes, coefficients and deviation codes, in the shortest form."""
    if low == 0 and codes.size == 1 and codes[0] == 0 and not np.any(coefs):
        return bytes([0, 0])  # a constant channel's model
    short, remainder = np.divmod(coefs, 2**SHORT_COEF_SHIFT)
    if not np.any(remainder) and np.all(np.abs(short) <= 127):
        return (
            bytes([low, codes.size | SHORT_COEFS]) + short.astype("i1").tobytes() + codes.tobytes()
        )
    return bytes([low, codes.size]) + coefs.astype(">i2").tobytes() + codes.tobytes()


def parse(data: bytes) -> tuple[Model, np.ndarray]:
    """The model parameters and the payload words of a lac file, every field checked."""
    if len(data) < _HEADER.size + 4:
        raise LatentCodecError(f"lac: {len(data)} bytes is too short for a lac file")
    magic, file_version, bits, quality, previous, channels, height, width, words = (
        _HEADER.unpack_from(data)
    )
    if magic != MAGIC:
        raise LatentCodecError("lac: not a lac file (bad magic)")
    if file_version != FORMAT_VERSION:
        raise LatentCodecError(f"lac: format version {file_version} is not {FORMAT_VERSION}")
    (crc,) = struct.unpack_from(">I", data, len(data) - 4)
    if zlib.crc32(data[:-4]) != crc:
        raise LatentCodecError("lac: checksum mismatch (damaged file)")
    if not 1 <= bits <= 16:
        raise LatentCodecError(f"lac: bit depth {bits} outside 1 … 16")
    if not 1 <= quality <= LOSSLESS_QUALITY:
        raise LatentCodecError(f"lac: quality {quality} outside 1 … 100")
    if previous > min(MAX_PREVIOUS, channels - 1):
        raise LatentCodecError(f"lac: {previous} previous channels for {channels} channels")
    check_shape(channels, height, width, previous)
    reader = _Reader(data, _HEADER.size, len(data) - 4)
    grid = None if quality == LOSSLESS_QUALITY else _read_grid(reader, channels, bits)
    centres = reader.array(">u2", channels).astype(np.int64)
    class_low, coefs, sigma_codes = _read_channel_models(reader, channels, previous)
    payload = reader.array("<u4", words)
    if reader.position != reader.end:
        raise LatentCodecError(
            f"lac: {reader.end - reader.position} bytes after the payload that the header "
            "does not account for"
        )
    model = Model(
        bits, quality, previous, (channels, height, width), grid, centres, coefs, class_low,
        sigma_codes,
    )  # fmt: skip
    if np.any(centres > model.top):
        raise LatentCodecError("lac: a channel centre lies outside the value range")
    return model, payload.astype(np.uint32)


def _read_grid(reader: _Reader, channels: int, bits: int) -> Grid:
    fields = reader.array("u1", 4 * channels).reshape(channels, 4).astype(np.int64)
    grid = Grid(fields[:, 0], fields[:, 1], fields[:, 2] * 256 + fields[:, 3])
    if np.any(grid.steps > 2.0**bits):
        raise LatentCodecError(f"lac: quantisation steps above 2^{bits}")
    if np.any(grid.offset_codes > OFFSET_UNIT // 2):
        raise LatentCodecError("lac: reconstruction offsets above 1/2")
    if np.any(grid.origins > 2**bits - 1):
        raise LatentCodecError("lac: a grid origin lies outside the value range")
    return grid


def _read_channel_models(reader: _Reader, channels: int, previous: int):
    """Each channel's lowest class, predictor coefficients and deviation codes."""
    taps = len(predictor_taps(previous))
    coefs = np.zeros((channels, taps), dtype=np.int64)
    class_low = np.zeros(channels, dtype=np.int64)
    sigma_codes = []
    for channel in range(channels):
        low, count = (int(byte) for byte in reader.array("u1", 2))
        if (low, count) == (0, 0):  # a constant channel's model
            sigma_codes.append(np.zeros(1, dtype=np.uint8))
            continue
        short, count = count & SHORT_COEFS, count & ~SHORT_COEFS
        if count == 0:
            raise LatentCodecError(f"lac: channel {channel} has no deviation classes")
        class_low[channel] = low
        if short:
            coefs[channel] = reader.array("i1", taps).astype(np.int64) * 2**SHORT_COEF_SHIFT
        else:
            coefs[channel] = reader.array(">i2", taps)
        sigma_codes.append(reader.array("u1", count))
    return class_low, coefs, sigma_codes


class _Reader:
    """Reads consecutive arrays from a byte string, refusing to run past `end`."""

    def __init__(self, data: bytes, position: int, end: int):
        self.data, self.position, self.end = data, position, end

    def array(self, dtype: str, count: int) -> np.ndarray:
        size = np.dtype(dtype).itemsize * count
        if self.position + size > self.end:
            raise LatentCodecError(
                f"lac: file truncated (needs {size} more bytes at offset {self.position})"
            )
        array = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.position)
        self.position += size
        return array

"""`lac`: a latent-native codec for (C, h, w) integer latents of 1–16 bits, lossless or lossy.

Latents are nearly white spatially but correlated across channels, so each value is predicted
from its own channel's row above (N, NW, NE) and from the channels coded before it: the
previous channel at (i, j−1), (i, j+1), (i−1, j) and up to `MAX_PREVIOUS` previous channels at
the same position. The predictor is linear, fitted per image and channel by least squares,
and stored as int16 coefficients (fixed point, 2^−12). Each value is coded with constriction's
range coder under a quantised Gaussian whose mean is the prediction and whose standard
deviation depends on the local residual magnitude: the activity A = |e_N| + |e_NW| + |e_NE| +
2·|e_prev| (residuals of the causal neighbours, e_prev: previous channel, same position) picks
an octave class k = bit_length(A), and each (channel, class) has its own stored deviation.

Decoding order: channel c's row i is coded at step t = i + c, so channel c can use channel
c − p's rows up to i + p − 1. One step decodes one row of every channel it holds, vectorised;
a TAEF2 latent (32 × 64 × 96) takes 95 steps. Predictions are integer arithmetic, so the
decoder reproduces the encoder's model parameters exactly on any machine.

Quality 100 is lossless at every bit depth. Below 100, channel c's b-bit integers are
quantised again with its own step Δ_c ≈ Δ(q, b) · w_c on a grid centred on the channel:

    Δ(q, b) = 2^((100 − q) / 12.5) · 2^(b − 8)   (8 bits: q 99 → 1.06, q 50 → 16, q 1 → 242)
    w_c = s_c^(−1/2) / geometric mean over channels of s^(−1/2)   (equal slope)

where s_c is channel c's decoder sensitivity (pixel MSE per unit of latent noise; uniform when
not given). Δ_c is clipped to [1, 2^b] and rounded to the nearest step code (4-bit mantissa,
4-bit exponent: Δ = (16 + m) · 2^(e − 4), within 3.1 % of the request). The grid's origin μ_c
is the channel's median, so a coarse step sends values to the channel's bulk, not to 0 or
2^b − 1, and a channel whose step exceeds its spread costs almost nothing. The indices
k = sign(u) · ⌊|u| + 1/2⌋, u = (x − μ_c) / Δ_c, are reconstructed towards zero,
x̂ = μ_c + sign(k) · (|k| − δ_c) · Δ_c, rounded and clipped to 0 … 2^b − 1, where δ_c ∈ [0, 1/2]
is the mean of |k| − |u| over the channel's nonzero indices (the centroid of a peaked,
Laplacian-like bin; δ = 0 is the bin centre). A dead zone (⌊|u| + 1/2 − θ⌋) did not pay: on
TAEF2, TAESD3 and TAESDXL Kodak latents θ = 0.08 and 0.15 cost 1.5–2 % more bytes at equal
sensitivity-weighted latent error. The indices, shifted to start at 0 (k − k_min with
k_min = −⌊μ_c / Δ_c + 1/2⌋), are what the context model codes, so a coarse step gives it a
small alphabet.

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

import functools
import math
import struct
import zlib
from dataclasses import dataclass
from importlib.metadata import version

import constriction
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
SIGMA_CODE_OFFSET = 48  # σ = 2^((code − 48) / 12): 0.0625 … 2^17.25, steps of 6 %
SIGMA_CODE_PER_OCTAVE = 12
ROW_PAD = 2  # zero rows above each channel (N of row 0 and the previous channel's i − 1)
STEP_MANTISSA_BITS = 4  # Δ = (16 + m) · 2^(e − 4): code m + 16 e, 1 … 63488
OFFSET_UNIT = 256  # δ = offset code / 256

_HEADER = struct.Struct(">4sBBBBHHHI")


def library() -> str:
    return f"constriction {version('constriction')}, lac format {FORMAT_VERSION}"


def quality_step(quality: int, bits: int) -> float:
    """The overall quantisation step on b-bit integers for a quality 1 … 99 (see module doc)."""
    return 2.0 ** ((LOSSLESS_QUALITY - quality) / 12.5) * 2.0 ** (bits - 8)


def channel_steps(quality: int, bits: int, sensitivity: np.ndarray | None, channels: int):
    """Per-channel step codes (uint8, what the file stores), equal slope across channels;
    `step_values` gives the steps."""
    if sensitivity is None:
        weights = np.ones(channels)
    else:
        sensitivity = np.asarray(sensitivity, dtype=np.float64)
        if sensitivity.shape != (channels,) or not np.all(np.isfinite(sensitivity)):
            raise LatentCodecError(
                f"lac: sensitivity must be {channels} finite values, got shape {sensitivity.shape}"
            )
        if np.any(sensitivity <= 0):
            raise LatentCodecError("lac: sensitivities must be positive")
        inverse_root = sensitivity**-0.5
        weights = inverse_root / np.exp(np.mean(np.log(inverse_root)))
    steps = np.clip(quality_step(quality, bits) * weights, 1.0, 2.0**bits)
    table = step_values(np.arange(256))
    allowed = np.log(table[table <= 2.0**bits])
    return np.argmin(np.abs(np.log(steps)[:, None] - allowed), axis=1).astype(np.uint8)


def step_values(codes: np.ndarray) -> np.ndarray:
    """Steps of step codes, exact in float64 on any machine (a mantissa and a power of two)."""
    codes = np.asarray(codes, dtype=np.int64)
    mantissa = codes & (2**STEP_MANTISSA_BITS - 1)
    return np.ldexp(
        (2**STEP_MANTISSA_BITS + mantissa).astype(np.float64),
        (codes >> STEP_MANTISSA_BITS) - STEP_MANTISSA_BITS,
    )


@dataclass(frozen=True)
class _Model:
    """Everything the decoder reads before the payload."""

    bits: int
    quality: int
    previous: int
    shape: tuple[int, int, int]
    grid: _Grid | None  # None when lossless
    centres: np.ndarray  # int64 (C,)
    coefs: np.ndarray  # int64 (C, F)
    class_low: np.ndarray  # int64 (C,)
    sigma_codes: list[np.ndarray]  # per channel, uint8 (m_c,)

    @property
    def top(self) -> np.ndarray:
        return _top(self.bits, self.grid, self.shape[0])


def _top(bits: int, grid: _Grid | None, channels: int) -> np.ndarray:
    """Largest coded symbol per channel (2^b − 1 when lossless)."""
    if grid is None:
        return np.full(channels, 2**bits - 1, dtype=np.int64)
    return grid.highest(bits) - grid.lowest()


@dataclass(frozen=True)
class _Grid:
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


def _quantise(values: np.ndarray, step_codes: np.ndarray) -> tuple[_Grid, np.ndarray]:
    """The grid and the coded symbols (k − k_min) of a (C, h, w) float64 latent of integers."""
    steps = step_values(step_codes)[:, None, None]
    origins = np.floor(np.median(values, axis=(1, 2)) + 0.5)
    scaled = (values - origins[:, None, None]) / steps
    magnitude = np.floor(np.abs(scaled) + 0.5)
    index = np.sign(scaled) * magnitude
    nonzero = magnitude > 0
    shortfall = np.sum((magnitude - np.abs(scaled)) * nonzero, axis=(1, 2))
    offsets = shortfall / np.maximum(np.sum(nonzero, axis=(1, 2)), 1)
    offset_codes = np.clip(np.rint(offsets * OFFSET_UNIT), 0, OFFSET_UNIT // 2)
    grid = _Grid(step_codes, offset_codes.astype(np.uint8), origins.astype(np.int64))
    return grid, index - grid.lowest()[:, None, None]


def _taps(previous: int) -> list[tuple[int, int, int]]:
    """(channel offset, row offset, column offset) of each predictor input, all causal."""
    taps = [(0, -1, 0), (0, -1, -1), (0, -1, 1)]
    if previous:
        taps += [(-1, 0, -1), (-1, 0, 1), (-1, -1, 0)]
        taps += [(-p, 0, 0) for p in range(1, previous + 1)]
    return taps


def _sigmas(codes: np.ndarray) -> np.ndarray:
    return 2.0 ** ((codes.astype(np.float64) - SIGMA_CODE_OFFSET) / SIGMA_CODE_PER_OCTAVE)


def _activity_class(abs_n, abs_nw, abs_ne, abs_prev) -> np.ndarray:
    """Octave class of the causal residual magnitude (exact: frexp of an integer)."""
    return np.frexp(abs_n + abs_nw + abs_ne + 2 * abs_prev)[1]


def _check_shape(channels: int, height: int, width: int, previous: int) -> None:
    """Refuse latents beyond the size caps (the decoder's arrays, see `_decode_values`)."""
    values = channels * height * width
    grid = (previous + channels) * (previous + 2 + height + channels) * (width + 2)
    if not 1 <= values <= MAX_VALUES or grid > 4 * MAX_VALUES:
        raise LatentCodecError(f"lac: latent shape {(channels, height, width)} out of range")


# Encoding


def encode(
    values: np.ndarray, bits: int, quality: int, sensitivity: np.ndarray | None = None
) -> bytes:
    """Code a (C, h, w) latent of `bits`-bit integers at quality 1 … 100 (100 = lossless).

    Arithmetic is float64 on integers below 2^53, hence exact, whatever the summation order.
    """
    channels, height, width = values.shape
    previous = min(MAX_PREVIOUS, channels - 1)
    if max(values.shape) > 0xFFFF:
        raise LatentCodecError(f"lac: latent shape {values.shape} out of range")
    _check_shape(channels, height, width, previous)
    values = values.astype(np.float64)
    grid = None
    if quality != LOSSLESS_QUALITY:
        grid, values = _quantise(values, channel_steps(quality, bits, sensitivity, channels))
    taps = _taps(previous)
    centres = np.floor(values.mean(axis=(1, 2)) + 0.5)
    centred = values - centres[:, None, None]
    padded = _padded(centred, previous)
    features = np.stack([_shifted(padded, tap, values.shape) for tap in taps], axis=1)
    features = features.reshape(channels, len(taps), -1)
    coefs = _fit(features, centred.reshape(channels, -1))
    if grid is not None:  # coarser coefficients cost < 0.1 % of the payload at lossy steps
        coefs = np.clip(np.rint(coefs / 2**SHORT_COEF_SHIFT), -128, 127) * 2**SHORT_COEF_SHIFT
    predicted = (coefs[:, None, :] @ features).reshape(values.shape)
    predicted += centres[:, None, None] * 2.0**COEF_SHIFT
    top = _top(bits, grid, channels)
    means = np.clip(predicted / 2.0**COEF_SHIFT, 0, top[:, None, None].astype(np.float64))
    residual = np.floor(np.abs(values * 2.0**COEF_SHIFT - predicted) / 2.0**COEF_SHIFT)
    padded_residual = _padded(residual, previous)
    classes = _activity_class(
        *(_shifted(padded_residual, tap, values.shape) for tap in _taps(0)),
        _shifted(padded_residual, (-1, 0, 0), values.shape) if previous else 0,
    )
    class_low, sigma_codes, sigma = _fit_scales(values, means, classes)
    model = _Model(
        bits, quality, previous, values.shape, grid, centres.astype(np.int64),
        coefs.astype(np.int64), class_low, sigma_codes,
    )  # fmt: skip
    rows, cols = _wavefront_order(channels, height)
    encoder = constriction.stream.queue.RangeEncoder()
    encoder.encode(
        values[rows, cols].ravel().astype(np.int32),
        constriction.stream.model.QuantizedGaussian(0, int(top.max())),
        means[rows, cols].ravel(),
        sigma[rows, cols].ravel(),
    )
    return _serialise(model, encoder.get_compressed())


def _fit(features: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Least-squares coefficients per channel (features: C × F × N), in fixed point."""
    count = features.shape[1]
    gram = features @ features.transpose(0, 2, 1)
    ridge = 1e-6 * (np.trace(gram, axis1=1, axis2=2)[:, None, None] + 1) * np.eye(count)
    solution = np.linalg.solve(gram + ridge, features @ target[:, :, None])[:, :, 0]
    return np.clip(np.rint(solution * 2**COEF_SHIFT), -32768, 32767)


def _fit_scales(values, means, classes):
    """Per (channel, activity class) Gaussian deviation, quantised; and each value's σ.

    All channels' classes are counted in one bincount, each channel's run of bins after the
    previous channel's: a bin sums its values in the same order as a bincount per channel."""
    channels = values.shape[0]
    classes = classes.reshape(channels, -1).astype(np.int64)
    class_low = classes.min(axis=1)
    counts = classes.max(axis=1) - class_low + 1
    bin_starts = np.cumsum(counts) - counts
    bins = (classes + (bin_starts - class_low)[:, None]).ravel()
    sq_error = ((values - means) ** 2).ravel()
    total = np.bincount(bins, minlength=int(counts.sum()))
    sums = np.bincount(bins, sq_error, minlength=int(counts.sum()))
    variance = np.maximum(sums / np.maximum(total, 1), 1e-30)  # 0 → code 0
    codes = _sigma_codes_for(variance)
    sigma = _sigmas(codes)[bins].reshape(values.shape)
    return class_low, np.split(codes, bin_starts[1:]), sigma


def _sigma_codes_for(variance: np.ndarray) -> np.ndarray:
    """The codes whose quantised Gaussian has the variance nearest (in log) to the measured one.

    Not σ² = variance − 1/12 (Sheppard): that holds for σ ≳ 1 but starves narrow classes, as
    coarse lossy steps make them (mostly zeros, a few ±1), of probability for the ±1s."""
    table = np.log(_quantised_variances())
    boundaries = (table[1:] + table[:-1]) / 2
    return np.searchsorted(boundaries, np.log(variance)).astype(np.uint8)


@functools.cache
def _quantised_variances() -> np.ndarray:
    """Variance of the integers under a zero-mean Gaussian of each σ code, increasing: summed
    over |k| ≤ 64 for σ < 4, σ² + 1/12 above (exact to 10⁻⁹ there)."""
    sigmas = _sigmas(np.arange(256))
    variances = sigmas**2 + 1 / 12
    for code in range(int(np.searchsorted(sigmas, 4.0))):
        tails = [math.erfc((k - 0.5) / (sigmas[code] * math.sqrt(2))) for k in range(1, 66)]
        variances[code] = sum(k**2 * (tails[k - 1] - tails[k]) for k in range(1, 65))
    return variances


def _padded(array: np.ndarray, previous: int) -> np.ndarray:
    """(P + C, ROW_PAD + h, w + 2) with zeros before the first channel, above, left and right."""
    channels, height, width = array.shape
    padded = np.zeros((previous + channels, ROW_PAD + height, width + 2))
    padded[previous:, ROW_PAD:, 1:-1] = array
    return padded


def _shifted(padded: np.ndarray, tap, shape) -> np.ndarray:
    """The tap's value for every position of a (C, h, w) latent (zero outside it)."""
    channels, height, width = shape
    previous = padded.shape[0] - channels
    dc, di, dj = tap
    return padded[
        previous + dc : previous + dc + channels,
        ROW_PAD + di : ROW_PAD + di + height,
        1 + dj : 1 + dj + width,
    ]


def _wavefront_order(channels: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """(channel, row) of each coded row, in coding order: step t = i + c, channels ascending."""
    channel, row = np.meshgrid(np.arange(channels), np.arange(height), indexing="ij")
    order = np.lexsort((channel.ravel(), (channel + row).ravel()))
    return channel.ravel()[order], row.ravel()[order]


def _serialise(model: _Model, words: np.ndarray) -> bytes:
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


# Decoding


def decode(data: bytes) -> tuple[np.ndarray, int]:
    """(C, h, w) integers (uint8 for ≤ 8 bits, else uint16) and the bit depth."""
    model, words = _parse(bytes(data))
    values = _decode_values(model, words)  # within 0 … 2^b − 1 when lossless
    if model.grid is not None:
        values = model.grid.reconstruct(values, model.bits)
    return values.astype(np.uint8 if model.bits <= 8 else np.uint16), model.bits


def _parse(data: bytes) -> tuple[_Model, np.ndarray]:
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
    _check_shape(channels, height, width, previous)
    reader = _Reader(data, _HEADER.size, len(data) - 4)
    grid = None
    if quality != LOSSLESS_QUALITY:
        fields = reader.array("u1", 4 * channels).reshape(channels, 4).astype(np.int64)
        grid = _Grid(fields[:, 0], fields[:, 1], fields[:, 2] * 256 + fields[:, 3])
        if np.any(grid.steps > 2.0**bits):
            raise LatentCodecError(f"lac: quantisation steps above 2^{bits}")
        if np.any(grid.offset_codes > OFFSET_UNIT // 2):
            raise LatentCodecError("lac: reconstruction offsets above 1/2")
        if np.any(grid.origins > 2**bits - 1):
            raise LatentCodecError("lac: a grid origin lies outside the value range")
    centres = reader.array(">u2", channels).astype(np.int64)
    taps = len(_taps(previous))
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
    payload = reader.array("<u4", words)
    if reader.position != reader.end:
        raise LatentCodecError(
            f"lac: {reader.end - reader.position} bytes after the payload that the header "
            "does not account for"
        )
    model = _Model(
        bits, quality, previous, (channels, height, width), grid, centres, coefs, class_low,
        sigma_codes,
    )  # fmt: skip
    if np.any(centres > model.top):
        raise LatentCodecError("lac: a channel centre lies outside the value range")
    return model, payload.astype(np.uint32)


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


def _decode_values(model: _Model, words: np.ndarray) -> np.ndarray:
    """Decode the indices row by row along the wavefront (see module doc).

    The state is skewed: value (c, i, j) sits at [P + 2 + i + c, P + c, 1 + j], its residual
    at [..., 2P + C + c, ...], and each row ends with a plane of ones. A step's rows are one
    block, and each of its predictor inputs, the ones and its causal residuals are a run of w
    at a fixed flat offset, the same at every step: one gather per step fetches them all, and
    one batched product gives each value's mean (×2^−12) and activity. The arithmetic is on
    integers and multiples of 2^−12 far below 2^53, hence exact, so it reproduces the
    encoder's means, residuals and classes bit for bit.
    """
    channels, height, width = model.shape
    previous = model.previous
    top_row = previous + 2
    state = np.zeros((top_row + height + channels, 2 * (previous + channels) + 1, width + 2))
    state[:, -1] = 1.0
    flat = state.reshape(-1)
    runs = np.lib.stride_tricks.as_strided(
        flat, shape=(flat.size - width + 1, width), strides=(flat.itemsize,) * 2, writeable=False
    )  # runs[k] = flat[k : k + w]
    block = flat.size // state.shape[0]
    starts, weights = _step_inputs(model, state.shape)
    top = model.top.astype(np.float64)
    centres = model.centres.astype(np.float64)
    sigma_table, sigma_rows = _sigma_table(model)
    last_class = sigma_table.size // channels - 1
    family = constriction.stream.model.QuantizedGaussian(0, int(top.max()))
    decoder = constriction.stream.queue.RangeDecoder(words)
    for step in range(height + channels - 1):
        first, last = max(0, step - height + 1), min(channels, step + 1)
        product = weights[first:last] @ runs[starts[first:last] + step * block]
        scaled, activity = product[:, 0], product[:, 1]
        means = np.minimum(np.maximum(scaled, 0.0), top[first:last, None])
        classes = np.frexp(activity)[1]
        np.minimum(classes, last_class, out=classes)
        classes += sigma_rows[first:last]
        sigma = sigma_table.take(classes)
        decoded = decoder.decode(family, means.ravel(), sigma.ravel())
        decoded = decoded.astype(np.float64).reshape(means.shape)
        row = state[top_row + step]
        values = row[previous + first : previous + last, 1:-1]
        residual = row[2 * previous + channels + first : 2 * previous + channels + last, 1:-1]
        np.subtract(decoded, centres[first:last, None], out=values)
        np.subtract(decoded, scaled, out=residual)
        np.floor(np.abs(residual, out=residual), out=residual)
    if not decoder.maybe_exhausted():
        raise LatentCodecError("lac: payload longer than the values it codes")
    row_stride, plane_stride, column_stride = state.strides
    unskewed = np.lib.stride_tricks.as_strided(
        state[top_row:, previous:, 1:],
        shape=model.shape,
        strides=(row_stride + plane_stride, row_stride, column_stride),
        writeable=False,
    )
    return unskewed + centres[:, None, None]


def _step_inputs(model: _Model, shape: tuple[int, int, int]):
    """Where, at step 0, each channel's predictor inputs, ones and causal residuals start in
    the decoder's flat state (C, K); and the (C, 2, K) weights that turn them into the mean
    ×2^−12 (coefficients / 2^12, centre) and the activity (1, 1, 1, 2)."""
    channels = model.shape[0]
    previous = model.previous
    _, planes, row_size = shape
    block = planes * row_size
    residuals = (previous + channels) * row_size
    residual_taps = _taps(0) + ([(-1, 0, 0)] if previous else [])
    relative = [(di + dc) * block + dc * row_size + dj for dc, di, dj in _taps(previous)]
    relative += [(di + dc) * block + dc * row_size + dj + residuals for dc, di, dj in residual_taps]
    origin = (previous + 2) * block + (previous + np.arange(channels)[:, None]) * row_size + 1
    ones = np.full((channels, 1), (previous + 3) * block - row_size)
    starts = np.concatenate([origin + relative, ones], axis=1)
    features = len(_taps(previous))
    weights = np.zeros((channels, 2, starts.shape[1]))
    weights[:, 0, :features] = model.coefs / 2.0**COEF_SHIFT
    weights[:, 0, -1] = model.centres
    weights[:, 1, features:-1] = [1, 1, 1, 2][: len(residual_taps)]
    return starts, weights


def _sigma_table(model: _Model) -> tuple[np.ndarray, np.ndarray]:
    """σ by (channel, class) flattened, every class up to the highest stored one present (a
    class outside a channel's range takes its nearest class's σ), and each channel's row
    offset into it."""
    width = max(
        int(low) + codes.size for low, codes in zip(model.class_low, model.sigma_codes, strict=True)
    )
    table = np.empty((len(model.sigma_codes), width))
    for channel, (low, codes) in enumerate(zip(model.class_low, model.sigma_codes, strict=True)):
        table[channel] = _sigmas(codes)[np.clip(np.arange(width) - low, 0, codes.size - 1)]
    rows = np.arange(len(model.sigma_codes), dtype=np.int32) * width
    return table.ravel(), rows[:, None]

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

The file format is in `latentcodec.codecs.lac_format`; `Lac` is the latent codec that
stores with it (`latentcodec.codecs.base.LatentCodec`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from importlib.metadata import version

import constriction
import numpy as np

from latentcodec.codecs.base import LatentCodec
from latentcodec.codecs.lac_format import (
    COEF_SHIFT,
    FORMAT_VERSION,
    LOSSLESS_QUALITY,
    MAX_PREVIOUS,
    OFFSET_UNIT,
    SHORT_COEF_SHIFT,
    Grid,
    Model,
    check_shape,
    coded_top,
    parse,
    predictor_taps,
    serialise,
    step_values,
)
from latentcodec.codecs.packing import NO_PACKING
from latentcodec.errors import LatentCodecError

SIGMA_CODE_OFFSET = 48  # σ = 2^((code − 48) / 12): 0.0625 … 2^17.25, steps of 6 %
SIGMA_CODE_PER_OCTAVE = 12
ROW_PAD = 2  # zero rows above each channel (N of row 0 and the previous channel's i − 1)


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


def _quantise(values: np.ndarray, step_codes: np.ndarray) -> tuple[Grid, np.ndarray]:
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
    grid = Grid(step_codes, offset_codes.astype(np.uint8), origins.astype(np.int64))
    return grid, index - grid.lowest()[:, None, None]


def _sigmas(codes: np.ndarray) -> np.ndarray:
    return 2.0 ** ((codes.astype(np.float64) - SIGMA_CODE_OFFSET) / SIGMA_CODE_PER_OCTAVE)


@dataclass(frozen=True)
class ContextFit:
    """What `encode` codes: the model a file stores, the coded symbols (the values, or the
    lossy indices k − k_min) and each one's Gaussian mean and deviation, all (C, h, w)
    float64. `latentcodec.codecs.lac_rate` reads the same fit to estimate the payload."""

    model: Model
    symbols: np.ndarray
    means: np.ndarray
    sigma: np.ndarray


def fit_context(
    values: np.ndarray, bits: int, quality: int, sensitivity: np.ndarray | None = None
) -> ContextFit:
    """Quantise (below quality 100) and fit the context model of a (C, h, w) latent of
    `bits`-bit integers, as `encode` does before coding.

    Arithmetic is float64 on integers below 2^53, hence exact, whatever the summation order.
    """
    channels, height, width = values.shape
    previous = min(MAX_PREVIOUS, channels - 1)
    if max(values.shape) > 0xFFFF:
        raise LatentCodecError(f"lac: latent shape {values.shape} out of range")
    check_shape(channels, height, width, previous)
    values = values.astype(np.float64)
    grid = None
    if quality != LOSSLESS_QUALITY:
        grid, values = _quantise(values, channel_steps(quality, bits, sensitivity, channels))
    taps = predictor_taps(previous)
    centres = np.floor(values.mean(axis=(1, 2)) + 0.5)
    centred = values - centres[:, None, None]
    padded = pad_latent(centred, previous)
    features = np.stack([tap_view(padded, tap, values.shape) for tap in taps], axis=1)
    features = features.reshape(channels, len(taps), -1)
    coefs = _fit(features, centred.reshape(channels, -1))
    if grid is not None:  # coarser coefficients cost < 0.1 % of the payload at lossy steps
        coefs = np.clip(np.rint(coefs / 2**SHORT_COEF_SHIFT), -128, 127) * 2**SHORT_COEF_SHIFT
    predicted = (coefs[:, None, :] @ features).reshape(values.shape)
    predicted += centres[:, None, None] * 2.0**COEF_SHIFT
    top = coded_top(bits, grid, channels)
    means = np.clip(predicted / 2.0**COEF_SHIFT, 0, top[:, None, None].astype(np.float64))
    residual = np.floor(np.abs(values * 2.0**COEF_SHIFT - predicted) / 2.0**COEF_SHIFT)
    class_low, sigma_codes, sigma = _fit_scales(values, means, _activity_classes(residual))
    model = Model(
        bits, quality, previous, values.shape, grid, centres.astype(np.int64),
        coefs.astype(np.int64), class_low, sigma_codes,
    )  # fmt: skip
    return ContextFit(model, values, means, sigma)


def _activity_classes(residual: np.ndarray) -> np.ndarray:
    """Each value's octave class of A = |e_N| + |e_NW| + |e_NE| + 2·|e_prev|, its causal
    neighbours' residual magnitudes (exact: frexp of an integer)."""
    previous = min(MAX_PREVIOUS, residual.shape[0] - 1)
    padded = pad_latent(residual, previous)
    north, north_west, north_east = (
        tap_view(padded, tap, residual.shape) for tap in predictor_taps(0)
    )
    before = tap_view(padded, (-1, 0, 0), residual.shape) if previous else 0
    return np.frexp(north + north_west + north_east + 2 * before)[1]


def encode(
    values: np.ndarray, bits: int, quality: int, sensitivity: np.ndarray | None = None
) -> bytes:
    """Code a (C, h, w) latent of `bits`-bit integers at quality 1 … 100 (100 = lossless)."""
    fit = fit_context(values, bits, quality, sensitivity)
    channels, height, _ = values.shape
    rows, cols = _wavefront_order(channels, height)
    encoder = constriction.stream.queue.RangeEncoder()
    encoder.encode(
        fit.symbols[rows, cols].ravel().astype(np.int32),
        constriction.stream.model.QuantizedGaussian(0, int(fit.model.top.max())),
        fit.means[rows, cols].ravel(),
        fit.sigma[rows, cols].ravel(),
    )
    return serialise(fit.model, encoder.get_compressed())


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


def pad_latent(array: np.ndarray, previous: int) -> np.ndarray:
    """(P + C, ROW_PAD + h, w + 2) with zeros before the first channel, above, left and right."""
    channels, height, width = array.shape
    padded = np.zeros((previous + channels, ROW_PAD + height, width + 2))
    padded[previous:, ROW_PAD:, 1:-1] = array
    return padded


def tap_view(padded: np.ndarray, tap, shape) -> np.ndarray:
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


# Decoding


def decode(data: bytes) -> tuple[np.ndarray, int]:
    """(C, h, w) integers (uint8 for ≤ 8 bits, else uint16) and the bit depth; a damaged
    file raises LatentCodecError, never another error."""
    model, words = parse(bytes(data))
    try:  # constriction asserts on a payload that its model cannot have written
        values = _decode_values(model, words)  # within 0 … 2^b − 1 when lossless
    except AssertionError as error:
        raise LatentCodecError(f"lac: the payload does not decode ({error})") from error
    if model.grid is not None:
        values = model.grid.reconstruct(values, model.bits)
    return values.astype(np.uint8 if model.bits <= 8 else np.uint16), model.bits


def _decode_values(model: Model, words: np.ndarray) -> np.ndarray:
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


def _step_inputs(model: Model, shape: tuple[int, int, int]):
    """Where, at step 0, each channel's predictor inputs, ones and causal residuals start in
    the decoder's flat state (C, K); and the (C, 2, K) weights that turn them into the mean
    ×2^−12 (coefficients / 2^12, centre) and the activity (1, 1, 1, 2)."""
    channels = model.shape[0]
    previous = model.previous
    _, planes, row_size = shape
    block = planes * row_size
    residuals = (previous + channels) * row_size
    residual_taps = predictor_taps(0) + ([(-1, 0, 0)] if previous else [])
    relative = [(di + dc) * block + dc * row_size + dj for dc, di, dj in predictor_taps(previous)]
    relative += [(di + dc) * block + dc * row_size + dj + residuals for dc, di, dj in residual_taps]
    origin = (previous + 2) * block + (previous + np.arange(channels)[:, None]) * row_size + 1
    ones = np.full((channels, 1), (previous + 3) * block - row_size)
    starts = np.concatenate([origin + relative, ones], axis=1)
    features = len(predictor_taps(previous))
    weights = np.zeros((channels, 2, starts.shape[1]))
    weights[:, 0, :features] = model.coefs / 2.0**COEF_SHIFT
    weights[:, 0, -1] = model.centres
    weights[:, 1, features:-1] = [1, 1, 1, 2][: len(residual_taps)]
    return starts, weights


def _sigma_table(model: Model) -> tuple[np.ndarray, np.ndarray]:
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


class Lac(LatentCodec):
    """`lac` as a latent codec: codes the (C, h, w) integer latent itself (no packing), with
    a per-image context model and range coding; 100 = lossless.

    Lossy, it takes the decoder's per-channel sensitivity (pixel MSE per unit of noise on the
    b-bit integers, `lcf.sensitivity_per_integer`): channel steps ∝ 1/√sensitivity; uniform
    when None. The steps used are in the file."""

    name = "lac"
    bit_depths = frozenset(range(1, 17))
    quality_range = (1, LOSSLESS_QUALITY)
    lossless_quality = LOSSLESS_QUALITY
    encoder = "lac"
    default_packing = NO_PACKING

    def __init__(self, packing: str = NO_PACKING):
        self.check_packing(packing)
        self.packing = packing

    @staticmethod
    def library() -> str:
        return f"constriction {version('constriction')}, lac format {FORMAT_VERSION}"

    @classmethod
    def check_packing(cls, packing: str) -> None:
        if packing != NO_PACKING:
            raise LatentCodecError(
                f"{cls.name} codes the (C, h, w) latent itself and takes no packing"
            )

    @classmethod
    def layout(cls) -> str:
        return "none (C, h, w)"

    @classmethod
    def needs_sensitivity(cls, quality_value: int | None) -> bool:
        return not cls.is_lossless(quality_value)

    @classmethod
    def stores_losslessly(cls, bits: int, channels: int) -> bool:
        """Whether it can store `channels`-channel latents of `bits` bits exactly (any count
        its file holds)."""
        return bits in cls.bit_depths and 1 <= channels <= 0xFFFF

    def encode(self, latent, bits, quality_value=None, sensitivity=None):
        self.check_bits(bits)
        if latent.ndim != 3:
            raise LatentCodecError(
                f"{self.name} stores (C, h, w) latents, got shape {latent.shape}"
            )
        self._check_samples(latent, bits, quality_value)
        return encode(latent, bits, quality_value, sensitivity)

    def decode(self, data, channels):
        latent = decode(data)[0]
        if latent.shape[0] != channels:
            raise LatentCodecError(
                f"{self.name}: the file holds {latent.shape[0]} channels, expected {channels}"
            )
        return latent

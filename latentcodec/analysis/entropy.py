"""Empirical entropy bounds of quantised latents, beside the lossless codecs' real rates.

Three bounds per model and bit depth, each the zeroth-order empirical entropy of a
per-channel symbol stream, in bits per latent value:

- `histogram`: the integers themselves (no context at all).
- `med`: residuals of the MED / LOCO-I predictor (JPEG-LS) from W, N, NW in the same channel.
- `linear`: residuals of a least-squares linear predictor from W, N, NW, NE and the same
  position in the previous `PREVIOUS_CHANNELS` channels (already coded when channels are
  coded in order), plus a constant, fitted per image and channel; the prediction is clipped
  to the bit range and rounded.

Missing neighbours at the borders are replaced: in the first row N, NW and NE by W; in the
first column W and NW by N; in the last column NE by N; the first value is predicted as 0.

These are empirical, model-cost-free bounds: an ideal coder that already knows each
channel's histogram (and, for `linear`, the fitted coefficients: at most 7 floats per
channel and image) would spend this many bits. A real coder must also describe or adapt to
that model, so it pays more; the bounds are what a memoryless coder over these symbols
could at best reach, not the entropy of the source. The histograms are pooled over the
images of the run (one model per channel for the whole set), as a static coder would use
them; per-image histograms (`bits_per_value_per_image`) fit each image for free and are
lower, more so at high bit depths, where a 64×96 channel has far fewer values (6,144)
than levels (65,536 at 16 bits) and its per-image entropy cannot exceed log2(6,144) ≈ 12.6
bits whatever the data — an artefact of the small sample, not compressibility. The same
plug-in bias pulls even the pooled estimate down at 12 and 16 bits (24 such images give
147,456 values per channel for 65,536 levels): read those bounds as optimistic.

Rates in bpp are per original image pixel: entropy × values ÷ (W × H), plus the quantised
latent's side bytes (its per-channel ranges, `Quantized.side_bytes`) × 8 ÷ (W × H), the side
information every decoder needs. The codecs' bpp in metrics.csv is their whole `.lcf` file,
which adds a header of some 40 bytes (≈ 0.001 bpp on a Kodak image) to the ranges
(`latentcodec.analysis.lossless` sets them side by side).
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from latentcodec.codecs.quantized_file import load_quantized
from latentcodec.errors import LatentCodecError
from latentcodec.routes import route_model
from latentcodec.tables import TableSchema, write_csv

BOUNDS = ("histogram", "med", "linear")
PREVIOUS_CHANNELS = 2
BOUND_TABLE = TableSchema(  # one model's bounds (`entropy_tables`), as entropy.csv has them
    "an entropy table", ("model", "bitdepth", "bound", "images", "bits_per_value", "bpp")
)


@dataclass(frozen=True)
class LatentImage:
    """One quantised latent as the bounds need it."""

    values: np.ndarray  # (C, h, w) integers in 0 … 2^bits − 1
    bits: int
    side_bytes: int
    pixels: int  # W × H of the original image
    source: str  # the file it came from, for messages


@dataclass(frozen=True)
class BoundEntropy:
    """One bound's entropy per channel: pooled over images, and per image."""

    pooled: np.ndarray  # (C,) bits per value
    per_image: np.ndarray  # (images, C) bits per value


def entropy_bits(counts: np.ndarray) -> np.ndarray:
    """Empirical entropy in bits of each histogram along the last axis (0 for an empty one).

    log2 N − Σ c·log2 c / N over the non-zero counts only: a 16-bit residual alphabet has
    131,071 bins, nearly all empty.
    """
    counts = np.asarray(counts)
    rows = counts.reshape(-1, counts.shape[-1])
    row, column = np.nonzero(rows)
    present = rows[row, column].astype(np.float64)
    totals = rows.sum(axis=1, dtype=np.float64)
    weighted = np.bincount(row, weights=present * np.log2(present), minlength=len(rows))
    safe = np.where(totals > 0, totals, 1.0)
    entropy = np.where(totals > 0, np.log2(safe) - weighted / safe, 0.0)
    return np.maximum(entropy, 0.0).reshape(counts.shape[:-1])  # −1e-16 rounding → 0


def causal_neighbours(values: np.ndarray) -> dict[str, np.ndarray]:
    """W, N, NW and NE of every position of a (C, h, w) array, borders replaced (see module)."""
    x = np.asarray(values, dtype=np.int64)
    west, north, northwest, northeast = (np.zeros_like(x) for _ in range(4))
    west[:, :, 1:] = x[:, :, :-1]
    north[:, 1:, :] = x[:, :-1, :]
    northwest[:, 1:, 1:] = x[:, :-1, :-1]
    northeast[:, 1:, :-1] = x[:, :-1, 1:]
    for array in (north, northwest, northeast):
        array[:, 0, :] = west[:, 0, :]
    west[:, 1:, 0] = north[:, 1:, 0]
    northwest[:, 1:, 0] = north[:, 1:, 0]
    northeast[:, 1:, -1] = north[:, 1:, -1]
    return {"W": west, "N": north, "NW": northwest, "NE": northeast}


def med_residuals(values: np.ndarray) -> np.ndarray:
    """Value minus the MED (LOCO-I) prediction from W, N, NW, per channel."""
    near = causal_neighbours(values)
    west, north, northwest = near["W"], near["N"], near["NW"]
    low, high = np.minimum(west, north), np.maximum(west, north)
    prediction = np.where(
        northwest >= high, low, np.where(northwest <= low, high, west + north - northwest)
    )
    return np.asarray(values, dtype=np.int64) - prediction


def linear_residuals(
    values: np.ndarray, bits: int, previous_channels: int = PREVIOUS_CHANNELS
) -> np.ndarray:
    """Value minus the rounded least-squares prediction from W, N, NW, NE, the same position
    in up to `previous_channels` earlier channels and a constant; fitted per channel."""
    x = np.asarray(values, dtype=np.int64)
    channels = x.shape[0]
    levels = 2**bits - 1
    near = causal_neighbours(x)
    spatial = np.stack([near[name] for name in ("W", "N", "NW", "NE")], axis=-1)
    # Scaled to [0, 1] so the normal equations stay well conditioned at 16 bits.
    spatial = spatial.reshape(channels, -1, 4) / levels
    flat = x.reshape(channels, -1) / levels
    constant = np.ones((flat.shape[1], 1))
    residuals = np.empty_like(x)
    for channel in range(channels):
        earlier = flat[max(0, channel - previous_channels) : channel].T
        features = np.hstack([spatial[channel], earlier, constant])
        # Least squares through the small normal equations; lstsq copes with a singular
        # Gram matrix (a constant channel, a neighbour equal to an earlier channel).
        weights, *_ = np.linalg.lstsq(features.T @ features, features.T @ flat[channel])
        prediction = np.clip(np.rint(levels * (features @ weights)), 0, levels).astype(np.int64)
        residuals[channel] = (x[channel].ravel() - prediction).reshape(x.shape[1:])
    return residuals


def _symbols(values: np.ndarray, bits: int) -> dict[str, tuple[np.ndarray, int]]:
    """Each bound's non-negative symbols (C, h, w) and its alphabet size."""
    offset = 2**bits - 1  # residuals lie in −(2^b − 1) … 2^b − 1
    return {
        "histogram": (np.asarray(values, dtype=np.int64), 2**bits),
        "med": (med_residuals(values) + offset, 2 * offset + 1),
        "linear": (linear_residuals(values, bits) + offset, 2 * offset + 1),
    }


def _channel_counts(symbols: np.ndarray, alphabet: int) -> np.ndarray:
    """(C, alphabet) histogram of each channel's symbols, in one bincount."""
    channels = symbols.shape[0]
    keys = symbols.reshape(channels, -1) + np.arange(channels)[:, None] * alphabet
    return np.bincount(keys.ravel(), minlength=channels * alphabet).reshape(channels, alphabet)


def bound_entropies(images: Sequence[np.ndarray], bits: int) -> dict[str, BoundEntropy]:
    """Per bound, each channel's entropy pooled over `images` and per image.

    `images` are (C, h, w) integer latents of one bit depth (sizes may differ). The pooled
    histogram sums every image's counts, so the result does not depend on their order.
    """
    if not images:
        raise LatentCodecError("entropy bounds need at least one quantised latent")
    pooled: dict[str, np.ndarray] = {}
    per_image: dict[str, list[np.ndarray]] = defaultdict(list)
    for values in images:
        for bound, (symbols, alphabet) in _symbols(values, bits).items():
            counts = _channel_counts(symbols, alphabet)
            pooled[bound] = counts if bound not in pooled else pooled[bound] + counts
            per_image[bound].append(entropy_bits(counts))
    return {
        bound: BoundEntropy(entropy_bits(pooled[bound]), np.stack(per_image[bound]))
        for bound in BOUNDS
    }


def read_latents(paths: Sequence[str | os.PathLike], model: str) -> dict[int, list[LatentImage]]:
    """The quantised latents of `model` (a latent route), grouped by bit depth, checked for
    what the bounds use (each file's own consistency: `load_quantized`)."""
    by_bits: dict[int, list[LatentImage]] = defaultdict(list)
    for path in paths:
        quantized, stored = load_quantized(path)
        values, bits = quantized.values, quantized.bits
        if str(stored["model"]) != route_model(model):
            raise LatentCodecError(f"{path}: holds a {stored['model']} latent, expected {model}")
        known = by_bits[bits][0].values.shape[0] if by_bits[bits] else values.shape[0]
        if values.shape[0] != known:
            raise LatentCodecError(f"{path}: {values.shape[0]} channels, others have {known}")
        side_bytes = quantized.side_bytes
        pixels = int(stored["height"]) * int(stored["width"])
        by_bits[bits].append(LatentImage(values, bits, side_bytes, pixels, str(path)))
    if not by_bits:
        raise LatentCodecError(f"entropy bounds of {model}: no quantised latents given")
    return dict(sorted(by_bits.items()))


def entropy_tables(
    latents: dict[int, list[LatentImage]], model: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(bounds, channels): per bit depth and bound, the mean over channels and the rate in
    bpp with side bytes (mean over images); and each channel's entropy."""
    summary, channels = [], []
    for bits, images in latents.items():
        entropies = bound_entropies([image.values for image in images], bits)
        per_channel = np.array([image.values[0].size for image in images], dtype=np.float64)
        pixels = np.array([image.pixels for image in images], dtype=np.float64)
        side_bpp = np.array([8 * image.side_bytes for image in images]) / pixels
        values_per_pixel = per_channel * images[0].values.shape[0] / pixels
        for bound in BOUNDS:
            pooled, per_image = entropies[bound].pooled, entropies[bound].per_image
            # Per image: bits = Σ_c H_c × (h·w); per-image entropies weighted by image size.
            pooled_bits = pooled.sum() * per_channel
            own_bits = per_image.sum(axis=1) * per_channel
            weighted = (per_image * per_channel[:, None]).sum(axis=0) / per_channel.sum()
            summary.append(
                {
                    "model": model,
                    "bitdepth": bits,
                    "bound": bound,
                    "images": len(images),
                    "bits_per_value": float(pooled.mean()),
                    "bits_per_value_per_image": float(weighted.mean()),
                    "values_per_pixel": float(values_per_pixel.mean()),
                    "side_bpp": float(side_bpp.mean()),
                    "bpp": float((pooled_bits / pixels + side_bpp).mean()),
                    "bpp_per_image": float((own_bits / pixels + side_bpp).mean()),
                }
            )
            channels.extend(
                {
                    "model": model,
                    "bitdepth": bits,
                    "bound": bound,
                    "channel": channel,
                    "bits_per_value": float(pooled[channel]),
                    "bits_per_value_per_image": float(weighted[channel]),
                }
                for channel in range(len(pooled))
            )
    return pd.DataFrame(summary), pd.DataFrame(channels)


def write_entropy_bounds(
    quantized: Sequence[str | os.PathLike],
    bounds: str | os.PathLike,
    channels: str | os.PathLike,
    *,
    model: str,
) -> None:
    summary, per_channel = entropy_tables(read_latents(quantized, model), model)
    write_csv(summary, bounds)
    write_csv(per_channel, channels)

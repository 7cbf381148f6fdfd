"""Uniform quantisation of a float latent to b-bit integers, over one of two ranges.

Each latent channel c is mapped linearly from a range [lo_c, hi_c] onto the integers
0 … 2^b − 1:

    q = round((x − lo) / step),   step = (hi − lo) / (2^b − 1),   x̂ = lo + q · step

so |x̂ − x| ≤ step / 2 inside the range; values outside it are clipped to its ends.

- `minmax` (the default): each channel's own minimum and maximum in this latent. Nothing is
  clipped; the ranges are side information (two float32 per channel) that count in the rate.
- a fixed symmetric range [−clip, clip] for every channel and image (`clip`), as the seed study
  did with the SDXL VAE's scaled latent (clip 4, `round((x + 4) / 8 · 255)` at 8 bits): one
  float32 of side information, and the share of values clipped is worth recording
  (`clipped_share`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from latentcodec.errors import LatentCodecError

SUPPORTED_BITS = range(1, 17)
MINMAX = "minmax"  # the per-channel range's name in the results table


@dataclass(frozen=True)
class Quantized:
    """Integer latent (C, h, w) plus the per-channel ranges needed to map it back."""

    values: np.ndarray  # uint8 for ≤ 8 bits, else uint16
    lo: np.ndarray  # float32, (C,)
    hi: np.ndarray  # float32, (C,)
    bits: int
    clip: float | None = None  # the fixed range [−clip, clip] of every channel; None: minmax

    @property
    def side_bytes(self) -> int:
        """Bytes of side information a decoder needs besides the coded integers."""
        if self.clip is not None:
            return np.dtype(np.float32).itemsize
        return self.lo.nbytes + self.hi.nbytes

    @property
    def quantizer(self) -> str:
        """The range's name as the results table records it: `minmax` or `clip<c>`."""
        return quantizer_name(self.clip)

    def step(self) -> np.ndarray:
        return _step(self.lo, self.hi, self.bits)


def integer_dtype(bits: int) -> np.dtype:
    _check_bits(bits)
    return np.dtype(np.uint8 if bits <= 8 else np.uint16)


def quantizer_name(clip: float | None) -> str:
    """`minmax`, or `clip<c>` for the fixed range [−c, c] (`clip4`, `clip2.5`)."""
    return MINMAX if clip is None else f"clip{clip:g}"


def check_clip(clip: float | None) -> None:
    """A fixed range must be a finite positive float32 (the `.lcf` file stores it so)."""
    if clip is None:
        return
    if isinstance(clip, bool) or not isinstance(clip, (int, float)):
        raise LatentCodecError(f"clip must be a number, got {clip!r}")
    if not (math.isfinite(clip) and clip > 0 and float(np.float32(clip)) == clip):
        raise LatentCodecError(
            f"clip must be a positive number that float32 holds exactly (e.g. 4 or 2.5), "
            f"got {clip!r}"
        )


def quantize(latent: np.ndarray, bits: int, clip: float | None = None) -> Quantized:
    """Quantise a (C, h, w) float latent over each channel's own min/max range, or, with
    `clip`, over the fixed range [−clip, clip] shared by every channel."""
    latent = np.asarray(latent)
    if latent.ndim != 3:
        raise LatentCodecError(f"expected a (C, h, w) latent, got shape {latent.shape}")
    if not np.all(np.isfinite(latent)):
        raise LatentCodecError("latent contains NaN or Inf; refusing to quantise it")
    if clip is not None:
        check_clip(clip)
        lo, hi = fixed_range(clip, latent.shape[0])
        return quantize_with_range(latent, lo, hi, bits, clip=clip)
    lo = latent.min(axis=(1, 2)).astype(np.float32)
    hi = latent.max(axis=(1, 2)).astype(np.float32)
    return quantize_with_range(latent, lo, hi, bits)


def fixed_range(clip: float, channels: int) -> tuple[np.ndarray, np.ndarray]:
    """The per-channel (lo, hi) of the fixed range [−clip, clip]."""
    return (
        np.full(channels, -clip, dtype=np.float32),
        np.full(channels, clip, dtype=np.float32),
    )


def clipped_share(latent: np.ndarray, quantized: Quantized) -> float:
    """The share of the latent's values outside the quantiser's range (0 for minmax)."""
    latent = np.asarray(latent, dtype=np.float64)
    lo = quantized.lo.astype(np.float64)[:, None, None]
    hi = quantized.hi.astype(np.float64)[:, None, None]
    return float(np.mean((latent < lo) | (latent > hi)))


def quantize_with_range(
    latent: np.ndarray, lo: np.ndarray, hi: np.ndarray, bits: int, clip: float | None = None
) -> Quantized:
    """Quantise with given per-channel ranges; values outside them are clipped. `clip` names
    a fixed range [−clip, clip] that `lo` and `hi` spell out per channel."""
    _check_bits(bits)
    lo = np.asarray(lo, dtype=np.float32)
    hi = np.asarray(hi, dtype=np.float32)
    if np.any(hi < lo):
        raise LatentCodecError("quantisation range has hi < lo")
    step = _step(lo, hi, bits)[:, None, None]
    scaled = np.divide(
        np.asarray(latent, dtype=np.float64) - lo[:, None, None],
        step,
        out=np.zeros(np.shape(latent), dtype=np.float64),
        where=step > 0,
    )
    values = np.clip(np.rint(scaled), 0, 2**bits - 1).astype(integer_dtype(bits))
    return Quantized(values=values, lo=lo, hi=hi, bits=bits, clip=clip)


def dequantize(quantized: Quantized) -> np.ndarray:
    """Map the integers back to float64 latent values (the centre of each step)."""
    step = quantized.step()[:, None, None]
    return quantized.lo[:, None, None].astype(np.float64) + quantized.values * step


def _step(lo: np.ndarray, hi: np.ndarray, bits: int) -> np.ndarray:
    return (hi.astype(np.float64) - lo.astype(np.float64)) / (2**bits - 1)


def _check_bits(bits: int) -> None:
    if bits not in SUPPORTED_BITS:
        raise LatentCodecError(f"bit depth {bits} is not supported (1 … 16)")

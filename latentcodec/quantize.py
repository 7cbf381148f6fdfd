"""Uniform per-channel quantisation of a float latent to b-bit integers.

Each latent channel c is mapped linearly from its own range [lo_c, hi_c] (the channel's
minimum and maximum in this latent) onto the integers 0 … 2^b − 1:

    q = round((x − lo) / step),   step = (hi − lo) / (2^b − 1),   x̂ = lo + q · step

so |x̂ − x| ≤ step / 2. The ranges are side information: a decoder needs them, so their
bytes (two float32 per channel) count in the bit rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from latentcodec.errors import LatentCodecError

SUPPORTED_BITS = range(1, 17)


@dataclass(frozen=True)
class Quantized:
    """Integer latent (C, h, w) plus the per-channel ranges needed to map it back."""

    values: np.ndarray  # uint8 for ≤ 8 bits, else uint16
    lo: np.ndarray  # float32, (C,)
    hi: np.ndarray  # float32, (C,)
    bits: int

    @property
    def side_bytes(self) -> int:
        """Bytes of side information a decoder needs besides the coded integers."""
        return self.lo.nbytes + self.hi.nbytes

    def step(self) -> np.ndarray:
        return _step(self.lo, self.hi, self.bits)


def integer_dtype(bits: int) -> np.dtype:
    _check_bits(bits)
    return np.dtype(np.uint8 if bits <= 8 else np.uint16)


def quantize(latent: np.ndarray, bits: int) -> Quantized:
    """Quantise a (C, h, w) float latent over each channel's own min/max range."""
    latent = np.asarray(latent)
    if latent.ndim != 3:
        raise LatentCodecError(f"expected a (C, h, w) latent, got shape {latent.shape}")
    if not np.all(np.isfinite(latent)):
        raise LatentCodecError("latent contains NaN or Inf; refusing to quantise it")
    lo = latent.min(axis=(1, 2)).astype(np.float32)
    hi = latent.max(axis=(1, 2)).astype(np.float32)
    return quantize_with_range(latent, lo, hi, bits)


def quantize_with_range(latent: np.ndarray, lo: np.ndarray, hi: np.ndarray, bits: int) -> Quantized:
    """Quantise with given per-channel ranges; values outside them are clipped."""
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
    return Quantized(values=values, lo=lo, hi=hi, bits=bits)


def dequantize(quantized: Quantized) -> np.ndarray:
    """Map the integers back to float64 latent values (the centre of each step)."""
    step = quantized.step()[:, None, None]
    return quantized.lo[:, None, None].astype(np.float64) + quantized.values * step


def _step(lo: np.ndarray, hi: np.ndarray, bits: int) -> np.ndarray:
    return (hi.astype(np.float64) - lo.astype(np.float64)) / (2**bits - 1)


def _check_bits(bits: int) -> None:
    if bits not in SUPPORTED_BITS:
        raise LatentCodecError(f"bit depth {bits} is not supported (1 … 16)")

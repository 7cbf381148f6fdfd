"""lac's payload and its gradient with respect to the latent, with lac's own quantiser in the
loop: the rate term of rate-aware refinement (`models.refine.refine_latent`'s `rate`), which
then minimises the decoded image's pixel MSE + λ · bits over the integers lac will store.
Numpy, no torch: the refinement turns the gradient into its own.

Every step refits lac's model on the current integers with lac's own `fit_context` (a few
milliseconds against a decoder pass of seconds): the grid (channel steps, origins, offsets),
the predictor, the per-class deviations. So the estimate is lac's ideal code length for what
it would code now: each symbol's bits are −log2 of its quantised Gaussian's mass, the mean
the causal prediction, the lowest and highest symbols taking the tails, as constriction's
`QuantizedGaussian` codes them. The gradient holds the fitted parameters and the classes
fixed and passes the roundings (to integers, to lac's indices) straight through, so it
reaches each value through its own symbol and through the means its neighbours predict from
it.

λ follows from the quality. lac's steps give every channel the same slope (`lac.channel_steps`:
Δ_c ∝ 1/√p_c, p_c the decoder's pixel MSE per unit of integer noise in channel c), and a
uniform quantiser of step Δ on N values trades D = N p Δ² / 12 against R = N (h − log2 Δ),
so at lac's step Δ(q, b) the trade is λ = −dD/dR = (ln 2 / 6) · Δ(q, b)² · geomean_c(p_c)
pixel MSE per bit: one quality scale still runs from the smallest file to lossless (Δ = 1).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr

from latentcodec.codecs.lac import ContextFit, fit_context, pad_latent, quality_step, tap_view
from latentcodec.codecs.lac_format import COEF_SHIFT, LOSSLESS_QUALITY, predictor_taps
from latentcodec.errors import LatentCodecError
from latentcodec.quantize import Quantized, quantize_with_range

SMALLEST_PROBABILITY = 2.0**-32  # a symbol's mass never rounds to 0 (constriction's is ≥ 2^−24)


class LacRate:
    """lac at `quality` on the integers of `start`'s grid (its bits and per-channel ranges,
    kept fixed so that the file lac writes at the end is on the grid estimated here), with
    `sensitivity` the decoder's per unit of those integers (`lcf.sensitivity_per_integer`)."""

    def __init__(self, start: Quantized, quality: int, sensitivity: np.ndarray):
        if not 1 <= quality <= LOSSLESS_QUALITY:
            raise LatentCodecError(f"rate-aware lac: quality {quality} outside 1 … 100")
        sensitivity = np.asarray(sensitivity, dtype=np.float64)
        if sensitivity.shape != start.lo.shape or not np.all(sensitivity > 0):
            raise LatentCodecError(
                f"rate-aware lac: needs {start.lo.size} positive sensitivities, "
                f"got shape {sensitivity.shape}"
            )
        self.start, self.quality, self.sensitivity = start, quality, sensitivity
        step = 1.0 if quality == LOSSLESS_QUALITY else quality_step(quality, start.bits)
        geomean = math.exp(np.mean(np.log(sensitivity)))
        self.weight = math.log(2) / 6 * step**2 * geomean  # λ: pixel MSE per bit

    def integers(self, latent: np.ndarray) -> Quantized:
        """A (C, h, w) float latent's integers on the start's grid: what lac is given."""
        start = self.start
        return quantize_with_range(latent, start.lo, start.hi, start.bits, start.clip)

    def terms(self, latent: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
        """For a (C, h, w) float latent: the latent lac's file decodes to (float32), lac's
        payload bits for it, and their gradient with respect to `latent`."""
        bits = self.start.bits
        fit = fit_context(self.integers(latent).values, bits, self.quality, self.sensitivity)
        grid = fit.model.grid
        stored = fit.symbols if grid is None else grid.reconstruct(fit.symbols.copy(), bits)
        step = self.start.step()[:, None, None]
        decoded = self.start.lo[:, None, None].astype(np.float64) + stored * step
        payload, gradient = code_length(fit)
        index_step = step if grid is None else step * grid.steps[:, None, None]
        slope = np.divide(1.0, index_step, out=np.zeros_like(index_step), where=index_step > 0)
        return decoded.astype(np.float32), payload, gradient * slope


def code_length(fit: ContextFit) -> tuple[float, np.ndarray]:
    """Σ −log2 P(symbol) under the fit's quantised Gaussians, and its gradient with respect
    to each symbol (through its own mass and through the means it helps predict)."""
    symbols, means, sigma = fit.symbols, fit.means, fit.sigma
    upper, lower = (symbols + 0.5 - means) / sigma, (symbols - 0.5 - means) / sigma
    top = float(fit.model.top.max())  # the coder's alphabet runs to the largest channel's top
    at_bottom, at_top = symbols <= 0, symbols >= top
    # P = Φ(upper) − Φ(lower), taken on the side of the mean where it does not cancel
    flip = (upper + lower) > 0
    upper_tail = np.where(flip, ndtr(-upper), 1 - ndtr(upper))
    lower_tail = np.where(flip, ndtr(-lower), 1 - ndtr(lower))
    mass = lower_tail - upper_tail
    mass = np.where(at_top, lower_tail, np.where(at_bottom, 1 - upper_tail, mass))
    mass = np.maximum(mass, SMALLEST_PROBABILITY)
    density = np.where(at_top, 0.0, _normal(upper)) - np.where(at_bottom, 0.0, _normal(lower))
    per_mean = density / (sigma * mass * math.log(2))  # ∂bits/∂mean; −that is ∂bits/∂symbol
    inside = (means > 0) & (means < fit.model.top[:, None, None])  # clipped means are fixed
    through_means = _predictor_transpose(np.where(inside, per_mean, 0.0), fit.model)
    return float(-np.log2(mass).sum()), through_means - per_mean


def _normal(x: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _predictor_transpose(per_mean: np.ndarray, model) -> np.ndarray:
    """Σ over the values j whose prediction reads symbol i of coefficient(j, tap) · ∂bits/∂m_j:
    the predictor's transpose, each tap scattering back to where it read."""
    channels, height, width = per_mean.shape
    previous = model.previous
    scattered = pad_latent(np.zeros(per_mean.shape), previous)
    for index, tap in enumerate(predictor_taps(previous)):
        weights = model.coefs[:, index, None, None] / 2.0**COEF_SHIFT
        tap_view(scattered, tap, per_mean.shape)[...] += weights * per_mean
    return tap_view(scattered, (0, 0, 0), per_mean.shape).copy()

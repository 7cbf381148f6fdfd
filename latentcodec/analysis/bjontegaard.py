"""Bjøntegaard metrics: the average gap between two rate-quality curves.

- `bd_rate` is the average rate difference, in percent, of the test curve against the anchor at
  equal quality. Negative means the test needs fewer bits for the same quality (better);
  -20 means 20 % fewer bits on average.
- `bd_quality` is the average quality difference of the test curve against the anchor at equal
  rate, in the quality's own unit (BD-PSNR in dB for PSNR). Positive means the test gives higher
  quality for the same rate (better).

Both follow Bjøntegaard (VCEG-M33): rates are taken as log10(rate), each curve is interpolated
over the interval where the two curves overlap, and the gap is the difference of the integrals
divided by the interval's width. As in the common reference implementations (the JVET CTC
spreadsheet, CompressAI), the interpolant is piecewise-cubic Hermite (pchip), which stays
monotone between points and does not overshoot the way VCEG-M33's single cubic fit can. The
integrals are taken exactly from the pchip's antiderivative.

Input: per curve, two 1-D sequences of equal length, at least 2 points, all finite, rates > 0.
Quality may have any sign. The points need not be sorted. A curve that is not monotone does not
raise: points are sorted by the interpolation abscissa (quality for `bd_rate`, log10(rate) for
`bd_quality`), and points sharing an abscissa are replaced by one point at the mean of their
ordinates (mean of log10(rate) for `bd_rate`, mean quality for `bd_quality`), since pchip needs
a strictly increasing abscissa. Such a curve gives a number, but one to read with care.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.interpolate import PchipInterpolator

from latentcodec.errors import LatentCodecError

__all__ = ["bd_quality", "bd_rate", "bd_rate_rows", "msssim_db"]

ArrayLike = Sequence[float] | np.ndarray


def bd_rate(
    anchor_rate: ArrayLike,
    anchor_quality: ArrayLike,
    test_rate: ArrayLike,
    test_quality: ArrayLike,
) -> float:
    """Average rate difference in percent of test vs anchor at equal quality (negative: fewer bits).

    Interpolates log10(rate) as a function of quality over the overlapping quality interval.
    """
    a_rate, a_quality = _curve(anchor_rate, anchor_quality, "anchor")
    t_rate, t_quality = _curve(test_rate, test_quality, "test")
    mean_anchor, mean_test = _mean_over_overlap(
        a_quality, np.log10(a_rate), t_quality, np.log10(t_rate), "quality", lambda x: x
    )
    return float((10.0 ** (mean_test - mean_anchor) - 1.0) * 100.0)


def bd_quality(
    anchor_rate: ArrayLike,
    anchor_quality: ArrayLike,
    test_rate: ArrayLike,
    test_quality: ArrayLike,
) -> float:
    """Average quality difference of test vs anchor at equal rate (positive: better quality).

    Interpolates quality as a function of log10(rate) over the overlapping log-rate interval;
    for PSNR this is BD-PSNR in dB.
    """
    a_rate, a_quality = _curve(anchor_rate, anchor_quality, "anchor")
    t_rate, t_quality = _curve(test_rate, test_quality, "test")
    mean_anchor, mean_test = _mean_over_overlap(
        np.log10(a_rate), a_quality, np.log10(t_rate), t_quality, "rate", lambda x: 10.0**x
    )
    return float(mean_test - mean_anchor)


def _curve(rate: ArrayLike, quality: ArrayLike, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Validate one curve up front, so bad input fails here and not inside scipy."""
    try:
        rate_arr = np.asarray(rate, dtype=np.float64)
        quality_arr = np.asarray(quality, dtype=np.float64)
    except (TypeError, ValueError) as error:
        message = f"{name} curve: rate and quality must be numbers ({error})"
        raise LatentCodecError(message) from None
    if rate_arr.ndim != 1 or quality_arr.ndim != 1:
        raise LatentCodecError(
            f"{name} curve: rate and quality must be 1-D, got shapes "
            f"{rate_arr.shape} and {quality_arr.shape}"
        )
    if len(rate_arr) != len(quality_arr):
        raise LatentCodecError(
            f"{name} curve: {len(rate_arr)} rates but {len(quality_arr)} quality values; "
            "give one quality per rate"
        )
    if len(rate_arr) < 2:
        raise LatentCodecError(
            f"{name} curve has {len(rate_arr)} point(s); a Bjøntegaard metric needs at least 2"
        )
    if not (np.all(np.isfinite(rate_arr)) and np.all(np.isfinite(quality_arr))):
        raise LatentCodecError(
            f"{name} curve has non-finite values (NaN or inf): rate={rate_arr.tolist()}, "
            f"quality={quality_arr.tolist()}"
        )
    if np.any(rate_arr <= 0):
        raise LatentCodecError(
            f"{name} curve has non-positive rates {rate_arr.tolist()}; rates must be > 0 "
            "because they are compared in log10"
        )
    return rate_arr, quality_arr


def _collapse(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort by x and average y over equal x: pchip needs a strictly increasing abscissa."""
    unique_x, inverse = np.unique(x, return_inverse=True)
    mean_y = np.bincount(inverse, weights=y) / np.bincount(inverse)
    return unique_x, mean_y


def _mean_over_overlap(
    anchor_x: np.ndarray,
    anchor_y: np.ndarray,
    test_x: np.ndarray,
    test_y: np.ndarray,
    axis: str,
    shown: Callable[[float], float],
) -> tuple[float, float]:
    """Mean of each curve's pchip interpolant over the interval where both are defined.

    `axis` names the abscissa and `shown` maps it back to user units, for the error message.
    """
    anchor_x, anchor_y = _collapse(anchor_x, anchor_y)
    test_x, test_y = _collapse(test_x, test_y)
    low = max(anchor_x[0], test_x[0])
    high = min(anchor_x[-1], test_x[-1])
    if not low < high:
        # Also covers a curve whose points all share one abscissa: its range is a single point.
        raise LatentCodecError(
            f"anchor and test curves do not overlap in {axis}: anchor "
            f"[{shown(anchor_x[0]):.6g}, {shown(anchor_x[-1]):.6g}], test "
            f"[{shown(test_x[0]):.6g}, {shown(test_x[-1]):.6g}]; a Bjøntegaard metric "
            f"only compares curves over a shared {axis} range"
        )
    width = high - low
    mean_anchor = PchipInterpolator(anchor_x, anchor_y).integrate(low, high) / width
    mean_test = PchipInterpolator(test_x, test_y).integrate(low, high) / width
    return float(mean_anchor), float(mean_test)


def bd_rate_rows(
    anchor_rate: np.ndarray,
    anchor_quality: np.ndarray,
    test_rate: np.ndarray,
    test_quality: np.ndarray,
) -> np.ndarray:
    """`bd_rate` of many replicates at once: row r of (R, P) anchor and (R, Q) test arrays.

    Gives (R,) percentages, NaN where a row is not a valid curve pair (a non-finite value,
    no overlap). The same pchip, evaluated in closed form for all rows together; a row whose
    qualities repeat (pchip needs them to differ) goes through `bd_rate` alone.
    """
    a_rate, a_quality = (np.asarray(a, dtype=np.float64) for a in (anchor_rate, anchor_quality))
    t_rate, t_quality = (np.asarray(a, dtype=np.float64) for a in (test_rate, test_quality))
    if a_rate.shape != a_quality.shape or t_rate.shape != t_quality.shape:
        raise LatentCodecError(
            f"replicated curves: rates and qualities differ in shape, anchor {a_rate.shape} "
            f"vs {a_quality.shape}, test {t_rate.shape} vs {t_quality.shape}"
        )
    if a_rate.ndim != 2 or t_rate.ndim != 2 or len(a_rate) != len(t_rate):
        raise LatentCodecError(
            f"replicated curves need (R, points) arrays with the same R, got anchor "
            f"{a_rate.shape} and test {t_rate.shape}"
        )
    if min(a_rate.shape[1], t_rate.shape[1]) < 2:
        raise LatentCodecError("a Bjøntegaard metric needs at least 2 points per curve")
    anchor_x, anchor_y = _sorted_rows(a_quality, a_rate)
    test_x, test_y = _sorted_rows(t_quality, t_rate)
    low = np.maximum(anchor_x[:, 0], test_x[:, 0])
    high = np.minimum(anchor_x[:, -1], test_x[:, -1])
    valid = (
        np.isfinite(anchor_x).all(1) & np.isfinite(anchor_y).all(1)
        & np.isfinite(test_x).all(1) & np.isfinite(test_y).all(1) & (low < high)
    )  # fmt: skip
    repeats = valid & (
        (np.diff(anchor_x, axis=1) <= 0).any(1) | (np.diff(test_x, axis=1) <= 0).any(1)
    )
    plain = valid & ~repeats
    result = np.full(len(a_rate), np.nan)
    if plain.any():
        width = high[plain] - low[plain]
        mean_anchor = _pchip_integral(anchor_x[plain], anchor_y[plain], low[plain], high[plain])
        mean_test = _pchip_integral(test_x[plain], test_y[plain], low[plain], high[plain])
        result[plain] = (10.0 ** ((mean_test - mean_anchor) / width) - 1.0) * 100.0
    for row in np.flatnonzero(repeats):
        result[row] = bd_rate(a_rate[row], a_quality[row], t_rate[row], t_quality[row])
    return result


def _sorted_rows(quality: np.ndarray, rate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's (quality, log10 rate) sorted by quality; a rate ≤ 0 becomes NaN."""
    order = np.argsort(quality, axis=1, kind="stable")
    with np.errstate(divide="ignore", invalid="ignore"):
        log_rate = np.where(rate > 0, np.log10(np.where(rate > 0, rate, 1.0)), np.nan)
    return np.take_along_axis(quality, order, 1), np.take_along_axis(log_rate, order, 1)


def _pchip_slopes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Row-wise pchip derivatives at the points (Fritsch–Carlson interior, with the
    one-sided three-point ends of Moler's pchiptx), as scipy's PchipInterpolator has them."""
    h = np.diff(x, axis=1)
    m = np.diff(y, axis=1) / h
    if x.shape[1] == 2:
        return np.repeat(m, 2, axis=1)
    slopes = np.zeros_like(y)
    w1, w2 = 2 * h[:, 1:] + h[:, :-1], h[:, 1:] + 2 * h[:, :-1]
    flat = (np.sign(m[:, 1:]) != np.sign(m[:, :-1])) | (m[:, 1:] == 0) | (m[:, :-1] == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        harmonic = (w1 + w2) / (w1 / m[:, :-1] + w2 / m[:, 1:])
    slopes[:, 1:-1] = np.where(flat, 0.0, harmonic)
    slopes[:, 0] = _end_slope(h[:, 0], h[:, 1], m[:, 0], m[:, 1])
    slopes[:, -1] = _end_slope(h[:, -1], h[:, -2], m[:, -1], m[:, -2])
    return slopes


def _end_slope(h0, h1, m0, m1) -> np.ndarray:
    slope = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
    overshoot = (np.sign(m0) != np.sign(m1)) & (np.abs(slope) > 3 * np.abs(m0))
    slope = np.where(overshoot, 3 * m0, slope)
    return np.where(np.sign(slope) != np.sign(m0), 0.0, slope)


def _pchip_integral(x: np.ndarray, y: np.ndarray, low: np.ndarray, high: np.ndarray):
    """Row-wise integral of the pchip through (x, y) from low to high (inside the points)."""
    slopes = _pchip_slopes(x, y)
    h = np.diff(x, axis=1)
    whole = h * ((y[:, :-1] + y[:, 1:]) / 2 + h * (slopes[:, :-1] - slopes[:, 1:]) / 12)
    before = np.concatenate([np.zeros((len(x), 1)), np.cumsum(whole, axis=1)], axis=1)

    def antiderivative(at: np.ndarray) -> np.ndarray:
        rows = np.arange(len(x))
        k = np.clip((x <= at[:, None]).sum(1) - 1, 0, x.shape[1] - 2)
        width = h[rows, k]
        s = (at - x[rows, k]) / width
        y0, y1, d0, d1 = y[rows, k], y[rows, k + 1], slopes[rows, k], slopes[rows, k + 1]
        # ∫₀ˢ of the cubic Hermite basis h00, h10, h01, h11
        part = (
            y0 * (s - s**3 + s**4 / 2)
            + width * d0 * (s**2 / 2 - 2 * s**3 / 3 + s**4 / 4)
            + y1 * (s**3 - s**4 / 2)
            + width * d1 * (s**4 / 4 - s**3 / 3)
        )
        return before[rows, k] + width * part

    return antiderivative(high) - antiderivative(low)


def msssim_db(msssim):
    """MS-SSIM on a dB scale, −10·log10(1 − MS-SSIM), where BD metrics behave; inf at 1.

    Takes a number or an array and gives the same.
    """
    values = np.asarray(msssim, dtype=np.float64)
    with np.errstate(divide="ignore"):
        decibels = -10 * np.log10(np.maximum(1 - values, 0))
    return decibels if decibels.ndim else float(decibels)

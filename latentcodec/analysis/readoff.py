"""The rate at which a rate-quality curve first reaches a quality level, read off the curve.

Never extrapolated: points in increasing bpp, the first one at or above the level ends the
search, and the rate is linear in log bpp between it and the point before it. A level the
curve never reaches is NEVER (with the curve's peak), not a guess.

`rate_at_level` reads one curve and says how (status, the points used, the bracket's
width); `rates_at_level` reads the same curve in many bootstrap replicates at once, with
the same rule, and gives only the rates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from latentcodec.errors import LatentCodecError

INTERPOLATED = "interpolated"
AT_LOWEST_RATE = "at lowest measured rate"
SINGLE_POINT = "single point"
NEVER = "never"
NO_DATA = "no data"

# An operating point interpolated between two rates further apart than this is flagged: the
# curve between them is a straight line in log bpp only by assumption.
WIDE_BRACKET = 2.0


@dataclass(frozen=True)
class RateAtLevel:
    """Where a rate-quality curve first reaches a quality level."""

    bpp: float  # NaN when the curve never reaches the level
    status: str  # INTERPOLATED, AT_LOWEST_RATE, SINGLE_POINT, NEVER or NO_DATA
    between: str = ""  # labels of the points used, e.g. "q42–lossless"
    peak: float = math.nan  # the curve's best quality, to say how far a NEVER falls short
    bracket: float = math.nan  # higher ÷ lower rate of the points interpolated between

    @property
    def wide_bracket(self) -> bool:
        return self.bracket > WIDE_BRACKET


def rate_at_level(
    bpp: Sequence[float],
    quality: Sequence[float],
    level: float,
    labels: Sequence[str] | None = None,
) -> RateAtLevel:
    """The smallest rate at which the curve's quality reaches `level`, read off the curve.

    Points are taken in increasing bpp; the first one at or above `level` ends the search.
    If it is the lowest-rate point its bpp is returned flagged AT_LOWEST_RATE (the curve
    may reach the level at still lower rates, unmeasured); otherwise the bpp is
    interpolated between it and the point before it, quality linear in log bpp. A curve
    that is not monotone thus gives its first crossing. A one-point curve (a lossless
    setting) is just its point. Points with a NaN quality (MS-SSIM of tiny images) are left out.
    """
    rates = np.asarray(bpp, dtype=np.float64)
    values = np.asarray(quality, dtype=np.float64)
    names = list(labels) if labels is not None else [f"{rate:.4g} bpp" for rate in rates]
    if rates.shape != values.shape or len(names) != len(rates):
        raise LatentCodecError(
            f"a curve needs one quality and one label per rate, got {len(rates)} rates, "
            f"{len(values)} qualities and {len(names)} labels"
        )
    keep = ~np.isnan(values)
    if np.any(rates[keep] <= 0):
        raise LatentCodecError(f"rates must be > 0 to be compared in log bpp, got {rates}")
    if not keep.any() or math.isnan(level):
        return RateAtLevel(math.nan, NO_DATA)
    order = np.argsort(rates[keep], kind="stable")
    rates, values = rates[keep][order], values[keep][order]
    names = [name for name, kept in zip(names, keep, strict=True) if kept]
    names = [names[index] for index in order]
    peak = float(values.max())
    reached = np.flatnonzero(values >= level)
    if reached.size == 0:
        return RateAtLevel(math.nan, NEVER, peak=peak)
    first = int(reached[0])
    if len(rates) == 1:
        return RateAtLevel(float(rates[0]), SINGLE_POINT, names[0], peak)
    if first == 0:
        return RateAtLevel(float(rates[0]), AT_LOWEST_RATE, names[0], peak)
    low, high = first - 1, first
    fraction = (level - values[low]) / (values[high] - values[low])
    log_rate = np.log(rates[low]) + fraction * (np.log(rates[high]) - np.log(rates[low]))
    return RateAtLevel(
        float(np.exp(log_rate)),
        INTERPOLATED,
        f"{names[low]}–{names[high]}",
        peak,
        float(rates[high] / rates[low]),
    )


def rates_at_level(bpp: np.ndarray, quality: np.ndarray, level: np.ndarray) -> np.ndarray:
    """`rate_at_level` for many replicates of one curve: row r of (R, P) arrays at level[r].

    Gives the (R,) rates, NaN where a replicate never reaches its level. Each row follows
    the same rule as `rate_at_level`, NaN qualities left out.
    """
    bpp = np.asarray(bpp, dtype=np.float64)
    quality = np.asarray(quality, dtype=np.float64)
    level = np.asarray(level, dtype=np.float64)
    if bpp.ndim != 2 or bpp.shape != quality.shape or level.shape != bpp.shape[:1]:
        raise LatentCodecError(
            f"replicated curves need (R, P) rates and qualities and R levels, got "
            f"{bpp.shape}, {quality.shape} and {level.shape}"
        )
    order = np.argsort(bpp, axis=1, kind="stable")
    bpp = np.take_along_axis(bpp, order, axis=1)
    quality = np.take_along_axis(quality, order, axis=1)
    rows = np.arange(len(bpp))
    reached = quality >= level[:, None]  # NaN compares False: never a crossing
    first = np.argmax(reached, axis=1)
    # The bracket's lower end is the last scored point before the first crossing.
    scored = np.where(~np.isnan(quality), np.arange(bpp.shape[1]), -1)
    before = np.maximum.accumulate(scored, axis=1)
    low = np.where(first > 0, before[rows, np.maximum(first - 1, 0)], -1)
    low_index = np.maximum(low, 0)
    q_low, q_high = quality[rows, low_index], quality[rows, first]
    log_low, log_high = np.log(bpp[rows, low_index]), np.log(bpp[rows, first])
    with np.errstate(invalid="ignore", divide="ignore"):  # rows without a bracket: unused
        fraction = (level - q_low) / (q_high - q_low)
        interpolated = np.exp(log_low + fraction * (log_high - log_low))
    rates = np.where(low >= 0, interpolated, bpp[rows, first])
    return np.where(reached.any(axis=1), rates, np.nan)

"""Paired bootstrap over images: 95 % intervals for statistics of mean rate-quality curves.

Every number the findings quote (a rate at a quality level, a latent ÷ pixel rate ratio, a
BD-rate) is a statistic of curves that are means over the same images. Its uncertainty is
that of the image sample, so one replicate resamples the image set with replacement, with
the same resampled indices for every curve (paired: the latent curve, the pixel curves,
the ceiling and the anchor all see the same images), recomputes each curve's mean, and
recomputes the statistic from those mean curves. The interval is the percentile interval
of the replicates: simple, and honest for a statistic that is a ratio or read off a curve.

A replicate draws image i a whole number of times; its mean curve is the weighted mean
with those counts as weights, so all replicates of all settings are one matrix product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from latentcodec.errors import LatentCodecError
from latentcodec.tables import SWEEP_KEYS

RESAMPLES = 1000
SEED = 0
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Bootstrap:
    """How many replicates, drawn from which seed (`comparison.bootstrap` in the config)."""

    resamples: int = RESAMPLES
    seed: int = SEED

    def counts(self, images: int) -> np.ndarray:
        """(resamples, images): how often each image is drawn in each replicate."""
        if self.resamples < 2 or images < 1:
            raise LatentCodecError(
                f"comparison.bootstrap: need ≥ 2 resamples of ≥ 1 image, got "
                f"{self.resamples} resamples of {images} images"
            )
        draws = np.random.default_rng(self.seed).integers(0, images, (self.resamples, images))
        offsets = np.arange(self.resamples)[:, None] * images
        flat = np.bincount((draws + offsets).ravel(), minlength=self.resamples * images)
        return flat.reshape(self.resamples, images).astype(np.float64)


DEFAULT_BOOTSTRAP = Bootstrap()


@dataclass(frozen=True)
class Estimate:
    """A statistic on the full image set, with its percentile interval over the replicates."""

    value: float
    low: float  # NaN when no replicate gave a value
    high: float
    reached: float  # share of replicates that gave a value (a curve may miss a level)


def estimate(value: float, replicates: np.ndarray) -> Estimate:
    """`value` with the central CONFIDENCE interval of the replicates that are not NaN."""
    replicates = np.asarray(replicates, dtype=np.float64)
    valid = replicates[~np.isnan(replicates)]
    reached = valid.size / replicates.size if replicates.size else 0.0
    if valid.size == 0:
        return Estimate(float(value), np.nan, np.nan, reached)
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(valid, [tail, 100 - tail])
    return Estimate(float(value), float(low), float(high), reached)


def estimate_columns(name: str, value: float, replicates: np.ndarray) -> dict:
    """`estimate` as table columns: name, name_low, name_high, name_reached."""
    result = estimate(value, replicates)
    return {
        name: result.value,
        f"{name}_low": result.low,
        f"{name}_high": result.high,
        f"{name}_reached": result.reached,
    }


def reached_note(share: float) -> str:
    """ " [in 87% of resamples]" when some replicates missed the level, else "".

    One decimal, kept off 0 and 100, where whole percents would print 0 % or 100 % for a
    share that is neither.
    """
    if not 0 < share < 1:
        return ""
    percent = f"{100 * share:.0f}"
    if percent in ("0", "100"):
        percent = f"{min(max(round(100 * share, 1), 0.1), 99.9):.1f}"
    return f" [in {percent}% of resamples]"


def msssim_db(msssim):
    """MS-SSIM on a dB scale, −10·log10(1 − MS-SSIM), where BD metrics behave; inf at 1.

    Takes a number or an array and gives the same.
    """
    values = np.asarray(msssim, dtype=np.float64)
    with np.errstate(divide="ignore"):
        decibels = -10 * np.log10(np.maximum(1 - values, 0))
    return decibels if decibels.ndim else float(decibels)


class ImageMeans:
    """Every setting's mean over images, on the full image set and on each replicate.

    A setting is one row of `latentcodec.tables.summarize` (model × codec × bit depth ×
    packing × quality). Each setting must have a row for every image of the table: a
    missing image would make the pairing, and the mean, silently wrong.
    """

    def __init__(self, frame: pd.DataFrame, bootstrap: Bootstrap):
        indexed = frame.set_index([*SWEEP_KEYS, "image"])
        if indexed.index.has_duplicates:
            duplicated = indexed.index[indexed.index.duplicated()][0]
            raise LatentCodecError(f"results table: row {duplicated} appears twice")
        self._indexed = indexed
        bpp = indexed["bpp"].unstack("image")
        missing = bpp.isna()
        if missing.to_numpy().any():
            setting = missing.any(axis=1).idxmax()
            images = sorted(missing.columns[missing.loc[setting]])
            raise LatentCodecError(
                f"results table: setting {setting} lacks images {images}; a paired "
                "bootstrap needs every setting measured on every image"
            )
        self.images = list(bpp.columns)
        self._settings = bpp.index
        exact = indexed["exact"].unstack("image").reindex(bpp.index).all(axis=1)
        self.settings = bpp.index.to_frame(index=False).assign(
            images=len(self.images), exact=exact.to_numpy()
        )
        self._counts = bootstrap.counts(len(self.images))

    def has(self, column: str) -> bool:
        """Whether the table has `column` with at least one score in it."""
        return column in self._indexed and bool(self._indexed[column].notna().any())

    def means(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """(settings,) means over all images and (settings, resamples) replicate means.

        NaN scores (MS-SSIM of an image too small for it) are left out of the mean, as
        pandas does; an infinite one (PSNR of an identical image) makes the mean infinite.
        "msssim_db" is `msssim_db` of the mean MS-SSIM, as the tables have always had it.
        """
        if column == "msssim_db":
            full, replicates = self.means("msssim")
            return msssim_db(full), msssim_db(replicates)
        if column not in self._indexed:
            raise LatentCodecError(f"results table: no column {column!r}")
        values = self._indexed[column].astype(np.float64).unstack("image")
        values = values.reindex(index=self._settings, columns=self.images).to_numpy()
        weights = np.vstack([np.ones(len(self.images)), self._counts])
        scored = ~np.isnan(values)
        finite = np.where(np.isfinite(values), values, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = (finite @ weights.T) / (scored @ weights.T)
        for sign in (1, -1):
            hit = (values == sign * np.inf) @ weights.T > 0
            means[hit] = sign * np.inf
        return means[:, 0], means[:, 1:]

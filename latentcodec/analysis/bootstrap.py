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

`Curves` reads those mean curves off (`latentcodec.analysis.readoff`) on the full image set
and in every replicate alike; `best_pixel` and `beside_pixels` put a setting beside the
cheapest pixel baseline at its level, the ratio every table of the project quotes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from latentcodec.analysis.bjontegaard import msssim_db
from latentcodec.analysis.readoff import NEVER, NO_DATA, RateAtLevel, rate_at_level, rates_at_level
from latentcodec.errors import LatentCodecError
from latentcodec.tables import ROUTE_KEYS

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


class ImageMeans:
    """Every setting's mean over images, on the full image set and on each replicate.

    A setting is one row of `latentcodec.tables.summarize` (model × codec × bit depth ×
    packing × quality). Each setting must have a row for every image of the table: a
    missing image would make the pairing, and the mean, silently wrong.
    """

    def __init__(self, frame: pd.DataFrame, bootstrap: Bootstrap):
        indexed = frame.set_index([*ROUTE_KEYS, "image"])
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


class Curves:
    """Mean rate and metric score of every setting, full and per replicate, read off by index."""

    def __init__(self, means: ImageMeans, metric: str):
        self.settings = means.settings
        self.rate, self.rate_replicates = means.means("bpp")
        self.score, self.score_replicates = means.means(metric)

    def read(self, index, level: float, levels: np.ndarray) -> tuple[RateAtLevel, np.ndarray]:
        labels = self.settings["quality"].to_numpy()[index].tolist()
        result = rate_at_level(self.rate[index], self.score[index], level, labels)
        replicates = rates_at_level(
            self.rate_replicates[index].T, self.score_replicates[index].T, levels
        )
        return result, replicates


def reading_columns(side: str, result: RateAtLevel) -> dict:
    """How `side`'s rate was read off its curve, as table columns (status, points, peak,
    bracket and its † flag)."""
    return {
        f"{side}_status": result.status,
        f"{side}_between": result.between,
        f"{side}_peak": result.peak,
        f"{side}_bracket": result.bracket,
        f"{side}_wide_bracket": result.wide_bracket,
    }


def best_pixel(curves: Curves, pixels: dict, level: float, levels: np.ndarray):
    """The pixel baseline that needs the fewest bits for `level`, or ("", NEVER); and per
    replicate the fewest bits any baseline needs (the best baseline may change)."""
    best = np.full(len(levels), np.nan)
    reached = []
    for codec, index in pixels.items():
        result, replicates = curves.read(index, level, levels)
        best = np.fmin(best, replicates)
        if not math.isnan(result.bpp):
            reached.append((result.bpp, codec, result))
    if not reached:
        status = NEVER if pixels and not math.isnan(level) else NO_DATA
        return "", RateAtLevel(math.nan, status), best
    _, codec, result = min(reached, key=lambda item: (item[0], item[1]))
    return codec, result, best


def beside_pixels(curves: Curves, index, pixels: dict, *, ratio: bool = True) -> dict:
    """Setting `index` of `curves` beside the cheapest of `pixels` (name → setting indices) at
    its mean score, as table columns: pixel_codec, pixel_bpp with its interval, how the pixel
    rate was read (`reading_columns`) and bpp_ratio = the setting's mean bpp ÷ that pixel bpp.

    The ratio of means, as every ratio of the project: the pixel rate is where the pixel
    codec's mean-over-images curve reaches the setting's mean score; in each bootstrap
    replicate, where the replicate's mean curve reaches the replicate's mean score. With
    `ratio` false the bpp_ratio columns are NaN.
    """
    rate, rate_replicates = curves.rate[index], curves.rate_replicates[index]
    codec, pixel, best_replicates = best_pixel(
        curves, pixels, curves.score[index], curves.score_replicates[index]
    )
    columns = {"pixel_codec": codec}
    columns |= estimate_columns("pixel_bpp", pixel.bpp, best_replicates)
    columns |= reading_columns("pixel", pixel)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios = rate_replicates / best_replicates
    if not ratio:
        ratios = np.full_like(ratios, np.nan)
    return columns | estimate_columns("bpp_ratio", rate / pixel.bpp if ratio else np.nan, ratios)

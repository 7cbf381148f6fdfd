"""The BD-rate table (bdrate.csv): latent codecs beside pixel codecs, BD-rate against an anchor.

Works on the results table alone (`latentcodec.tables`); the equal-size pairs, which
encode the originals again, are in `latentcodec.analysis.equal_size`.

- `bd_table`: for each model and each latent curve (codec × bit depth × packing, lossy
  settings only, at least two rates), BD-rate and BD-PSNR of the mean-over-images curve
  against the anchor baseline's curve (Bjøntegaard with pchip interpolation,
  `latentcodec.analysis.bjontegaard`), and BD-rate on MS-SSIM in dB (−10·log10(1 − MS-SSIM)) and on
  SSIMULACRA2 (rate at equal SSIMULACRA2). Each BD-rate has a 95 % interval from a paired
  bootstrap over images (`latentcodec.analysis.bootstrap`: the anchor is resampled with the same
  images as the curve). A curve that does not overlap the anchor gets NaN and a note, not
  an error. Beside it, the BD-rate on PSNR against the same model's curve of a latent codec
  (`latent_anchor`, latent AVIF by default) at the same bit depth: how a codec built for
  latents (lac) does against an image codec on the very same integers; for a rate-aware
  route, whose lac files start from another route's latents, that route's curve
  (`reference_routes`).

`latentcodec.report.bdrate` writes it down.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from latentcodec.analysis.bjontegaard import bd_quality, bd_rate, bd_rate_rows
from latentcodec.analysis.bootstrap import (
    DEFAULT_BOOTSTRAP,
    Bootstrap,
    ImageMeans,
    estimate_columns,
)
from latentcodec.errors import LatentCodecError
from latentcodec.tables import TableSchema, is_pixel, is_uncoded

CURVE_KEYS = ["codec", "bitdepth", "packing"]
BD_METRICS = {  # metric → (BD-rate column, BD-quality column)
    "psnr": ("bd_rate_psnr", "bd_psnr"),
    "msssim_db": ("bd_rate_msssim", "bd_msssim_db"),
    "ssimulacra2": ("bd_rate_ssimulacra2", "bd_ssimulacra2"),
}
BD_TABLE = TableSchema(  # no rows when the run has no lossy latent curve
    "a BD-rate table",
    ("model", "codec", "bitdepth", "packing", "anchor", "latent_anchor", "points", "images")
    + ("resamples", "seed", "bd_psnr", "bd_rate_psnr", "bd_rate_latent", "note"),
    may_be_empty=True,
)


def bd_table(
    frame: pd.DataFrame,
    anchor: str,
    bootstrap: Bootstrap = DEFAULT_BOOTSTRAP,
    latent_anchor: str = "avif",
    reference_routes: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """BD metrics of each lossy latent curve against the anchor, BD-rates with 95 % intervals,
    and the BD-rate on PSNR against the `latent_anchor` codec's curve of the same model and
    bit depth (NaN for that codec itself, or where it has no such curve), or of the route
    `reference_routes` names for it (a rate-aware route: its start).

    SSIMULACRA2 columns are NaN when the table has no SSIMULACRA2 scores.
    """
    means = ImageMeans(frame, bootstrap)
    settings = means.settings
    rates = means.means("bpp")
    scored = {metric: means.means(metric) for metric in BD_METRICS if _has(means, metric)}
    anchor_curve = settings[is_pixel(settings) & (settings["codec"] == anchor)]
    if len(anchor_curve) < 2:
        raise LatentCodecError(f"bdrate.anchor: baseline {anchor!r} has fewer than 2 points")
    latent = settings[~is_pixel(settings) & ~is_uncoded(settings)]
    rows = []
    for (model, codec, bits, packing), curve in latent.groupby(["model", *CURVE_KEYS]):
        if curve["exact"].all() or len(curve) < 2:
            continue  # a lossless setting is one point: no curve to compare
        row = {"model": model, "codec": codec, "bitdepth": bits, "packing": packing}
        row |= {"anchor": anchor, "points": len(curve), "images": len(means.images)}
        row |= {"resamples": bootstrap.resamples, "seed": bootstrap.seed}
        notes = []
        for metric, (rate_key, quality_key) in BD_METRICS.items():
            if metric not in scored:
                row |= estimate_columns(rate_key, math.nan, np.array([])) | {quality_key: math.nan}
                row |= _shared_range([math.nan], [math.nan], rate_key)
                continue
            keys = (rate_key, quality_key)
            row |= _bd(rates, scored[metric], anchor_curve.index, curve.index, keys, notes)
        home = (reference_routes or {}).get(model, model)
        reference = _latent_reference(latent, home, latent_anchor, bits)
        row["latent_anchor"] = latent_anchor
        if codec == latent_anchor or reference is None or "psnr" not in scored:
            row |= estimate_columns("bd_rate_latent", math.nan, np.array([]))
            row |= {"bd_psnr_latent": math.nan} | _shared_range(
                [math.nan], [math.nan], "bd_rate_latent"
            )
        else:
            keys = ("bd_rate_latent", "bd_psnr_latent")
            row |= _bd(rates, scored["psnr"], reference, curve.index, keys, notes)
        rows.append(row | {"note": "; ".join(dict.fromkeys(notes))})
    return pd.DataFrame(rows)


def _latent_reference(latent: pd.DataFrame, model: str, codec: str, bits: int):
    """The index of `codec`'s lossy curve of `model` at `bits` (the interleaved packing if it
    has several), or None."""
    rows = latent[
        (latent["model"] == model) & (latent["codec"] == codec) & (latent["bitdepth"] == bits)
    ]
    rows = rows[~rows["exact"]]
    if rows.empty:
        return None
    packing = "interleaved" if "interleaved" in set(rows["packing"]) else rows["packing"].iloc[0]
    curve = rows[rows["packing"] == packing]
    return curve.index if len(curve) >= 2 else None


def _has(means: ImageMeans, metric: str) -> bool:
    return means.has("msssim" if metric == "msssim_db" else metric)


def _bd(rates, scores, anchor, curve, keys: tuple[str, str], notes: list[str]) -> dict:
    """BD-rate and BD-quality on the full image set, BD-rate on every replicate, and the
    quality range both curves span, over which the BD-rate compares them
    (`<rate key>_over_low`, `…_over_high`; NaN when they share none).

    `rates` and `scores` (the metric) are (full, replicates) means of every setting (`ImageMeans`);
    `anchor` and `curve` index the settings of the two curves.
    """
    score = scores[0]
    shared = _shared_range(score[anchor], score[curve], keys[0])
    return _bd_estimates(rates, scores, anchor, curve, keys, notes) | shared


def _shared_range(anchor_scores, curve_scores, rate_key: str) -> dict:
    """The quality range of both curves' points (the interval the BD-rate integrates over)."""
    low = max(np.min(anchor_scores), np.min(curve_scores))
    high = min(np.max(anchor_scores), np.max(curve_scores))
    if not low < high:  # also NaN scores: every comparison is False
        low = high = math.nan
    return {f"{rate_key}_over_low": float(low), f"{rate_key}_over_high": float(high)}


def _bd_estimates(rates, scores, anchor, curve, keys, notes) -> dict:
    """The BD-rate with its replicates, and the BD-quality; NaN and a note without overlap."""
    (rate, rate_replicates), (score, score_replicates) = rates, scores
    rate_key, quality_key = keys
    replicates = bd_rate_rows(
        rate_replicates[anchor].T,
        score_replicates[anchor].T,
        rate_replicates[curve].T,
        score_replicates[curve].T,
    )
    if not (np.all(np.isfinite(score[anchor])) and np.all(np.isfinite(score[curve]))):
        return estimate_columns(rate_key, math.nan, replicates) | {quality_key: math.nan}
    try:
        value = bd_rate(rate[anchor], score[anchor], rate[curve], score[curve])
        quality_gap = bd_quality(rate[anchor], score[anchor], rate[curve], score[curve])
    except LatentCodecError as error:
        notes.append(str(error))
        return estimate_columns(rate_key, math.nan, replicates) | {quality_key: math.nan}
    return estimate_columns(rate_key, value, replicates) | {quality_key: quality_gap}

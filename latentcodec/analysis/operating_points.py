"""Operating points: the bpp each latent curve needs to come within Δ of its model's ceiling.

For each latent curve (model × codec × bit depth × packing, means over images) and each Δ
(`latentcodec.analysis.ceiling`), the smallest mean bpp at which the curve comes within Δ of
the ceiling (the float latent decoded without quantisation), read off the curve by
`latentcodec.analysis.readoff`; beside it the smallest bpp any pixel baseline needs for the
same level, and their ratio. Each with a 95 % interval from a paired bootstrap over images
(`latentcodec.analysis.bootstrap`): a replicate resamples the images, recomputes the ceiling,
the level and every curve, and reads them off again. A replicate whose curve misses the level
gives no value; the share that gave one is `*_reached`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from latentcodec.analysis.bootstrap import (
    DEFAULT_BOOTSTRAP,
    Bootstrap,
    Curves,
    ImageMeans,
    best_pixel,
    estimate_columns,
    reading_columns,
)
from latentcodec.analysis.ceiling import METRICS, ceiling
from latentcodec.errors import LatentCodecError
from latentcodec.tables import TableSchema, is_pixel, is_uncoded

SOURCE_COLUMN = {"psnr": "psnr", "msssim_db": "msssim", "ssimulacra2": "ssimulacra2"}
CURVE_KEYS = ["codec", "bitdepth", "packing"]
COLUMNS = [  # x, x_low, x_high, x_reached: the estimate, its interval, share of replicates
    *["model", *CURVE_KEYS, "points", "lossy", "metric", "delta", "ceiling", "target"],
    *["images", "resamples", "seed"],
    *[f"latent_bpp{end}" for end in ("", "_low", "_high", "_reached")],
    *[f"latent_{what}" for what in ("status", "between", "peak", "bracket", "wide_bracket")],
    "pixel_codec",
    *[f"pixel_bpp{end}" for end in ("", "_low", "_high", "_reached")],
    *[f"pixel_{what}" for what in ("status", "between", "peak", "bracket", "wide_bracket")],
    *[f"bpp_ratio{end}" for end in ("", "_low", "_high", "_reached")],
]
POINTS_TABLE = TableSchema("an operating-point table", tuple(COLUMNS))


def operating_points(
    frame: pd.DataFrame, metric: str = "psnr", bootstrap: Bootstrap = DEFAULT_BOOTSTRAP
) -> pd.DataFrame:
    """One row per latent curve and Δ: the bpp within Δ of the ceiling, latent and pixel.

    Empty when the table has no score of `metric` (SSIMULACRA2 not measured).
    """
    if metric not in METRICS:
        raise LatentCodecError(f"operating points: unknown metric {metric!r}")
    means = ImageMeans(frame, bootstrap)
    if not means.has(SOURCE_COLUMN[metric]):
        return pd.DataFrame(columns=COLUMNS)
    curves = Curves(means, metric)
    settings = curves.settings
    pixels = settings[is_pixel(settings)].groupby("codec", sort=True).groups
    rows = []
    for model in sorted(set(settings.loc[~is_pixel(settings), "model"])):
        top = ceiling(settings, model).name
        of_model = settings[(settings["model"] == model) & ~is_uncoded(settings)]
        for delta in METRICS[metric][2]:
            level = curves.score[top] - delta
            levels = curves.score_replicates[top] - delta
            pixel_codec, pixel, pixel_replicates = best_pixel(curves, pixels, level, levels)
            for (codec, bits, packing), curve in of_model.groupby(CURVE_KEYS, sort=True):
                latent, latent_replicates = curves.read(curve.index, level, levels)
                row = {"model": model, "codec": codec, "bitdepth": bits, "packing": packing}
                row |= {"points": len(curve), "lossy": not curve["exact"].all()}
                row |= {"metric": metric, "delta": delta, "ceiling": curves.score[top]}
                row |= {"target": level, "images": len(means.images)}
                row |= {"resamples": bootstrap.resamples, "seed": bootstrap.seed}
                row |= estimate_columns("latent_bpp", latent.bpp, latent_replicates)
                row |= reading_columns("latent", latent)
                row |= {"pixel_codec": pixel_codec}
                row |= estimate_columns("pixel_bpp", pixel.bpp, pixel_replicates)
                row |= reading_columns("pixel", pixel)
                with np.errstate(invalid="ignore"):
                    ratios = latent_replicates / pixel_replicates
                rows.append(row | estimate_columns("bpp_ratio", latent.bpp / pixel.bpp, ratios))
    order = ["model", *CURVE_KEYS, "delta"]
    return pd.DataFrame(rows, columns=COLUMNS).sort_values(order, kind="stable", ignore_index=True)

"""The lead model through the experiment as designed (TAESDXL, the SDXL latent space, in the
findings): each selected setting's mean bpp, PSNR, SSIM and SSIMULACRA2, its gap to the
model's ceiling, and the bpp pixel AVIF needs for the same mean PSNR, with 95 % intervals from
the paired bootstrap over images (`latentcodec.analysis.bootstrap`). No model runs here;
`latentcodec.report.lead` writes it down, as a table and as findings.md's first sentences.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from latentcodec.analysis.bootstrap import (
    Bootstrap,
    Curves,
    ImageMeans,
    beside_pixels,
    estimate_columns,
)
from latentcodec.analysis.ceiling import ceiling
from latentcodec.errors import LatentCodecError
from latentcodec.tables import PIXEL_MODEL, TableSchema

SCORES = ("psnr", "ssim", "ssimulacra2")
LEAD_TABLE = TableSchema(
    "a lead table",
    ("model", "codec", "bitdepth", "quality", "images", "bpp", *SCORES, "gap_to_ceiling_db")
    + ("pixel_codec", "pixel_bpp", "pixel_status", "bpp_ratio"),
)


def lead_table(
    frame: pd.DataFrame,
    model: str,
    settings: dict[str, list[str]],
    pixel_codecs: list[str],
    bootstrap: Bootstrap,
) -> pd.DataFrame:
    """The ceiling and `settings` (codec → quality labels) of `model`, each beside the
    cheapest of `pixel_codecs` (pixel baselines) at the same mean PSNR."""
    means = ImageMeans(frame, bootstrap)
    table = means.settings
    if model not in set(table["model"]):
        raise LatentCodecError(f"findings.lead_model: {model!r} is not in the results table")
    missing = [name for name in pixel_codecs if name not in set(table["codec"])]
    if not pixel_codecs or missing:
        raise LatentCodecError(f"lead table: pixel AVIF baselines {missing or '(none)'} missing")
    curves = Curves(means, "psnr")
    rate, rate_replicates, psnr = curves.rate, curves.rate_replicates, curves.score
    scores = {name: means.means(name)[0] if means.has(name) else None for name in SCORES}
    top = ceiling(table, model).name
    chosen = [top] + [
        index
        for codec, labels in settings.items()
        for index in _indices(table, model, codec, labels)
    ]
    pixels = {
        name: table.index[(table["model"] == PIXEL_MODEL) & (table["codec"] == name)]
        for name in pixel_codecs
    }
    rows = []
    for index in chosen:
        setting = table.loc[index]
        row = {key: setting[key] for key in ("model", "codec", "bitdepth", "quality")}
        row["images"] = len(means.images)
        row |= estimate_columns("bpp", rate[index], rate_replicates[index])
        row |= {
            name: np.nan if values is None else values[index] for name, values in scores.items()
        }
        row["gap_to_ceiling_db"] = psnr[top] - psnr[index]
        # the raw float latent is no file anyone would keep: no ratio
        row |= beside_pixels(curves, index, pixels, ratio=index != top)
        rows.append(row)
    return pd.DataFrame(rows)


def _indices(table: pd.DataFrame, model: str, codec: str, labels: list[str]) -> list:
    """The settings of one codec at the given quality labels, by bit depth then label."""
    rows = table[(table["model"] == model) & (table["codec"] == codec)]
    rows = rows[rows["quality"].isin(labels)]
    order = rows["quality"].map({label: rank for rank, label in enumerate(labels)})
    return list(rows.assign(order=order).sort_values(["bitdepth", "order"]).index)

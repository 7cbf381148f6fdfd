"""Latent codecs beside pixel codecs: BD-rate against an anchor.

Works on the results table alone (`latentcodec.tables`); the equal-size pairs, which
encode the originals again, are in `latentcodec.equal_size`.

- `bd_table`: for each model and each latent curve (codec × bit depth × packing, lossy
  settings only, at least two rates), BD-rate and BD-PSNR of the mean-over-images curve
  against the anchor baseline's curve (Bjøntegaard with pchip interpolation,
  `latentcodec.bdrate`), and BD-rate on MS-SSIM in dB (−10·log10(1 − MS-SSIM)). A curve
  that does not overlap the anchor gets NaN and a note, not an error.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd

from latentcodec.bdrate import bd_quality, bd_rate
from latentcodec.errors import LatentCodecError
from latentcodec.io import write_text_atomic
from latentcodec.tables import CEILING_CODEC, PIXEL_MODEL, read_table, summarize, write_csv

CURVE_KEYS = ["codec", "bitdepth", "packing"]


def msssim_db(value: float) -> float:
    """MS-SSIM on a dB scale, −10·log10(1 − MS-SSIM), where BD metrics behave."""
    return math.inf if value >= 1 else -10 * math.log10(1 - value)


def bd_table(frame: pd.DataFrame, anchor: str) -> pd.DataFrame:
    summary = summarize(frame)
    anchor_curve = summary[(summary["model"] == PIXEL_MODEL) & (summary["codec"] == anchor)]
    if len(anchor_curve) < 2:
        raise LatentCodecError(f"bdrate.anchor: baseline {anchor!r} has fewer than 2 points")
    latent = summary[(summary["model"] != PIXEL_MODEL) & (summary["codec"] != CEILING_CODEC)]
    rows = []
    for (model, codec, bits, packing), curve in latent.groupby(["model", *CURVE_KEYS]):
        if curve["exact"].all() or len(curve) < 2:
            continue  # a lossless setting is one point: no curve to compare
        row = {"model": model, "codec": codec, "bitdepth": bits, "packing": packing}
        row |= {"anchor": anchor, "points": len(curve), "note": ""}
        row |= _bd(anchor_curve, curve, "psnr", "bd_rate_psnr", "bd_psnr")
        row |= _bd(anchor_curve, curve, "msssim_db", "bd_rate_msssim", "bd_msssim_db")
        rows.append(row)
    return pd.DataFrame(rows)


def _bd(anchor: pd.DataFrame, curve: pd.DataFrame, metric: str, rate_key: str, quality_key):
    def series(points):
        quality = points["msssim"].map(msssim_db) if metric == "msssim_db" else points[metric]
        return points["bpp"].to_numpy(float), quality.to_numpy(float)

    anchor_rate, anchor_quality = series(anchor)
    rate, quality = series(curve)
    if not (np.all(np.isfinite(anchor_quality)) and np.all(np.isfinite(quality))):
        return {rate_key: math.nan, quality_key: math.nan}
    try:
        return {
            rate_key: bd_rate(anchor_rate, anchor_quality, rate, quality),
            quality_key: bd_quality(anchor_rate, anchor_quality, rate, quality),
        }
    except LatentCodecError as error:
        return {rate_key: math.nan, quality_key: math.nan, "note": str(error)}


def write_bd_tables(table: str | os.PathLike, csv: str | os.PathLike, markdown, anchor: str):
    result = bd_table(read_table(table), anchor)
    write_csv(result, csv)
    write_text_atomic(markdown, bd_markdown(result))


def bd_markdown(result: pd.DataFrame) -> str:
    lines = [
        "| model | codec | bit depth | packing | points | BD-rate PSNR (%) | BD-PSNR (dB) "
        "| BD-rate MS-SSIM (%) | note |",
        "|---|---|---:|---|---:|---:|---:|---:|---|",
    ]
    for row in result.itertuples(index=False):
        lines.append(
            f"| {row.model} | {row.codec} | {row.bitdepth} | {row.packing} | {row.points} | "
            f"{row.bd_rate_psnr:+.1f} | {row.bd_psnr:+.2f} | {row.bd_rate_msssim:+.1f} | "
            f"{row.note} |"
        )
    anchor = result["anchor"].iloc[0] if len(result) else "—"
    return (
        f"BD metrics of each lossy latent curve against the pixel baseline `{anchor}` "
        "(negative BD-rate: fewer bits than the anchor for the same quality).\n\n"
        + "\n".join(lines)
        + "\n"
    )

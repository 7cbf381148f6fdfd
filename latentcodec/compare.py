"""Latent codecs beside pixel codecs: BD-rate against an anchor, and equal-size pairs.

Both work on the results table alone (`latentcodec.tables`).

- `bd_table`: for each model and each latent curve (codec × bit depth × packing, lossy
  settings only, at least two rates), BD-rate and BD-PSNR of the mean-over-images curve
  against the anchor baseline's curve (Bjøntegaard with pchip interpolation,
  `latentcodec.bdrate`), and BD-rate on MS-SSIM in dB (−10·log10(1 − MS-SSIM)). A curve
  that does not overlap the anchor gets NaN and a note, not an error.
- `equal_size_table`: for every latent-codec file, the encoding of the same original image
  by each named pixel baseline whose size is the closest to it without being smaller
  (bytes + side information), with both qualities side by side.
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


def equal_size_table(frame: pd.DataFrame, baselines: list[str]) -> pd.DataFrame:
    """One row per latent-codec file, with each baseline's closest not-smaller encoding."""
    pixels = frame[frame["model"] == PIXEL_MODEL]
    latent = frame[(frame["model"] != PIXEL_MODEL) & (frame["codec"] != CEILING_CODEC)]
    missing = [name for name in baselines if name not in set(pixels["codec"])]
    if missing:
        raise LatentCodecError(f"equal-size comparison needs the baselines {missing}")
    columns = ["image", "model", "codec", "bitdepth", "packing", "quality"]
    out = latent[columns + ["bpp", "psnr", "ssim", "source", "recon"]].copy()
    out["total_bytes"] = latent["bytes"] + latent["side_bytes"]
    for name in baselines:
        candidates = pixels[pixels["codec"] == name]
        matches = [
            _closest_not_smaller(candidates[candidates["image"] == image], size)
            for image, size in zip(out["image"], out["total_bytes"], strict=True)
        ]
        for field in ("quality_value", "bytes", "bpp", "psnr", "ssim", "recon"):
            out[f"{name}_{field}"] = [match.get(field, math.nan) for match in matches]
    return out.reset_index(drop=True)


def _closest_not_smaller(candidates: pd.DataFrame, size: int) -> dict:
    large_enough = candidates[candidates["bytes"] >= size]
    if large_enough.empty:
        return {}
    return large_enough.loc[large_enough["bytes"].idxmin()].to_dict()


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


def write_equal_size(table: str | os.PathLike, csv: str | os.PathLike, baselines: list[str]):
    write_csv(equal_size_table(read_table(table), baselines), csv)

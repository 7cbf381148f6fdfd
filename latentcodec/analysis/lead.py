"""The lead model through the experiment as designed (TAESDXL, the SDXL latent space, in the
findings): each selected setting's mean bpp, PSNR, SSIM and SSIMULACRA2, its gap to the
model's ceiling, and the bpp pixel AVIF needs for the same mean PSNR, with 95 % intervals from
the paired bootstrap over images (`latentcodec.analysis.bootstrap`); as a table and as findings.md's
first sentences. No model runs here.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd

from latentcodec.analysis.bootstrap import Bootstrap, ImageMeans, estimate_columns
from latentcodec.analysis.operating_points import (
    Curves,
    best_pixel,
    ceiling,
    ratio_text,
    reading_columns,
)
from latentcodec.analysis.readoff import AT_LOWEST_RATE
from latentcodec.analysis.spaces import (
    pixel_text,
    score_text,
    wide_note,
    with_interval,
)
from latentcodec.errors import LatentCodecError
from latentcodec.io import write_text_atomic
from latentcodec.models.registry import get_spec
from latentcodec.tables import CEILING_QUALITY, PIXEL_MODEL, read_table, write_csv

SCORES = ("psnr", "ssim", "ssimulacra2")


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


def _indices(table: pd.DataFrame, model: str, codec: str, labels: list[str]) -> list:
    """The settings of one codec at the given quality labels, by bit depth then label."""
    rows = table[(table["model"] == model) & (table["codec"] == codec)]
    rows = rows[rows["quality"].isin(labels)]
    order = rows["quality"].map({label: rank for rank, label in enumerate(labels)})
    return list(rows.assign(order=order).sort_values(["bitdepth", "order"]).index)


def lead_markdown(table: pd.DataFrame) -> str:
    """The lead table as Markdown: one line per setting, the ceiling first; "≤" marks a pixel
    rate read at the pixel grid's lowest point (the pixel codec may need fewer bits still),
    "†" one read across a bracket wider than 2×."""
    lines = [
        "| setting | bits | bpp (95 % CI) | PSNR (dB) | SSIM | SSIMULACRA2 | below ceiling (dB) "
        "| pixel AVIF bpp at equal PSNR (95 % CI) | latent ÷ pixel (95 % CI) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in table.to_dict("records"):
        top = row["quality"] == CEILING_QUALITY
        name = "ceiling (float latent)" if top else row["codec"]
        label = "" if top else f" {row['quality']}"
        bits = "float" if top else str(row["bitdepth"])
        pixel = "never" if math.isnan(row["pixel_bpp"]) else pixel_text(row)
        lines.append(
            f"| {name}{label} | {bits} | {with_interval(row, 'bpp')} | {row['psnr']:.2f} | "
            f"{row['ssim']:.4f} | {score_text(row['ssimulacra2'])} | "
            f"{_gap_text(row)} | {pixel} ({row['pixel_codec'] or '—'}) | "
            f"{ratio_text(row)} |"
        )
    first = table.iloc[0]
    return (
        f"{first['model']} ({get_spec(first['model']).latent_space} latent space), means over "
        f"{first['images']} images; intervals from a paired bootstrap over images.\n\n"
        + "\n".join(lines)
        + "\n"
        + wide_note(table)
    )


def _gap_text(row: dict) -> str:
    """The gap to the ceiling in dB, "0.00" rather than "-0.00" for a setting a hair above it."""
    return f"{row['gap_to_ceiling_db']:.2f}".replace("-0.00", "0.00")


def lead_sentences(lead: pd.DataFrame) -> list[str]:
    """The experiment as designed, in the lead model's latent space (SDXL's in the findings):
    the first thing a reader wants."""
    top = lead.iloc[0]
    model = top["model"]
    sentences = [
        f"**{get_spec(model).latent_space} latent space** (`{model}`): the "
        f"float latent decodes at {top['psnr']:.2f} dB PSNR, SSIMULACRA2 "
        f"{top['ssimulacra2']:.1f} (its ceiling); pixel AVIF reaches that PSNR at "
        + (
            f"its lowest measured rate, ≤ {top['pixel_bpp']:.3f} bpp."
            if top["pixel_status"] == AT_LOWEST_RATE
            else f"{top['pixel_bpp']:.3f} bpp."
        )
    ]
    for codec, rows in lead.iloc[1:].groupby("codec", sort=False):
        parts = [
            f"{row['quality']} {row['bitdepth']}-bit {row['bpp']:.3f} bpp, "
            f"{_gap_text(row)} dB below the ceiling, {ratio_text(row)}"
            for row in rows.to_dict("records")
        ]
        sentences.append(
            f"Stored with {codec}: " + "; ".join(parts) + " the bytes pixel AVIF needs for "
            "the same PSNR."
        )
    return sentences


def write_lead_table(
    table: str | os.PathLike,
    csv: str | os.PathLike,
    markdown: str | os.PathLike,
    *,
    model: str,
    settings: dict[str, list[str]],
    pixel_codecs: list[str],
    resamples: int,
    seed: int,
) -> None:
    result = lead_table(
        read_table(table), model, settings, pixel_codecs, Bootstrap(resamples, seed)
    )
    write_csv(result, csv)
    write_text_atomic(markdown, lead_markdown(result))

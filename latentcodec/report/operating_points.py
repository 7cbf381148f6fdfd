"""operating_points*.md: one table per Δ below the ceiling, curves ordered by the bpp they
need (`latentcodec.analysis.operating_points`)."""

from __future__ import annotations

import math

import pandas as pd

from latentcodec.analysis.ceiling import METRICS, SSIMULACRA2_MARGIN
from latentcodec.analysis.readoff import AT_LOWEST_RATE, NEVER, NO_DATA, WIDE_BRACKET
from latentcodec.report.numbers import interval, ratio_text, reached_note, wide_mark
from latentcodec.tables import cell_text


def operating_points_markdown(points: pd.DataFrame) -> str:
    """One table per Δ, curves ordered by the bpp they need (those that never reach it last)."""
    if points.empty:
        return "No latent curves in the results table.\n"
    first = points.iloc[0]
    name, unit, _ = METRICS[first["metric"]]
    parts = [
        _definition(first["metric"]),
        f"Rates and ratios with their 95 % intervals from a paired bootstrap over the "
        f"{first['images']} images ({first['resamples']} resamples, seed {first['seed']}); "
        f"† marks a rate interpolated between two measured rates more than "
        f"{WIDE_BRACKET:g}× apart; ≤ a rate read at its curve's lowest measured point (the "
        "codec may need fewer bits still), which makes a ratio a bound (≥ or ≤).",
    ]
    for delta, rows in points.groupby("delta", sort=True):
        parts.append(_delta_table(delta, rows, name, unit))
    return "\n\n".join(parts) + "\n"


def no_perceptual_points(table: str) -> str:
    """What operating_points_ssimulacra2.md says when the run measured no SSIMULACRA2."""
    return (
        f"No SSIMULACRA2 scores in {table} (column `ssimulacra2` absent or empty): "
        "no perceptual operating points.\n"
    )


def _delta_table(delta: float, rows: pd.DataFrame, name: str, unit: str) -> str:
    targets = "; ".join(
        f"{model}: ceiling {group['ceiling'].iloc[0]:.2f} {unit}, level "
        f"{group['target'].iloc[0]:.2f} {unit}"
        for model, group in rows.groupby("model", sort=True)
    )
    lines = [
        f"**Within {delta:g} {unit} of the ceiling ({name})** — {targets}.",
        "",
        "| model | codec | bit depth | packing | latent bpp (95 % CI) | from points "
        "| best pixel codec | pixel bpp (95 % CI) | latent ÷ pixel (95 % CI) |",
        "|---|---|---:|---|---:|---|---|---:|---:|",
    ]
    ordered = rows.sort_values(["latent_bpp", "model", "codec"], na_position="last")
    for row in ordered.to_dict("records"):
        lines.append(
            f"| {row['model']} | {row['codec']} | {row['bitdepth']} | {row['packing']} | "
            f"{_rate_text(row, 'latent', unit)} | {cell_text(row['latent_between'])} | "
            f"{cell_text(row['pixel_codec']) or '—'} | {_rate_text(row, 'pixel', unit)} | "
            f"{ratio_text(row)} |"
        )
    return "\n".join(lines)


def _definition(metric: str) -> str:
    """What an operating point on `metric` is: the first thing its table says."""
    if metric == "ssimulacra2":
        return (
            "The perceptual operating point: the smallest mean bpp whose mean SSIMULACRA2 is "
            f"within {SSIMULACRA2_MARGIN:g} points of the model's ceiling, about ten times the "
            "reference tool's own rounding spread and a fraction of the 10–15 points between "
            "adjacent JPEG or WebP quality steps."
        )
    return (
        "The smallest mean bpp at which each latent curve comes within Δ of its model's "
        "ceiling, read off the curve (linear in log bpp between the two points that bracket "
        "the first crossing; never extrapolated), beside the smallest bpp any pixel codec "
        "needs for the same level."
    )


def _rate_text(row: dict, side: str, unit: str) -> str:
    status, peak = row[f"{side}_status"], row[f"{side}_peak"]
    if status == NO_DATA:
        return "no data"
    if status == NEVER:
        text = "never" if math.isnan(peak) else f"never (peak {peak:.2f} {unit})"
    else:
        bpp = f"{row[f'{side}_bpp']:.3f}"
        text = f"≤ {bpp}" if status == AT_LOWEST_RATE else bpp
        text += interval(row, f"{side}_bpp", ".3f")
    return text + wide_mark(row, side) + reached_note(row[f"{side}_bpp_reached"])

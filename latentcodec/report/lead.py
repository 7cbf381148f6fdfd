"""lead.md and the first sentences of findings.md, from the lead table
(`latentcodec.analysis.lead`)."""

from __future__ import annotations

import math

import pandas as pd

from latentcodec.analysis.readoff import AT_LOWEST_RATE
from latentcodec.models.registry import route_spec
from latentcodec.report.numbers import (
    number_text,
    pixel_text,
    ratio_text,
    wide_note,
    with_interval,
)
from latentcodec.tables import CEILING_QUALITY


def lead_markdown(table: pd.DataFrame) -> str:
    """The lead table as Markdown, a block per latent route (the lead model's direct latents,
    then each refinement of them): one line per setting, the ceiling first; "≤" marks a pixel
    rate read at the pixel grid's lowest point (the pixel codec may need fewer bits still),
    "†" one read across a bracket wider than 2×."""
    return "\n".join(_route_markdown(rows) for _, rows in table.groupby("model", sort=False))


_HEADER = (
    "| setting | bits | bpp (95 % CI) | PSNR (dB) | SSIM | SSIMULACRA2 | below ceiling (dB) "
    "| pixel AVIF bpp at equal PSNR (95 % CI) | latent ÷ pixel (95 % CI) |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def _route_markdown(table: pd.DataFrame) -> str:
    """One route's block: its model and images, then a line per setting."""
    lines = [_HEADER]
    for row in table.to_dict("records"):
        top = row["quality"] == CEILING_QUALITY
        name = "ceiling (float latent)" if top else row["codec"]
        label = "" if top else f" {row['quality']}"
        bits = "float" if top else str(row["bitdepth"])
        pixel = "never" if math.isnan(row["pixel_bpp"]) else pixel_text(row)
        lines.append(
            f"| {name}{label} | {bits} | {with_interval(row, 'bpp')} | {row['psnr']:.2f} | "
            f"{row['ssim']:.4f} | {number_text(row['ssimulacra2'], '.1f')} | "
            f"{_gap_text(row)} | {pixel} ({row['pixel_codec'] or '—'}) | "
            f"{ratio_text(row)} |"
        )
    first = table.iloc[0]
    return (
        f"{first['model']} ({route_spec(first['model']).latent_space} latent space), means over "
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
    the first thing a reader wants; then the same for each refinement of its latents."""
    return [
        sentence
        for _, rows in lead.groupby("model", sort=False)
        for sentence in _route_sentences(rows)
    ]


def _route_sentences(lead: pd.DataFrame) -> list[str]:
    top = lead.iloc[0]
    model = top["model"]
    sentences = [
        f"**{route_spec(model).latent_space} latent space** (`{model}`): the "
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

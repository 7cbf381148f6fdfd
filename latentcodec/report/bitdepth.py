"""The bit-depth table of findings.md and its sentence, from the bit-depth gain table
(`latentcodec.analysis.bitdepth`)."""

from __future__ import annotations

import pandas as pd

from latentcodec.analysis.ceiling import SMALLEST_DELTA_DB
from latentcodec.report.numbers import number_text


def bitdepth_gain_markdown(gain: pd.DataFrame) -> str:
    lines = [
        "| model | bit depth | raw bpp | PSNR (dB) | gained over the previous depth (dB) "
        "| per extra bit (dB) | below the ceiling (dB) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in gain.itertuples(index=False):
        lines.append(
            f"| {row.model} | {row.bitdepth} | {row.bpp:.3f} | {row.psnr:.3f} | "
            f"{number_text(row.gain_db, '+.4f')} | {number_text(row.gain_per_bit_db, '+.4f')} | "
            f"{row.gap_to_ceiling_db:.4f} |"
        )
    return "\n".join(lines) + "\n"


def bitdepth_sentence(gain: pd.DataFrame, model: str) -> str:
    """The smallest measured depth within `SMALLEST_DELTA_DB` of `model`'s ceiling, and what
    the next depth adds."""
    rows = gain[gain["model"] == model].sort_values("bitdepth")
    if rows.empty:
        return ""
    enough = rows[rows["gap_to_ceiling_db"] <= SMALLEST_DELTA_DB + 1e-9]  # float sums round
    if enough.empty:
        finest = rows.iloc[-1]
        return (
            f"Even {finest.bitdepth}-bit quantisation stays {finest.gap_to_ceiling_db:.3f} dB "
            f"below the `{model}` ceiling."
        )
    first = enough.iloc[0]
    text = (
        f"{first.bitdepth}-bit quantisation already comes within {first.gap_to_ceiling_db:.3f} "
        f"dB of the `{model}` ceiling (the smallest measured depth within {SMALLEST_DELTA_DB:g} dB)"
    )
    later = rows[rows["bitdepth"] > first.bitdepth]
    if later.empty:
        return text + "."
    following = later.iloc[0]
    return text + (
        f"; going to {following.bitdepth} bits adds {following.gain_db:+.4f} dB "
        f"for {following.bpp - first.bpp:.3f} more raw bpp."
    )

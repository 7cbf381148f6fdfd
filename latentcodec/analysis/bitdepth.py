"""What bit depth the ceiling needs: the quantised latent decoded without a codec.

`bitdepth_gain_table`: per model and bit depth, the PSNR of the quantised latent decoded as
it is (raw packed integers, no codec), the PSNR each extra bit buys, and what is left to
the model's ceiling (the float latent decoded). From the results table alone.
"""

from __future__ import annotations

import math
import os

import pandas as pd

from latentcodec.analysis.operating_points import DELTAS_DB, ceiling
from latentcodec.tables import PIXEL_MODEL, is_quantized, read_table, summarize, write_csv

SMALLEST_DELTA_DB = min(DELTAS_DB)  # "keeps the ceiling": within the finest operating point


def bitdepth_gain_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per model and bit depth, the quantised latent without a codec against the ceiling."""
    summary = summarize(frame)
    rows = []
    for model in sorted(set(summary["model"]) - {PIXEL_MODEL}):
        top = ceiling(summary, model)
        quantized = summary[(summary["model"] == model) & is_quantized(summary)].sort_values(
            "bitdepth"
        )
        previous = None
        for row in quantized.itertuples(index=False):
            gain = math.nan if previous is None else row.psnr - previous.psnr
            added_bits = math.nan if previous is None else row.bitdepth - previous.bitdepth
            rows.append(
                {
                    "model": model,
                    "bitdepth": row.bitdepth,
                    "images": row.images,
                    "bpp": row.bpp,
                    "psnr": row.psnr,
                    "msssim": row.msssim,
                    "gain_db": gain,
                    "gain_per_bit_db": gain / added_bits,
                    "ceiling_psnr": top["psnr"],
                    "gap_to_ceiling_db": top["psnr"] - row.psnr,
                }
            )
            previous = row
    return pd.DataFrame(rows)


def write_bitdepth_gain(table: str | os.PathLike, output: str | os.PathLike) -> None:
    write_csv(bitdepth_gain_table(read_table(table)), output)


def bitdepth_gain_markdown(gain: pd.DataFrame) -> str:
    lines = [
        "| model | bit depth | raw bpp | PSNR (dB) | gained over the previous depth (dB) "
        "| per extra bit (dB) | below the ceiling (dB) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in gain.itertuples(index=False):
        lines.append(
            f"| {row.model} | {row.bitdepth} | {row.bpp:.3f} | {row.psnr:.3f} | "
            f"{_signed(row.gain_db)} | {_signed(row.gain_per_bit_db)} | "
            f"{row.gap_to_ceiling_db:.4f} |"
        )
    return "\n".join(lines) + "\n"


def _signed(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:+.4f}"


def bitdepth_sentence(gain: pd.DataFrame, model: str) -> str:
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

"""What bit depth the ceiling needs: the quantised latent decoded without a codec.

`bitdepth_gain_table`: per model and bit depth, the PSNR of the quantised latent decoded as
it is (raw packed integers, no codec), the PSNR each extra bit buys, and what is left to
the model's ceiling (the float latent decoded). From the results table alone.
"""

from __future__ import annotations

import math

import pandas as pd

from latentcodec.analysis.ceiling import ceiling
from latentcodec.tables import PIXEL_MODEL, TableSchema, is_quantized, summarize

GAIN_TABLE = TableSchema(
    "a bit-depth gain table",
    ("model", "bitdepth", "images", "bpp", "psnr", "msssim", "gain_db", "gain_per_bit_db")
    + ("ceiling_psnr", "gap_to_ceiling_db"),
)


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
    return pd.DataFrame(rows, columns=list(GAIN_TABLE.columns))

"""A model's ceiling and the levels below it that count as reaching it.

The ceiling is the float latent decoded without quantisation: no stored latent of that model
can do better. An operating point is the rate at which a curve comes within Δ of it: on PSNR
and MS-SSIM in dB at Δ = `DELTAS_DB`; on SSIMULACRA2 within `SSIMULACRA2_MARGIN` points. The
margin, 2 points, is about ten times the reference tool's own rounding spread (libjxl's
float32 blur moves a score by 0.1–0.3) yet a small fraction of the 10–15 points between
adjacent JPEG or WebP quality steps, so it asks for "as good as the ceiling" without asking
for noise. Named here, below every table that uses them and every text that quotes them.
"""

from __future__ import annotations

import pandas as pd

from latentcodec.errors import LatentCodecError
from latentcodec.tables import is_ceiling

DELTAS_DB = (0.1, 0.5, 1.0)
SMALLEST_DELTA_DB = min(DELTAS_DB)  # "keeps the ceiling": within the finest operating point
HEADLINE_DELTA_DB = 0.5  # the Δ below the ceiling the comparison of latent spaces is about
SSIMULACRA2_MARGIN = 2.0
METRICS = {  # operating-point metric → (name, unit, the Δs below the ceiling)
    "psnr": ("PSNR", "dB", DELTAS_DB),
    "msssim_db": ("MS-SSIM", "dB", DELTAS_DB),
    "ssimulacra2": ("SSIMULACRA2", "points", (SSIMULACRA2_MARGIN,)),
}


def ceiling(summary: pd.DataFrame, model: str) -> pd.Series:
    """The model's ceiling setting: one row of a `summarize`-like table."""
    rows = summary[(summary["model"] == model) & is_ceiling(summary)]
    if len(rows) != 1:
        raise LatentCodecError(
            f"results table: expected one ceiling setting (the float latent decoded without a "
            f"codec) for model {model!r}, found {len(rows)}"
        )
    return rows.iloc[0]

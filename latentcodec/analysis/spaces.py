"""The latent spaces side by side: every model's cost at its own ceiling.

From files the workflow already wrote; no model runs here. `latent_spaces_table`: per model,
its ceiling, the cheapest latent curve's rate within 0.5 dB of that ceiling and the best
pixel codec's rate at the same PSNR (read from the operating-point table, intervals
included), the perceptual operating point on SSIMULACRA2, and the bit depth the ceiling
needs. `latentcodec.report.spaces` writes it down and draws it (do bigger latent spaces cost
more bytes?). The lead model's own sweep is `latentcodec.analysis.lead`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from latentcodec.analysis.ceiling import HEADLINE_DELTA_DB, SMALLEST_DELTA_DB
from latentcodec.models.registry import route_spec
from latentcodec.tables import TableSchema

SPACES_TABLE = TableSchema(
    "a latent-spaces table",
    ("model", "latent_space", "channels", "ceiling", "ceiling_bits", "codec", "bitdepth")
    + ("latent_bpp", "pixel_codec", "pixel_bpp", "bpp_ratio"),
)


def latent_spaces_table(
    psnr_points: pd.DataFrame, ssimulacra2_points: pd.DataFrame, bitdepth_gain: pd.DataFrame
) -> pd.DataFrame:
    """Per model: the cheapest curve within `HEADLINE_DELTA_DB` of the ceiling beside the
    best pixel codec, the perceptual operating point, and the bits the ceiling needs."""
    rows = []
    for model, points in psnr_points.groupby("model", sort=False):
        spec = route_spec(model)
        row = {"model": model, "latent_space": spec.latent_space, "channels": spec.channels}
        row |= _cheapest(points[points["delta"] == HEADLINE_DELTA_DB], "")
        perceptual = ssimulacra2_points[ssimulacra2_points["model"] == model]
        row |= _cheapest(perceptual, "ssimulacra2_")
        gain = bitdepth_gain[bitdepth_gain["model"] == model]
        enough = gain[gain["gap_to_ceiling_db"] <= SMALLEST_DELTA_DB]["bitdepth"]
        row["ceiling_bits"] = int(enough.min()) if len(enough) else np.nan
        rows.append(row)
    return pd.DataFrame(rows).sort_values(["channels", "model"], ignore_index=True)


def _cheapest(points: pd.DataFrame, prefix: str) -> dict:
    """The operating point with the smallest latent rate, as columns named with `prefix`."""
    keep = ["ceiling", "codec", "bitdepth", "packing", "pixel_codec", "pixel_status"]
    keep += ["latent_wide_bracket", "pixel_wide_bracket"] + [
        f"{side}{end}"
        for side in ("latent_bpp", "pixel_bpp", "bpp_ratio")
        for end in ("", "_low", "_high", "_reached")
    ]
    reached = points[points["latent_bpp"].notna()]
    if reached.empty:
        return {f"{prefix}{key}": np.nan for key in keep}
    best = reached.loc[reached["latent_bpp"].idxmin()]
    return {f"{prefix}{key}": best[key] for key in keep}

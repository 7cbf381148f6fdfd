"""Rate-aware lac's searches over a run (`workflow.rate.rate_aware_lac`): per route, bit depth
and quality, how far lac's estimated payload (`codecs.lac_rate`) fell from the payload lac
wrote, and how far the search moved pixel MSE + λ · bits. `latentcodec.report.rate` writes
it down."""

from __future__ import annotations

import os
from collections.abc import Sequence

import pandas as pd

from latentcodec.tables import TableSchema, read_csv_table

# One setting's search, per image: λ, pixel MSE + λ · bits before and after, lac's estimated
# payload against the one it wrote.
RATE_TABLE = TableSchema(
    "a rate-aware search table",
    ("model", "encoder", "image", "bitdepth", "quality", "weight", "loss_start", "loss_end",
     "estimated_bits", "payload_bits"),
    dtypes={"image": str, "quality": str},
)  # fmt: skip
RATE_SUMMARY = TableSchema(
    "a rate-aware summary",
    ("model", "encoder", "bitdepth", "quality", "images", "estimate_error_median",
     "estimate_error_max", "loss_change_mean"),
)  # fmt: skip
SETTING = ["model", "encoder", "bitdepth", "quality"]


def read_rate_tables(paths: Sequence[str | os.PathLike]) -> pd.DataFrame:
    """Every setting's search table, one frame."""
    return pd.concat([read_csv_table(path, RATE_TABLE) for path in paths], ignore_index=True)


def rate_summary(searches: pd.DataFrame) -> pd.DataFrame:
    """Per setting: images; the estimate's error against the written payload in % (median,
    and the largest in size, signed); the mean change of pixel MSE + λ · bits in %."""
    frame = searches.assign(
        error=100 * (searches["estimated_bits"] / searches["payload_bits"] - 1),
        change=100 * (searches["loss_end"] / searches["loss_start"] - 1),
    )
    rows = []
    for keys, group in frame.groupby(SETTING, sort=False):
        largest = group["error"].iloc[group["error"].abs().argmax()]
        rows.append(dict(zip(SETTING, keys, strict=True)) | {
            "images": len(group), "estimate_error_median": group["error"].median(),
            "estimate_error_max": largest, "loss_change_mean": group["change"].mean(),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=list(RATE_SUMMARY.columns))

"""Rate-aware lac's searches written down: rate_search.csv and rate_search.md, from each
setting's table (`latentcodec.analysis.rate`)."""

from __future__ import annotations

import os
from collections.abc import Sequence

import pandas as pd

from latentcodec.analysis.rate import rate_summary, read_rate_tables
from latentcodec.report.numbers import markdown_table
from latentcodec.tables import write_csv_and_markdown

RATE_CAPTION = (
    "Rate-aware lac: each image's latent searched on pixel MSE + λ · lac's estimated bits "
    "(λ from the quality), then stored by lac. The estimate's error is against the payload "
    "lac wrote (the range coder's words; the header is not estimated); the change is of "
    "pixel MSE + λ · bits from the search's start (the distortion-refined latent) to its "
    "best step, mean over the images."
)
RATE_COLUMNS = (
    "model", "encoder", "bits", "quality", "images", "estimate error, median (%)",
    "largest (%)", "MSE + λ·bits change (%)",
)  # fmt: skip


def write_rate_summary(
    tables: Sequence[str | os.PathLike], csv: str | os.PathLike, markdown: str | os.PathLike
) -> None:
    """The summary of every rate-aware setting's search (`rate_summary`), as CSV and Markdown."""
    summary = rate_summary(read_rate_tables(tables))
    write_csv_and_markdown(summary, csv, markdown, rate_summary_markdown(summary))


def rate_summary_markdown(summary: pd.DataFrame) -> str:
    """One line per rate-aware setting: how close lac's estimate came, what the search did."""
    rows = [
        [
            f"`{row['model']}`",
            row["encoder"],
            f"{row['bitdepth']}",
            f"{row['quality']}",
            f"{row['images']}",
            f"{row['estimate_error_median']:+.3f}",
            f"{row['estimate_error_max']:+.3f}",
            f"{row['loss_change_mean']:+.1f}",
        ]
        for row in summary.to_dict("records")
    ]
    return markdown_table(RATE_CAPTION, RATE_COLUMNS, "llrlrrrr", rows)

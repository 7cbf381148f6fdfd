"""What each file cost to make, written down: encode_seconds.csv and encode_seconds.md from
the jobs' seconds tables (`analysis.costs`)."""

from __future__ import annotations

import os

import pandas as pd

from latentcodec.analysis.costs import encode_costs
from latentcodec.report.numbers import markdown_table
from latentcodec.tables import PIXEL_MODEL, write_csv_and_markdown

COSTS_CAPTION = (
    "Encode seconds per image on the machine that ran the jobs (wall time, means over the "
    "images; a latent file's total is the model's encoder, the refinement, the decoder "
    "sensitivity where its codec needs it, rate-aware lac's search through the decoder, "
    "and the codec)."
)
COSTS_COLUMNS = (
    "model", "codec", "bits", "quality", "effort", "encoder (s)", "refinement (s)",
    "sensitivity (s)", "search (s)", "codec (s)", "total (s)",
)  # fmt: skip


def write_encode_costs(
    entries: dict[str, list[dict]], csv: str | os.PathLike, markdown: str | os.PathLike
) -> None:
    """The encode seconds per image of every setting (`Experiment.encode_cost_entries`)."""
    costs = encode_costs(entries["latent"], entries["pixel"])
    write_csv_and_markdown(costs, csv, markdown, encode_costs_markdown(costs))


def encode_costs_markdown(costs: pd.DataFrame) -> str:
    """One line per setting: the seconds an image's file took, in total and by part."""
    latent_first = costs.assign(pixel=costs["model"] == PIXEL_MODEL).sort_values(
        ["pixel", "model", "codec", "bitdepth", "quality"], kind="stable"
    )
    rows = [
        [
            "pixels" if row["pixel"] else f"`{row['model']}`",
            row["codec"],
            f"{row['bitdepth']}",
            f"{row['quality']}",
            row["effort"] or "—",
            f"{row['model_seconds']:.2f}",
            f"{row['refine_seconds']:.1f}",
            f"{row['sensitivity_seconds']:.2f}",
            f"{row['search_seconds']:.1f}",
            f"{row['codec_seconds']:.3f}",
            f"{row['total_seconds']:.2f}",
        ]
        for row in latent_first.to_dict("records")
    ]
    return markdown_table(COSTS_CAPTION, COSTS_COLUMNS, "llrllrrrrrr", rows)

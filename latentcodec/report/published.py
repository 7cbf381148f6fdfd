"""published_bdrate.* of a run on the 24 Kodak images: BD-rates of this run's curves against
CompressAI's published Kodak curves (`latentcodec.analysis.published`), as CSV and Markdown."""

from __future__ import annotations

import os
from collections.abc import Sequence

import pandas as pd

from latentcodec.analysis.bdrate import BD_TABLE
from latentcodec.analysis.published import (
    BD_METRICS,
    SOURCE,
    best_latent_curve,
    check_comparable,
    published_bd_table,
    published_curves,
)
from latentcodec.io import write_text_atomic
from latentcodec.report.numbers import number_text
from latentcodec.tables import cell_text, read_csv_table, read_routes, write_csv

NO_OVERLAP = "—"  # as bdrate.md prints a BD-rate with no overlap


def write_published_bdrate(
    metrics: str | os.PathLike,
    bdrate: str | os.PathLike,
    csv: str | os.PathLike,
    markdown: str | os.PathLike,
    *,
    dataset: str,
    pixel_codecs: Sequence[str],
) -> None:
    """published_bdrate.csv and .md of one run; refuses a run that is not `comparable`."""
    frame = read_routes(metrics)
    check_comparable(
        frame, dataset, "published_bdrate: CompressAI's curves are means over all 24 Kodak images"
    )
    best = best_latent_curve(read_csv_table(bdrate, BD_TABLE))
    result = published_bd_table(frame, published_curves(), pixel_codecs=pixel_codecs, best=best)
    write_csv(result, csv)
    anchor = str(best["anchor"]) if best is not None else ""
    write_text_atomic(markdown, published_bd_markdown(result, anchor=anchor, best=best))


def published_bd_markdown(
    result: pd.DataFrame, *, anchor: str = "", best: dict | None = None
) -> str:
    """The BD-rates as Markdown: a row per published curve, a column per our curve × metric."""
    intro = (
        "BD-rate (%) of this run's curves against CompressAI's published Kodak curves "
        f"({SOURCE}; means over the 24 images, bpp from real bitstreams; learned models "
        "MSE-trained), each curve the means over images per setting. Negative: ours needs "
        "fewer bits than the published codec for the same quality; MS-SSIM in dB, "
        f"−10·log10(1 − MS-SSIM). {NO_OVERLAP}: the curves do not overlap in quality (or the "
        "published file has no such score).\n\n"
    )
    if best is None:
        intro += "No lossy latent curve has a BD-rate on PSNR against the anchor: only pixel "
        intro += "curves are compared.\n\n"
    else:
        intro += (
            f"Best latent curve: `{best['model']}` `{best['codec']}` {best['bitdepth']}-bit "
            f"{best['packing']}, the lossy latent curve with the lowest BD-rate on PSNR against "
            f"the run's anchor `{anchor or best.get('anchor', '')}` "
            f"({best['bd_rate_psnr']:+.1f} %, bdrate.md).\n\n"
        )
    if result.empty:
        return intro + "No curve of this run to compare.\n"
    curves = list(dict.fromkeys(result["curve"]))
    header = "| published | family | " + " | ".join(
        f"`{curve}` {name}" for curve in curves for name in BD_METRICS.values()
    )
    lines = [header + " |", "|---|---|" + "---:|" * (len(curves) * len(BD_METRICS))]
    for _, reference in result.groupby("reference", sort=False):
        first = reference.iloc[0]
        cells = []
        for curve in curves:
            for metric in BD_METRICS:
                row = reference[(reference["curve"] == curve) & (reference["metric"] == metric)]
                cells.append(
                    number_text(row["bd_rate"].iloc[0], "+.1f") if len(row) else NO_OVERLAP
                )
        lines.append(
            f"| {first['reference_label']} | {first['family']} | " + " | ".join(cells) + " |"
        )
    notes = result[result["note"].map(cell_text) != ""]
    text = intro + "\n".join(lines) + "\n"
    if not notes.empty:
        text += "\nNotes:\n\n" + "".join(
            f"- `{row.curve}` against {row.reference_label}, {BD_METRICS[row.metric]}: {row.note}\n"
            for row in notes.itertuples(index=False)
        )
    return text

"""How refinement converges, written down: convergence.md and figures/convergence.png from the
convergence tables (`analysis.convergence`)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from latentcodec.analysis.convergence import CONVERGENCE_TABLE, convergence_summary  # noqa: E402
from latentcodec.io import write_text_atomic  # noqa: E402
from latentcodec.report.numbers import number_text  # noqa: E402
from latentcodec.report.plots import save_figure  # noqa: E402
from latentcodec.tables import read_csv_table, write_csv  # noqa: E402


def write_convergence_report(
    tables: Sequence[str | os.PathLike],
    csv: str | os.PathLike,
    markdown: str | os.PathLike,
    figure: str | os.PathLike,
    *,
    route_steps: Mapping[str, int],
) -> None:
    """Every refined route's convergence table in one (`csv`), its summary in Markdown and the
    figure; `route_steps`: each route's own step count, marked in both."""
    frame = pd.concat([read_csv_table(path, CONVERGENCE_TABLE) for path in tables])
    write_csv(frame, csv)
    summary = convergence_summary(frame)
    write_text_atomic(markdown, convergence_markdown(summary, route_steps))
    save_figure(convergence_figure(summary, route_steps), {"png": figure})


def convergence_markdown(summary: pd.DataFrame, route_steps: Mapping[str, int]) -> str:
    """A table per route: mean PSNR, gain and SSIMULACRA2 after each scored step."""
    parts = []
    for route, rows in summary.groupby("route", sort=True):
        steps = route_steps.get(route)
        per_step = rows["seconds_per_step"].dropna()
        parts += [
            f"### `{route}` ({int(rows['images'].iloc[0])} images; its files take {steps} steps; "
            f"{number_text(per_step.iloc[-1] if len(per_step) else float('nan'), '.2f')} s a "
            "step on this machine)",
            "",
            "| step | PSNR (dB) | gain (dB) | SSIMULACRA2 | seconds |",
            "|---:|---:|---:|---:|---:|",
            *(
                f"| {row['step']}{' ◀' if row['step'] == steps else ''} | {row['psnr']:.2f} | "
                f"{row['gain_db']:+.2f} | {number_text(row['ssimulacra2'], '.1f')} | "
                f"{row['seconds']:.1f} |"
                for row in rows.to_dict("records")
            ),
            "",
        ]
    return "\n".join(parts)


def convergence_figure(summary: pd.DataFrame, route_steps: Mapping[str, int]):
    """PSNR gain and SSIMULACRA2 against the step, a line per route (means over its images),
    the route's own step count marked."""
    figure, (gain, perceptual) = plt.subplots(1, 2, figsize=(11, 4))
    for route, rows in summary.groupby("route", sort=True):
        seconds = rows["seconds_per_step"].dropna()
        label = f"{route} ({seconds.iloc[-1]:.1f} s/step)" if len(seconds) else route
        (line,) = gain.plot(rows["step"], rows["gain_db"], marker="o", ms=3, label=label)
        perceptual.plot(rows["step"], rows["ssimulacra2"], marker="o", ms=3, color=line.get_color())
        if route in route_steps:
            for axis in (gain, perceptual):
                axis.axvline(route_steps[route], color=line.get_color(), ls=":", lw=1)
    gain.set(xlabel="Adam steps on the latent", ylabel="PSNR gain over the encoder's latent (dB)")
    perceptual.set(xlabel="Adam steps on the latent", ylabel="SSIMULACRA2 (higher is better)")
    gain.legend(fontsize=8)
    for axis in (gain, perceptual):
        axis.grid(alpha=0.3)
    figure.suptitle(
        "Refining the latent through the fixed decoder (8-bit grid; dotted: the steps used)"
    )
    return figure

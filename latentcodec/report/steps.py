"""The workflow's report steps: read the run's tables, compute with `latentcodec.analysis`,
and write CSV, Markdown and figures with the modules of `latentcodec.report`.

`write_findings_tables` is every table derived from metrics.csv alone, in the order they
depend on one another (rule `tables`, and the tests that rebuild a run's tables);
`write_entropy_report` the entropy bounds beside the lossless codecs (rule
`entropy_report`); `plot_equal_size` the equal-size crop grid (rule `plot_equal_size`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import pandas as pd

from latentcodec.analysis.bdrate import bd_table
from latentcodec.analysis.bitdepth import bitdepth_gain_table
from latentcodec.analysis.bootstrap import Bootstrap
from latentcodec.analysis.entropy import BOUND_TABLE
from latentcodec.analysis.equal_size import equal_size_panels, read_pairs
from latentcodec.analysis.lead import lead_table
from latentcodec.analysis.lossless import entropy_distances, entropy_report
from latentcodec.analysis.operating_points import operating_points
from latentcodec.analysis.spaces import latent_spaces_table
from latentcodec.report.bdrate import bd_markdown
from latentcodec.report.crops import equal_size_figure
from latentcodec.report.entropy import entropy_figure, entropy_markdown
from latentcodec.report.lead import lead_markdown
from latentcodec.report.operating_points import no_perceptual_points, operating_points_markdown
from latentcodec.report.plots import CROP_DPI, save_figure
from latentcodec.report.spaces import latent_spaces_figure, latent_spaces_markdown
from latentcodec.tables import (
    read_csv_table,
    read_routes,
    routes_of,
    write_csv,
    write_csv_and_markdown,
    write_summary,
)

POINT_OUTPUTS = {  # operating-point metric → the `tables` rule's (CSV, Markdown) outputs
    "psnr": ("psnr_csv", "psnr_markdown"),
    "msssim_db": ("msssim_csv", "msssim_markdown"),
    "ssimulacra2": ("ssimulacra2_csv", "ssimulacra2_markdown"),
}


def write_findings_tables(
    table: str | os.PathLike,
    output: Mapping[str, str | os.PathLike],
    *,
    anchor: str,
    latent_anchor: str,
    bootstrap: Mapping[str, int],
    lead_model: str,
    lead_settings: dict[str, list[str]],
    pixel_codecs: list[str],
    reference_routes: Mapping[str, str] | None = None,
) -> None:
    """Every table derived from the results table `table`, each to the path `output` names
    for it (the `tables` rule's outputs: summary, bdrate_csv, bdrate_markdown, psnr_csv, …,
    spaces_figure); `bootstrap`: resamples and seed of every interval; `reference_routes`:
    the route whose latent AVIF a rate-aware route's lac is set against."""
    frame = read_routes(table)
    resampling = Bootstrap(int(bootstrap["resamples"]), int(bootstrap["seed"]))
    write_summary(table, output["summary"])
    bd = bd_table(frame, anchor, resampling, latent_anchor, reference_routes)
    write_csv_and_markdown(bd, output["bdrate_csv"], output["bdrate_markdown"], bd_markdown(bd))
    points = {}
    for metric, (csv, markdown) in POINT_OUTPUTS.items():
        points[metric] = operating_points(frame, metric, resampling)
        text = operating_points_markdown(points[metric])
        if points[metric].empty and metric == "ssimulacra2":
            text = no_perceptual_points(str(table))
        write_csv_and_markdown(points[metric], output[csv], output[markdown], text)
    gain = bitdepth_gain_table(frame)
    write_csv(gain, output["bitdepth_gain"])
    lead = pd.concat(
        [
            lead_table(frame, route, lead_settings, pixel_codecs, resampling)
            for route in routes_of(frame, lead_model)
        ],
        ignore_index=True,
    )
    write_csv_and_markdown(lead, output["lead_csv"], output["lead_markdown"], lead_markdown(lead))
    spaces = latent_spaces_table(points["psnr"], points["ssimulacra2"], gain)
    write_csv_and_markdown(
        spaces, output["spaces_csv"], output["spaces_markdown"], latent_spaces_markdown(spaces)
    )
    save_figure(latent_spaces_figure(spaces), {"png": output["spaces_figure"]})


def write_entropy_report(
    bounds: Sequence[str | os.PathLike],
    metrics: str | os.PathLike,
    csv: str | os.PathLike,
    markdown: str | os.PathLike,
    figure: str | os.PathLike,
) -> None:
    """Every model's entropy bounds (`bounds`: their entropy.csv) beside the lossless codecs
    of the results table `metrics`: entropy.csv, entropy.md and figures/entropy.png."""
    tables = [read_csv_table(path, BOUND_TABLE) for path in bounds]
    report = entropy_report(tables, read_routes(metrics))
    write_csv_and_markdown(
        report, csv, markdown, entropy_markdown(report, entropy_distances(report))
    )
    save_figure(entropy_figure(report), {"png": figure})


def plot_equal_size(
    pairs_csv: str | os.PathLike,
    output: str | os.PathLike,
    *,
    baselines: list[str],
    images: list[str],
    crop_image: str | None = None,
    models: list[str] | None = None,
    setting: str | None = None,
    bitdepth: int | None = None,
    size: int = 256,
) -> None:
    """The equal-size grid of `images`; none given: `crop_image`, else the first image."""
    pairs = read_pairs(pairs_csv)
    shown = images or ([crop_image] if crop_image else sorted(pairs["image"].unique())[:1])
    panels = equal_size_panels(
        pairs, baselines, shown, models=models, setting=setting, bitdepth=bitdepth, size=size
    )
    figure = equal_size_figure(panels, baselines, shown, setting=setting, size=size)
    save_figure(figure, {"png": output}, dpi=CROP_DPI)

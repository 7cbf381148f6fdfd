"""Figure files: every figure saved the same way (byte-identical across runs), and the
figures drawn from a results table alone (`latentcodec.report.rd`, `latentcodec.report.crops`).
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from latentcodec.io import write_bytes_atomic  # noqa: E402
from latentcodec.report.crops import crop_figure  # noqa: E402
from latentcodec.report.rd import rd_figure  # noqa: E402
from latentcodec.tables import read_routes  # noqa: E402

# Fixed metadata keeps figure files byte-identical across runs.
_METADATA = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}
RD_DPI = 120  # the 14-inch-wide RD figure: about 1700 pixels, legible on a laptop
CROP_DPI = 100  # about one screen pixel per image pixel: the crops are 2.6 inches wide


def save_figure(figure, paths: dict[str, str | os.PathLike], dpi: int = 150) -> None:
    """Save `figure` once per format ({'png': path, 'svg': path}), atomically."""
    for fmt, path in paths.items():
        buffer = io.BytesIO()
        with matplotlib.rc_context({"svg.hashsalt": "latentcodec"}):  # else SVG ids are random
            figure.savefig(
                buffer, format=fmt, dpi=dpi, bbox_inches="tight", metadata=_METADATA[fmt]
            )
        write_bytes_atomic(path, buffer.getvalue())
    plt.close(figure)


def plot_rd(
    table: str | os.PathLike,
    outputs: dict[str, dict[str, str | os.PathLike]],
    title: str = "",
    references: pd.DataFrame | None = None,
    colors: Mapping[str, str] | None = None,
) -> None:
    """One RD figure per metric: `outputs` maps a metric to its {'png': path, 'svg': path};
    `references`: published curves for the pixel panels, or None; `colors`: the pixel
    baselines' colours by label (`rd.pixel_colors`)."""
    frame = read_routes(table)
    for metric, paths in outputs.items():
        figure = rd_figure(frame, metric, title, references, colors)
        save_figure(figure, paths, dpi=RD_DPI)


def plot_crops(table: str | os.PathLike, output: str | os.PathLike, **options) -> None:
    save_figure(crop_figure(read_routes(table), **options), {"png": output}, dpi=CROP_DPI)

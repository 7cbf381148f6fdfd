"""Figures drawn from a results table alone (and the image files it names).

- `rd_figure`: mean PSNR and SSIM against mean bpp, one line per (codec, bit depth),
  points ordered by rate; the ceiling (float latent, no quantisation) as a dashed line.
  One row of panels per model.
- `crop_figure`: the same crop of one image: original, ceiling, and each codec and quality
  at one bit depth, captioned with its bpp and PSNR.
"""

from __future__ import annotations

import io
import os

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from latentcodec.io import read_rgb, write_bytes_atomic  # noqa: E402
from latentcodec.tables import CEILING_CODEC, read_table, summarize  # noqa: E402

METRICS = (("psnr", "PSNR (dB)"), ("ssim", "SSIM"))
# Fixed metadata keeps figure files byte-identical across runs.
_METADATA = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}


def save_figure(figure, paths: dict[str, str | os.PathLike], dpi: int = 150) -> None:
    """Save `figure` once per format ({'png': path, 'svg': path}), atomically."""
    for fmt, path in paths.items():
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, dpi=dpi, bbox_inches="tight", metadata=_METADATA[fmt])
        write_bytes_atomic(path, buffer.getvalue())
    plt.close(figure)


def rd_figure(frame: pd.DataFrame, title: str = ""):
    summary = summarize(frame)
    models = list(dict.fromkeys(summary["model"]))
    figure, axes = plt.subplots(
        len(models), len(METRICS), figsize=(11, 4.2 * len(models)), squeeze=False
    )
    for row, model in enumerate(models):
        of_model = summary[summary["model"] == model]
        ceiling = of_model[of_model["codec"] == CEILING_CODEC]
        curves = of_model[of_model["codec"] != CEILING_CODEC]
        for column, (metric, label) in enumerate(METRICS):
            axis = axes[row][column]
            for (codec, bits), curve in curves.groupby(["codec", "bitdepth"], sort=True):
                curve = curve.sort_values("bpp")
                axis.plot(curve["bpp"], curve[metric], marker="o", label=f"{codec}, {bits}-bit")
            for value in ceiling[metric]:
                axis.axhline(value, color="black", linestyle="--", label="ceiling (float latent)")
            axis.set_xscale("log")
            axis.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
            axis.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
            axis.set_xlabel("bits per pixel (log scale)")
            axis.set_ylabel(label)
            axis.set_title(f"{model}: {label} vs rate")
            axis.grid(True, which="both", alpha=0.3)
        axes[row][-1].legend(fontsize="small", loc="lower right")
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def crop_figure(
    frame: pd.DataFrame, *, image: str | None = None, bitdepth: int = 8, size: int = 256
):
    """Crops of one image (default: the first in the table) for a human to compare."""
    image = image or sorted(frame["image"].unique())[0]
    rows = frame[frame["image"] == image]
    models = list(dict.fromkeys(rows["model"].sort_values()))
    panels_per_model = [_panels(rows[rows["model"] == model], bitdepth) for model in models]
    columns = 1 + max(len(panels) for panels in panels_per_model)
    figure, axes = plt.subplots(
        len(models), columns, figsize=(2.6 * columns, 2.9 * len(models)), squeeze=False
    )
    original = read_rgb(rows["source"].iloc[0])
    window = _centre_window(original.shape, size)
    for axis_row, model, panels in zip(axes, models, panels_per_model, strict=True):
        _show(axis_row[0], original[window], f"original\n{image}")
        for axis, (caption, path) in zip(axis_row[1:], panels, strict=False):
            _show(axis, read_rgb(path)[window], f"{model}\n{caption}")
        for axis in axis_row[1 + len(panels) :]:
            axis.axis("off")
    figure.tight_layout()
    return figure


def _panels(rows: pd.DataFrame, bitdepth: int) -> list[tuple[str, str]]:
    """(caption, recon path): the ceiling, then each codec × quality at `bitdepth`, by rate."""
    panels = []
    for codec, of_codec in rows.groupby("codec", sort=True):
        if codec == CEILING_CODEC:
            chosen = of_codec
        else:
            depths = sorted(of_codec["bitdepth"].unique())
            chosen = of_codec[
                of_codec["bitdepth"] == (bitdepth if bitdepth in depths else depths[0])
            ]
        for row in chosen.sort_values("bpp").itertuples(index=False):
            name = (
                "ceiling"
                if codec == CEILING_CODEC
                else f"{codec} {row.quality}, {row.bitdepth}-bit"
            )
            panels.append((f"{name}\n{row.bpp:.3f} bpp, {row.psnr:.2f} dB", row.recon))
    panels.sort(key=lambda panel: panel[0].startswith("ceiling"), reverse=True)
    return panels


def _centre_window(shape: tuple[int, ...], size: int) -> tuple[slice, slice]:
    height, width = shape[:2]
    crop_h, crop_w = min(size, height), min(size, width)
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    return slice(top, top + crop_h), slice(left, left + crop_w)


def _show(axis, pixels: np.ndarray, caption: str) -> None:
    axis.imshow(pixels, interpolation="nearest")
    axis.set_title(caption, fontsize=7)
    axis.axis("off")


def plot_rd(
    table: str | os.PathLike, outputs: dict[str, str | os.PathLike], title: str = ""
) -> None:
    save_figure(rd_figure(read_table(table), title), outputs)


def plot_crops(table: str | os.PathLike, output: str | os.PathLike, **options) -> None:
    # About one screen pixel per image pixel: the crops are 2.6 inches wide.
    save_figure(crop_figure(read_table(table), **options), {"png": output}, dpi=100)

"""Figures drawn from a results table alone (and the image files it names).

- `rd_figure`: mean PSNR and SSIM against mean bpp, one line per (codec, bit depth),
  points ordered by rate; the ceiling (float latent, no quantisation) as a dashed line.
  One row of panels per model.
- `crop_figure`: the same crop of one image: original, ceiling, and each codec and quality
  at one bit depth, captioned with its bpp and PSNR.
- `equal_size_figure`: a latent file beside the pixel encodings matched to its size
  (`latentcodec.equal_size`), decoded from their stored files.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from latentcodec.codecs import get_codec  # noqa: E402
from latentcodec.equal_size import read_pairs  # noqa: E402
from latentcodec.io import load_image, read_rgb, write_bytes_atomic  # noqa: E402
from latentcodec.metrics import psnr, ssim  # noqa: E402
from latentcodec.ssimulacra2 import ssimulacra2
from latentcodec.tables import (  # noqa: E402
    CEILING_CODEC,
    NO_CODEC,
    PIXEL_MODEL,
    is_ceiling,
    is_pixel,
    is_uncoded,
    read_table,
    summarize,
)

METRICS = (("psnr", "PSNR (dB)"), ("ssim", "SSIM"), ("msssim", "MS-SSIM"))
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
    """One row of panels per model; pixel baselines (model "none") repeated in every row."""
    summary = summarize(frame)
    pixels = summary[summary["model"] == PIXEL_MODEL]
    models = [model for model in dict.fromkeys(summary["model"]) if model != PIXEL_MODEL]
    # A metric undefined for every image (MS-SSIM of small images) gets no panel.
    metrics = [(metric, label) for metric, label in METRICS if summary[metric].notna().any()]
    figure, axes = plt.subplots(
        len(models), len(metrics), figsize=(5.4 * len(metrics), 4.6 * len(models)), squeeze=False
    )
    for row, model in enumerate(models):
        of_model = summary[summary["model"] == model]
        ceiling = of_model[(of_model["codec"] == CEILING_CODEC) & (of_model["bitdepth"] == 32)]
        curves = of_model[of_model["codec"] != CEILING_CODEC]
        for column, (metric, label) in enumerate(metrics):
            axis = axes[row][column]
            keys = ["codec", "bitdepth", "packing"]
            groups = curves.groupby(keys, sort=True)
            for index, ((codec, bits, packing), curve) in enumerate(groups):
                curve = curve.sort_values("bpp")
                name = f"{codec}, {bits}-bit" + (", planar" if packing == "planar" else "")
                color = matplotlib.colormaps["tab20"](index % 20)
                axis.plot(
                    curve["bpp"], curve[metric], marker="o", markersize=4, color=color, label=name
                )
            for index, ((codec,), curve) in enumerate(pixels.groupby(["codec"], sort=True)):
                curve = curve.sort_values("bpp")
                axis.plot(
                    curve["bpp"],
                    curve[metric],
                    linestyle=(":", "-.", "--")[index % 3],
                    marker="x+^sd"[index % 5],
                    markersize=4,
                    color=str(0.25 + 0.12 * (index % 4)),
                    label=f"{codec} on pixels",
                )
                axis.annotate(codec, (curve["bpp"].iloc[-1], curve[metric].iloc[-1]), fontsize=6)
            for value in ceiling[metric]:
                axis.axhline(value, color="black", linestyle="--", label="ceiling (float latent)")
            axis.set_xscale("log")
            axis.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
            axis.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
            axis.set_xlabel("bits per pixel (log scale)")
            axis.set_ylabel(label)
            axis.set_title(f"{model}: {label} vs rate")
            axis.grid(True, which="both", alpha=0.3)
        axes[row][-1].legend(fontsize="x-small", loc="lower right", ncol=2)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def crop_figure(
    frame: pd.DataFrame, *, image: str | None = None, bitdepth: int = 8, size: int = 256
):
    """Crops of one image (default: the first in the table) for a human to compare."""
    image = image or sorted(frame["image"].unique())[0]
    rows = frame[(frame["image"] == image) & ~is_pixel(frame)]
    rows = rows[~is_uncoded(rows) | is_ceiling(rows)]
    models = list(dict.fromkeys(rows["model"].sort_values()))
    panels_per_model = [_panels(rows[rows["model"] == model], bitdepth) for model in models]
    columns = 1 + max(len(panels) for panels in panels_per_model)
    figure, axes = plt.subplots(
        len(models), columns, figsize=(2.6 * columns, 2.9 * len(models)), squeeze=False
    )
    original = load_image(rows["source"].iloc[0], max_pixels=None)
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
        if codec == NO_CODEC:  # only the ceiling is left of the rows without a codec
            chosen = of_codec
        else:
            depths = sorted(of_codec["bitdepth"].unique())
            chosen = of_codec[
                of_codec["bitdepth"] == (bitdepth if bitdepth in depths else depths[0])
            ]
        for row in chosen.sort_values("bpp").itertuples(index=False):
            name = "ceiling" if codec == NO_CODEC else f"{codec} {row.quality}, {row.bitdepth}-bit"
            panels.append((f"{name}\n{row.bpp:.3f} bpp, {row.psnr:.2f} dB", row.recon))
    panels.sort(key=lambda panel: panel[0].startswith("ceiling"), reverse=True)
    return panels


def equal_size_figure(
    pairs: pd.DataFrame,
    baselines: list[str],
    *,
    images: list[str] | None = None,
    models: list[str] | None = None,
    setting: str | None = None,
    bitdepth: int | None = None,
    size: int = 256,
):
    """Original, latent codec and each baseline at the same bytes (`latentcodec.equal_size`):
    a row per image and model (`models`, or all), each crop captioned with its file's bytes,
    the size ratio and the crop's own PSNR, SSIM and SSIMULACRA2. Each pixel panel is the
    stored matched file, decoded.

    The latent file shown is `setting` ("<codec>-<quality>", e.g. "avif-q45") at `bitdepth`;
    without a setting, the lossy latent file with the lowest rate whose pairs with every
    baseline are within the size tolerance, where latent codecs differ most from pixel codecs.
    """
    images = images or [sorted(pairs["image"].unique())[0]]
    keys = ["image", "model", "codec", "bitdepth", "packing", "quality"]
    shown = pairs[pairs["baseline"].isin(baselines) & pairs["image"].isin(images)]
    if models:
        shown = shown[shown["model"].isin(models)]
    if setting is not None:
        shown = shown[(shown["codec"] + "-" + shown["quality"]) == setting]
        if bitdepth is not None:
            shown = shown[shown["bitdepth"] == bitdepth]
    matched = shown.groupby(keys).filter(
        lambda group: (
            set(group["baseline"]) == set(baselines)
            and not group["size_mismatch"].astype(bool).any()
        )
    )
    chosen = (
        matched.drop_duplicates(keys)
        .sort_values("bpp")
        .groupby(["image", "model"], sort=False)
        .head(1)
    )
    chosen = chosen.assign(order=chosen["image"].map(images.index)).sort_values(["order", "model"])
    if chosen.empty:  # say so in the figure rather than fail the run
        figure, axis = plt.subplots(figsize=(6, 1.5))
        wanted = f"{setting} " if setting else ""
        axis.text(0.5, 0.5, f"no latent {wanted}file of {', '.join(images)} has a "
                  f"{' and '.join(baselines)} encoding within the size tolerance",
                  ha="center", va="center")  # fmt: skip
        axis.axis("off")
        return figure
    figure, axes = plt.subplots(
        len(chosen),
        2 + len(baselines),
        figsize=(2.8 * (2 + len(baselines)), 3.2 * len(chosen)),
        squeeze=False,
    )
    for axis_row, row in zip(axes, chosen.itertuples(index=False), strict=True):
        original = load_image(row.source, max_pixels=None)
        window = _centre_window(original.shape, size)
        reference = original[window]
        _show(axis_row[0], reference, f"original\n{row.image}, centre {size}×{size}")
        latent_label = f"{row.model}: {row.codec} {row.quality}, {row.bitdepth}-bit"
        panels = [(latent_label, read_rgb(row.recon), f"{int(row.latent_bytes)} B")]
        same_file = (shown[keys] == pd.Series(row._asdict())[keys]).all(axis=1)
        for name in baselines:
            pair = shown[same_file & (shown["baseline"] == name)].iloc[0]
            data = Path(pair["pixel_file"]).read_bytes()
            panels.append(
                (
                    f"{name} q{int(pair['pixel_quality'])}",
                    get_codec(pair["pixel_codec"]).decode(data),
                    f"{len(data)} B (×{pair['size_ratio']:.3f})",
                )
            )
        for axis, (label, pixels, stored) in zip(axis_row[1:], panels, strict=True):
            crop = pixels[window]
            _show(
                axis,
                crop,
                f"{label}\n{stored}\ncrop {psnr(reference, crop):.2f} dB, "
                f"SSIM {ssim(reference, crop):.3f}, SSIMULACRA2 {ssimulacra2(reference, crop):.1f}",
            )
    figure.tight_layout()
    return figure


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


def plot_equal_size(
    pairs_csv: str | os.PathLike,
    output: str | os.PathLike,
    *,
    images: list[str],
    crop_image: str | None = None,
    **options,
) -> None:
    """The equal-size grid of `images`; none given: `crop_image`, else the first image."""
    pairs = read_pairs(pairs_csv)
    images = images or ([crop_image] if crop_image else None)
    save_figure(equal_size_figure(pairs, images=images, **options), {"png": output}, dpi=100)

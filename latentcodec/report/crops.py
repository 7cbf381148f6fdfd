"""The crop grids: the same crop of one image through every stored latent (crops.png), and a
latent file beside the pixel files matched to its size (equal_size.png)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from latentcodec.analysis.crops import centre_window
from latentcodec.io import load_image, read_rgb
from latentcodec.tables import NO_CODEC, is_ceiling, is_pixel, is_uncoded


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
    window = centre_window(original.shape, size)
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
    panels: pd.DataFrame,
    baselines: list[str],
    images: list[str],
    *,
    setting: str | None = None,
    size: int = 256,
):
    """Original, latent file and each baseline's file at the same bytes, a row per image and
    model, each crop captioned with its file's bytes, the size ratio and the crop's own PSNR,
    SSIM and SSIMULACRA2 (`latentcodec.analysis.equal_size.equal_size_panels`). Without a
    panel, a figure that says no file could be matched."""
    if panels.empty:  # say so in the figure rather than fail the run
        figure, axis = plt.subplots(figsize=(6, 1.5))
        wanted = f"{setting} " if setting else ""
        axis.text(0.5, 0.5, f"no latent {wanted}file of {', '.join(images)} has a "
                  f"{' and '.join(baselines)} encoding within the size tolerance",
                  ha="center", va="center")  # fmt: skip
        axis.axis("off")
        return figure
    rows = panels["row"].nunique()
    figure, axes = plt.subplots(
        rows,
        2 + len(baselines),
        figsize=(2.8 * (2 + len(baselines)), 3.2 * rows),
        squeeze=False,
    )
    for axis_row, (_, row_panels) in zip(axes, panels.groupby("row", sort=True), strict=True):
        for axis, panel in zip(axis_row, row_panels.itertuples(index=False), strict=True):
            _show(axis, panel.crop, _caption(panel, size))
    figure.tight_layout()
    return figure


def _caption(panel, size: int) -> str:
    if panel.kind == "original":
        return f"original\n{panel.image}, centre {size}×{size}"
    stored = f"{int(panel.bytes)} B" + (
        f" (×{panel.size_ratio:.3f})" if panel.kind == "pixel" else ""
    )
    return (
        f"{panel.label}\n{stored}\ncrop {panel.psnr:.2f} dB, "
        f"SSIM {panel.ssim:.3f}, SSIMULACRA2 {panel.ssimulacra2:.1f}"
    )


def _show(axis, pixels: np.ndarray, caption: str) -> None:
    axis.imshow(pixels, interpolation="nearest")
    axis.set_title(caption, fontsize=7)
    axis.axis("off")

"""Figures drawn from a results table alone (and the image files it names).

- `rd_figure`: one metric's mean against mean bpp, a row per model and a column per family
  (latent lossless, latent lossy, pixel codecs); colour = codec, line style = bit depth; the
  ceiling (float latent, no quantisation) dashed in every panel; published reference curves
  (a table such as `latentcodec.analysis.published.published_curves`), when given, thin and grey in
  the pixel-codec panel.
- `crop_figure`: the same crop of one image: original, ceiling, and each codec and quality
  at one bit depth, captioned with its bpp and PSNR.
- `equal_size_figure`: a latent file beside the pixel encodings matched to its size
  (`latentcodec.analysis.equal_size`), decoded from their stored files.
"""

from __future__ import annotations

import io
import os
import zlib
from pathlib import Path

import matplotlib
import matplotlib.legend
import matplotlib.lines
import matplotlib.ticker

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from latentcodec.analysis.equal_size import read_pairs  # noqa: E402
from latentcodec.codecs.image import get_codec  # noqa: E402
from latentcodec.errors import LatentCodecError  # noqa: E402
from latentcodec.io import load_image, read_rgb, write_bytes_atomic  # noqa: E402
from latentcodec.measure.metrics import psnr, ssim  # noqa: E402
from latentcodec.measure.ssimulacra2 import ssimulacra2  # noqa: E402
from latentcodec.tables import (  # noqa: E402
    NO_CODEC,
    is_ceiling,
    is_pixel,
    is_quantized,
    is_uncoded,
    read_table,
    summarize,
)

METRIC_LABELS = {
    "psnr": "PSNR (dB)",
    "ssim": "SSIM",
    "msssim": "MS-SSIM",
    "ssimulacra2": "SSIMULACRA2",
}  # higher is better for each
RD_FAMILIES = ("Latent, lossless", "Latent, lossy", "Pixel codecs (on the image)")
_CURVE_KEYS = ["codec", "bitdepth", "packing"]
# The quantised latent stored as raw integers, drawn among the lossless codecs.
RAW_LABEL = "raw"
RAW_LEGEND = "raw integers (no codec)"
# One colour per codec (latent codecs and pixel baselines alike), the same in every figure.
CODEC_COLORS = {
    "png": "#1f77b4",
    "webpll": "#2ca02c",
    "webp": "#2ca02c",
    "jxl": "#9467bd",
    "j2k": "#8c564b",
    "avif": "#ff7f0e",
    "avif444": "#ff7f0e",
    "avif420": "#17becf",
    "palette": "#e377c2",
    "jpeg": "#d62728",
    RAW_LABEL: "black",
}
_SPARE_COLORS = ("#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd")
BITDEPTH_STYLES = {
    8: "-",
    10: (0, (5, 2)),
    12: (0, (5, 2, 1, 2)),
    16: (0, (1, 1.5)),
    4: (0, (8, 2, 1, 2, 1, 2)),
    5: (0, (2, 2)),
    6: (0, (10, 3)),
    7: (0, (3, 1, 1, 1)),
}  # other depths share a fallback (`_bitdepth_style`)
_FRONT_STYLE = {
    "color": "0.55",
    "alpha": 0.6,
    "linewidth": 3,
    "zorder": 1,
    "label": "best pixel codec at each rate",
}
_FRONT_RATES = 400  # log-spaced rates the pixel front is read at, besides the measured ones
# Fixed metadata keeps figure files byte-identical across runs.
_METADATA = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}
RD_DPI = 120  # the 14-inch-wide RD figure: about 1700 pixels, legible on a laptop
# Published curves drawn beside the pixel codecs: thin grey, dashed for learned codecs and
# dotted for standard ones, a marker per curve (in the order of the reference table).
REFERENCE_LEGEND = "published (CompressAI, Kodak means)"
_REFERENCE_STYLE = {"color": "0.4", "linewidth": 0.9, "markersize": 3.5, "zorder": 1.5}
_REFERENCE_LINES = {"learned": (0, (4, 2)), "standard": (0, (1, 1.5))}
_REFERENCE_MARKERS = ("o", "s", "^", "v", "D", "p", "*", "h", "X", "P", "<", ">")
_REFERENCE_COLUMNS = 2  # its legend's columns: ten curves in five rows


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


def rd_figure(
    frame: pd.DataFrame,
    metric: str = "psnr",
    title: str = "",
    references: pd.DataFrame | None = None,
):
    """Mean `metric` against mean bpp (log scale), faceted by family: one row per model, with
    the latent lossless settings (one point per codec and bit depth, the points of a codec
    joined across bit depths), the latent lossy curves, and the pixel codecs (model "none").

    The model's ceiling is a labelled dashed line in each of its panels, and the best pixel
    codec at each rate is a grey reference in the two latent panels. A codec keeps its colour
    (`CODEC_COLORS`) and a bit depth its line style in every panel. A metric with no value in
    the table gives a figure that says so.

    `references`: published curves to draw in the pixel-codec panel, a row per point with
    columns codec, bpp, the metric (on the scale of `frame`'s: MS-SSIM linear) and optionally
    label and family (learned | standard); a metric it lacks, or whose values are all NaN,
    draws none. Their lines have gid "published=<codec>" and a legend of their own.
    """
    if metric not in METRIC_LABELS:
        raise LatentCodecError(
            f"rd_figure: unknown metric {metric!r}, not in {list(METRIC_LABELS)}"
        )
    label = METRIC_LABELS[metric]
    summary = summarize(frame)
    summary = summary[summary[metric].notna()]
    models = list(dict.fromkeys(summary.loc[~is_pixel(summary), "model"]))
    if not models:  # e.g. MS-SSIM of images too small for its five scales
        figure, axis = plt.subplots(figsize=(7, 1.2))
        _say(axis, f"no {label} value for any latent row of this table")
        axis.axis("off")
        return figure
    pixels = summary[is_pixel(summary)]
    front = _pixel_front(pixels, metric)
    published = _reference_curves(references, metric)
    rows = [_latent_families(summary[summary["model"] == model]) + (pixels,) for model in models]
    legends = [
        _legend_entries(pd.concat(panels), column, reference=column < 2 and not front.empty)
        for column, panels in enumerate(zip(*rows, strict=True))
    ]
    if published:
        legends[2].append((REFERENCE_LEGEND, [handle for handle, _ in published]))
    entries = max(
        (_legend_rows(heading, handles) for legend in legends for heading, handles in legend),
        default=0,
    )
    legend_height = 0.4 + 0.2 * entries
    figure = plt.figure(figsize=(14, 0.6 + 3.2 * len(models) + legend_height), layout="constrained")
    grid = figure.add_gridspec(
        len(models) + 1, 3, height_ratios=[3.2] * len(models) + [legend_height]
    )
    axes = (
        grid[:-1, :].subgridspec(len(models), 3).subplots(sharex=True, sharey="row", squeeze=False)
    )
    # A rotated 9-point label is about 1/30 of a panel wide: its share of the rate span.
    plotted = pd.concat([panel for panels in rows for panel in panels])["bpp"]
    label_gap = np.log10(plotted.max() / plotted.min()) / 30
    for axis_row, model, panels in zip(axes, models, rows, strict=True):
        of_model = summary[summary["model"] == model]
        ceiling = of_model[is_ceiling(of_model)]
        for column, (axis, panel) in enumerate(zip(axis_row, panels, strict=True)):
            if panel.empty:
                _say(axis, f"no {RD_FAMILIES[column].lower()} rows")
            if column == 0:
                _draw_points(axis, panel, metric, label_gap)
            else:
                _draw_curves(axis, panel, metric)
            if column < 2:
                axis.plot(front["bpp"], front[metric], **_FRONT_STYLE)
            else:
                _draw_references(axis, published, metric)
            for value in ceiling[metric]:
                _draw_ceiling(axis, value, metric)
            _style_axis(axis)
        axis_row[0].set_ylabel(f"{model}\n{label}", fontsize=11)
    for column, family in enumerate(RD_FAMILIES):
        axes[0][column].set_title(family, fontsize=12)
        axes[-1][column].set_xlabel("bits per pixel (log scale)", fontsize=10)
        legend_axis = figure.add_subplot(grid[-1, column])
        legend_axis.axis("off")
        for (heading, handles), corner in zip(
            legends[column], ("upper left", "upper right"), strict=False
        ):
            legend = matplotlib.legend.Legend(
                legend_axis,
                handles,
                [handle.get_label() for handle in handles],
                title=heading,
                loc=corner,
                ncols=_REFERENCE_COLUMNS if heading == REFERENCE_LEGEND else 1,
                fontsize=9,
                title_fontsize=9,
                frameon=False,
            )
            legend_axis.add_artist(legend)
    figure.suptitle(f"{title + ': ' if title else ''}{label} against rate", fontsize=13)
    return figure


def _say(axis, text: str) -> None:
    axis.text(0.5, 0.5, text, ha="center", va="center", transform=axis.transAxes, fontsize=11)


def _latent_families(of_model: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(lossless, lossy) latent rows of one model. Lossless: every setting whose rows are all
    exact, and the quantised latent stored raw; lossy: each (codec, bit depth, packing) curve
    with an inexact setting, drawn whole, so a grid that reaches its lossless end shows it."""
    codecs = of_model[~is_uncoded(of_model)]
    raw = of_model[is_quantized(of_model)]
    lossless = pd.concat([codecs[codecs["exact"]], raw.assign(codec=RAW_LABEL)])
    inexact = ~codecs.groupby(_CURVE_KEYS)["exact"].transform("all").astype(bool)
    return lossless, codecs[inexact]


def _draw_points(axis, rows: pd.DataFrame, metric: str, label_gap: float) -> None:
    """Each codec's points joined across bit depths. The leftmost point of each bit depth is
    labelled, 8 bits first, skipping a label within `label_gap` decades of bpp of another."""
    for (codec, packing), points in rows.groupby(["codec", "packing"], sort=True):
        points = points.sort_values("bitdepth")
        axis.plot(points["bpp"], points[metric], linewidth=1.2, **_codec_marks(codec, packing))
    leftmost = rows.sort_values("bpp").drop_duplicates("bitdepth")
    labelled: list[float] = []
    for row in leftmost.sort_values(
        "bitdepth", key=lambda bits: bits != 8, kind="stable"
    ).itertuples():
        if all(abs(np.log10(row.bpp) - np.log10(other)) >= label_gap for other in labelled):
            labelled.append(row.bpp)
            axis.annotate(
                f"{row.bitdepth}-bit",
                (row.bpp, getattr(row, metric)),
                xytext=(0, 5),
                textcoords="offset points",
                rotation=90,
                ha="center",
                va="bottom",
                fontsize=9,
            )


def _draw_curves(axis, rows: pd.DataFrame, metric: str) -> None:
    """One line per (codec, bit depth, packing), points in order of rate."""
    for (codec, bits, packing), curve in rows.groupby(_CURVE_KEYS, sort=True):
        curve = curve.sort_values("bpp")
        axis.plot(
            curve["bpp"],
            curve[metric],
            linestyle=_bitdepth_style(bits),
            linewidth=1.8,
            **_codec_marks(codec, packing),
        )


def _codec_marks(codec: str, packing: str) -> dict:
    """Colour by codec, hollow markers for planar packing; the gid names the codec (for tests
    and SVG readers)."""
    color = _codec_color(codec)
    return {
        "color": color,
        "marker": "o",
        "markersize": 4.5,
        "markerfacecolor": "white" if packing == "planar" else color,
        "gid": f"codec={codec}",
    }


def _codec_color(codec: str) -> str:
    """The codec's fixed colour; a baseline label not in `CODEC_COLORS` gets a spare colour
    chosen from its name, so it too is the same in every figure."""
    if codec in CODEC_COLORS:
        return CODEC_COLORS[codec]
    return _SPARE_COLORS[zlib.crc32(codec.encode()) % len(_SPARE_COLORS)]


def _bitdepth_style(bits: int):
    return BITDEPTH_STYLES.get(int(bits), (0, (1, 1, 1, 3)))


def _pixel_front(pixels: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The best pixel codec at each rate: the upper envelope of the pixel curves, each read as
    in `latentcodec.analysis.readoff` (linear in log bpp, never beyond its points), on a fine log
    grid
    with every measured rate, so no curve rises above the line; straight joins of Pareto points
    of different codecs cut below a codec's curve. Rates no cheaper rate matches are kept."""
    rows = pixels[pixels[metric].notna() & (pixels["bpp"] > 0)]
    if rows.empty:
        return pd.DataFrame({"bpp": [], metric: []})
    rates = rows["bpp"].to_numpy(dtype=np.float64)
    grid = np.union1d(np.geomspace(rates.min(), rates.max(), _FRONT_RATES), rates)
    best = np.full(grid.shape, -np.inf)
    for _, curve in rows.groupby(_CURVE_KEYS, sort=True):
        curve = curve.sort_values(["bpp", metric])
        inside = (grid >= curve["bpp"].iloc[0]) & (grid <= curve["bpp"].iloc[-1])
        read = np.interp(np.log(grid[inside]), np.log(curve["bpp"]), curve[metric])
        best[inside] = np.maximum(best[inside], read)
    best_so_far = np.maximum.accumulate(np.concatenate([[-np.inf], best[:-1]]))
    kept = best > best_so_far
    return pd.DataFrame({"bpp": grid[kept], metric: best[kept]})


def _reference_curves(references: pd.DataFrame | None, metric: str) -> list[tuple]:
    """(legend proxy, points in order of rate) of each published curve with `metric` values.
    A curve keeps its marker, by its place in `references`, in every metric's figure."""
    if references is None or metric not in references or references.empty:
        return []
    curves = []
    for index, (codec, curve) in enumerate(references.groupby("codec", sort=False)):
        curve = curve[curve[metric].notna() & (curve["bpp"] > 0)].sort_values("bpp")
        if len(curve) < 1:
            continue
        first = curve.iloc[0]
        style = _REFERENCE_STYLE | {
            "linestyle": _REFERENCE_LINES.get(first.get("family"), _REFERENCE_LINES["learned"]),
            "marker": _REFERENCE_MARKERS[index % len(_REFERENCE_MARKERS)],
            "markerfacecolor": "none",
            "label": first.get("label", codec),
            "gid": f"published={codec}",
        }
        curves.append((matplotlib.lines.Line2D([], [], **style), curve))
    return curves


def _draw_references(axis, published: list[tuple], metric: str) -> None:
    """The published curves over the range our own curves set: added as artists, not as data,
    so they never widen the axes (VTM and BPG reach 47 dB and 4.7 bpp, far beyond the latent
    panels the rows share); the axes clip them."""
    for handle, curve in published:
        line = matplotlib.lines.Line2D(curve["bpp"].to_numpy(), curve[metric].to_numpy())
        line.update_from(handle)
        line.set(transform=axis.transData, clip_path=axis.patch, gid=handle.get_gid())
        line.set_zorder(handle.get_zorder())
        line.set_label(handle.get_label())
        axis.add_artist(line)


def _legend_rows(heading: str, handles: list) -> int:
    columns = _REFERENCE_COLUMNS if heading == REFERENCE_LEGEND else 1
    return -(-len(handles) // columns)


def _draw_ceiling(axis, value: float, metric: str) -> None:
    axis.axhline(value, color="black", linestyle=(0, (6, 3)), linewidth=1.1, gid="ceiling")
    digits = 2 if metric == "psnr" else 1 if metric == "ssimulacra2" else 4
    axis.annotate(
        f"ceiling {value:.{digits}f}",
        (0.01, value),
        xycoords=axis.get_yaxis_transform(),
        xytext=(0, 2),
        textcoords="offset points",
        va="bottom",
        fontsize=9,
    )


def _style_axis(axis) -> None:
    axis.set_xscale("log")
    axis.xaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    axis.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    axis.tick_params(labelsize=9)
    axis.grid(True, which="major", alpha=0.3)
    axis.set_ymargin(0.15)  # room for the bit-depth labels above points at the ceiling


def _legend_entries(rows: pd.DataFrame, column: int, *, reference: bool) -> list[tuple]:
    """A column's legends as (title, proxy artists), so each entry appears once: colour =
    codec; then line style = bit depth (lossy column), planar packing and the grey pixel
    reference where present."""
    codecs = [
        matplotlib.lines.Line2D(
            [],
            [],
            linewidth=2,
            marker="o",
            color=_codec_color(codec),
            label=RAW_LEGEND if codec == RAW_LABEL else codec,
        )
        for codec in sorted(set(rows["codec"]), key=lambda codec: (codec == RAW_LABEL, codec))
    ]
    styles = [
        matplotlib.lines.Line2D(
            [], [], color="black", linestyle=_bitdepth_style(bits), label=f"{bits}-bit"
        )
        for bits in (sorted(set(rows["bitdepth"])) if column == 1 else [])
    ]
    if (rows["packing"] == "planar").any():
        styles.append(
            matplotlib.lines.Line2D(
                [],
                [],
                color="black",
                linestyle="",
                marker="o",
                markerfacecolor="white",
                label="planar packing",
            )
        )
    if reference:
        styles.append(matplotlib.lines.Line2D([], [], **_FRONT_STYLE))
    entries = [("codec (colour)", codecs)] if codecs else []
    if styles:
        entries.append(("bit depth (line style)" if column == 1 else "reference", styles))
    return entries


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
    """Original, latent codec and each baseline at the same bytes
    (`latentcodec.analysis.equal_size`):
    a row per image and model (`models`, or all), each crop captioned with its file's bytes,
    the size ratio and the crop's own PSNR, SSIM and SSIMULACRA2. Each pixel panel is the
    stored matched file, decoded.

    The latent file shown is `setting` ("<codec>-<quality>", e.g. "avif-q45") at `bitdepth`;
    without a setting, the lossy latent file with the lowest rate whose pairs with every
    baseline are within the size tolerance, where latent codecs differ most from pixel codecs.
    """
    images = images or sorted(pairs["image"].unique())[:1]  # none when nothing was matched
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
    table: str | os.PathLike,
    outputs: dict[str, dict[str, str | os.PathLike]],
    title: str = "",
    references: pd.DataFrame | None = None,
) -> None:
    """One RD figure per metric: `outputs` maps a metric to its {'png': path, 'svg': path};
    `references`: published curves for the pixel panels (`rd_figure`), or None."""
    frame = read_table(table)
    for metric, paths in outputs.items():
        save_figure(rd_figure(frame, metric, title, references), paths, dpi=RD_DPI)


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

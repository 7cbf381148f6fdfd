"""The rate-distortion figures (rd*.png, rd.svg), drawn from a results table alone.

`rd_figure`: one metric's mean against mean bpp, a row per model and a column per family
(latent lossless, latent lossy, pixel codecs); colour = codec, line style = bit depth; the
ceiling (float latent, no quantisation) dashed in every panel; published reference curves
(a table such as `latentcodec.analysis.published.published_curves`), when given, thin and grey
in the pixel-codec panel.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping

import matplotlib.legend
import matplotlib.lines
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

from latentcodec.errors import LatentCodecError
from latentcodec.tables import is_ceiling, is_pixel, is_quantized, is_uncoded, summarize

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
# One colour per codec (latent codecs and the pixel codecs alike), the same in every figure.
CODEC_COLORS = {
    "png": "#1f77b4",
    "webpll": "#2ca02c",
    "webp": "#2ca02c",
    "jxl": "#9467bd",
    "j2k": "#8c564b",
    "avif": "#ff7f0e",
    "palette": "#e377c2",
    "jpeg": "#d62728",
    RAW_LABEL: "black",
}
# A pixel baseline is coloured by what it is, its codec and chroma option, not by the label a
# config gives it: AVIF 4:2:0 apart from AVIF 4:4:4.
VARIANT_COLORS = {("avif", "420"): "#17becf"}
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
# Published curves drawn beside the pixel codecs: thin grey, dashed for learned codecs and
# dotted for standard ones, a marker per curve (in the order of the reference table).
REFERENCE_LEGEND = "published (CompressAI, Kodak means)"
_REFERENCE_STYLE = {"color": "0.4", "linewidth": 0.9, "markersize": 3.5, "zorder": 1.5}
_REFERENCE_LINES = {"learned": (0, (4, 2)), "standard": (0, (1, 1.5))}
_REFERENCE_MARKERS = ("o", "s", "^", "v", "D", "p", "*", "h", "X", "P", "<", ">")
_REFERENCE_COLUMNS = 2  # its legend's columns: ten curves in five rows


def rd_figure(
    frame: pd.DataFrame,
    metric: str = "psnr",
    title: str = "",
    references: pd.DataFrame | None = None,
    colors: Mapping[str, str] | None = None,
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

    `colors`: the pixel baselines' colours by label (`pixel_colors`); a label without one
    gets its codec's colour if the label is a codec's name, else a spare colour of its own.
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
    palette = {codec: _codec_color(codec) for codec in summary["codec"]}
    palette |= {RAW_LABEL: _codec_color(RAW_LABEL), **(colors or {})}
    rows = [_latent_families(summary[summary["model"] == model]) + (pixels,) for model in models]
    legends = _column_legends(rows, front, published, palette)
    figure, grid, axes = _rd_grid(len(models), legends)
    # A rotated 9-point label is about 1/30 of a panel wide: its share of the rate span.
    plotted = pd.concat([panel for panels in rows for panel in panels])["bpp"]
    label_gap = np.log10(plotted.max() / plotted.min()) / 30
    for axis_row, model, panels in zip(axes, models, rows, strict=True):
        of_model = summary[summary["model"] == model]
        ceilings = of_model.loc[is_ceiling(of_model), metric]
        for column, (axis, panel) in enumerate(zip(axis_row, panels, strict=True)):
            _draw_panel(axis, column, panel, metric, label_gap, front, published, palette)
            for value in ceilings:
                _draw_ceiling(axis, value, metric)
            _style_axis(axis)
        axis_row[0].set_ylabel(f"{model}\n{label}", fontsize=11)
    _label_columns(figure, grid, axes, legends)
    figure.suptitle(f"{title + ': ' if title else ''}{label} against rate", fontsize=13)
    return figure


def _column_legends(
    rows: list[tuple], front: pd.DataFrame, published: list[tuple], palette: dict
) -> list:
    """Each column's legends (`_legend_entries`), the published curves' in the pixel column."""
    legends = [
        _legend_entries(
            pd.concat(panels), column, palette, reference=column < 2 and not front.empty
        )
        for column, panels in enumerate(zip(*rows, strict=True))
    ]
    if published:
        legends[2].append((REFERENCE_LEGEND, [handle for handle, _ in published]))
    return legends


def _rd_grid(models: int, legends: list):
    """The figure, its grid and the (models, 3) panels, with a row for the legends below
    them as tall as the longest legend needs."""
    entries = max(
        (_legend_rows(heading, handles) for legend in legends for heading, handles in legend),
        default=0,
    )
    legend_height = 0.4 + 0.2 * entries
    figure = plt.figure(figsize=(14, 0.6 + 3.2 * models + legend_height), layout="constrained")
    grid = figure.add_gridspec(models + 1, 3, height_ratios=[3.2] * models + [legend_height])
    axes = grid[:-1, :].subgridspec(models, 3).subplots(sharex=True, sharey="row", squeeze=False)
    return figure, grid, axes


def _draw_panel(
    axis, column: int, panel, metric: str, label_gap: float, front, published, palette: dict
):
    """One family's rows of one model, over the pixel front (latent panels) or beside the
    published curves (pixel panel)."""
    if panel.empty:
        _say(axis, f"no {RD_FAMILIES[column].lower()} rows")
    if column == 0:
        _draw_points(axis, panel, metric, label_gap, palette)
    else:
        _draw_curves(axis, panel, metric, palette)
    if column < 2:
        axis.plot(front["bpp"], front[metric], **_FRONT_STYLE)
    else:
        _draw_references(axis, published, metric)


def _label_columns(figure, grid, axes, legends: list) -> None:
    """Column titles, rate labels and each column's legends in the row below."""
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


def _draw_points(axis, rows: pd.DataFrame, metric: str, label_gap: float, palette: dict) -> None:
    """Each codec's points joined across bit depths. The leftmost point of each bit depth is
    labelled, 8 bits first, skipping a label within `label_gap` decades of bpp of another."""
    for (codec, packing), points in rows.groupby(["codec", "packing"], sort=True):
        points = points.sort_values("bitdepth")
        marks = _codec_marks(codec, packing, palette[codec])
        axis.plot(points["bpp"], points[metric], linewidth=1.2, **marks)
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


def _draw_curves(axis, rows: pd.DataFrame, metric: str, palette: dict) -> None:
    """One line per (codec, bit depth, packing), points in order of rate."""
    for (codec, bits, packing), curve in rows.groupby(_CURVE_KEYS, sort=True):
        curve = curve.sort_values("bpp")
        axis.plot(
            curve["bpp"],
            curve[metric],
            linestyle=_bitdepth_style(bits),
            linewidth=1.8,
            **_codec_marks(codec, packing, palette[codec]),
        )


def _codec_marks(codec: str, packing: str, color: str) -> dict:
    """The codec's colour, hollow markers for planar packing; the gid names the codec (for
    tests and SVG readers)."""
    return {
        "color": color,
        "marker": "o",
        "markersize": 4.5,
        "markerfacecolor": "white" if packing == "planar" else color,
        "gid": f"codec={codec}",
    }


def pixel_colors(baselines: Mapping[str, Mapping]) -> dict[str, str]:
    """Each pixel baseline's colour by its label, from its codec and options (label →
    {"codec", "options"}, as the config's `baselines` have them)."""
    colors = {}
    for label, spec in baselines.items():
        chroma = str(spec.get("options", {}).get("chroma", ""))
        colors[label] = VARIANT_COLORS.get((spec["codec"], chroma), _codec_color(spec["codec"]))
    return colors


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


def _legend_entries(
    rows: pd.DataFrame, column: int, palette: dict, *, reference: bool
) -> list[tuple]:
    """A column's legends as (title, proxy artists), so each entry appears once: colour =
    codec; then line style = bit depth (lossy column), planar packing and the grey pixel
    reference where present."""
    codecs = [
        matplotlib.lines.Line2D(
            [],
            [],
            linewidth=2,
            marker="o",
            color=palette[codec],
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

"""Operating points: the bpp each latent curve needs to come within Δ of its model's ceiling.

For each latent curve (model × codec × bit depth × packing, means over images) and each Δ,
the smallest mean bpp at which the curve comes within Δ of the ceiling (the float latent
decoded without quantisation), read off the curve by `latentcodec.analysis.readoff`; beside it the
smallest bpp any pixel baseline needs for the same level, and their ratio. Each with a 95 %
interval from a paired bootstrap over images (`latentcodec.analysis.bootstrap`): a replicate
resamples the images, recomputes the ceiling, the level and every curve, and reads them off
again. A replicate whose curve misses the level gives no value; the share that gave one is
`*_reached`.

Metrics: PSNR and MS-SSIM in dB (−10·log10(1 − MS-SSIM)), each at Δ = `DELTAS_DB`; and
SSIMULACRA2, whose perceptual operating point is the smallest bpp within
`SSIMULACRA2_MARGIN` points of the model's ceiling SSIMULACRA2. The margin, 2 points, is
about ten times the reference tool's own rounding spread (libjxl's float32 blur moves a
score by 0.1–0.3) yet a small fraction of the 10–15 points between adjacent JPEG or WebP
quality steps, so it asks for "as good as the ceiling" without asking for noise.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd

from latentcodec.analysis.bootstrap import (
    DEFAULT_BOOTSTRAP,
    Bootstrap,
    ImageMeans,
    estimate_columns,
    reached_note,
)
from latentcodec.analysis.readoff import (
    AT_LOWEST_RATE,
    NEVER,
    NO_DATA,
    WIDE_BRACKET,
    RateAtLevel,
    rate_at_level,
    rates_at_level,
)
from latentcodec.errors import LatentCodecError
from latentcodec.io import write_text_atomic
from latentcodec.tables import (
    cell_text,
    is_ceiling,
    is_pixel,
    is_uncoded,
    read_table,
    write_csv,
)

DELTAS_DB = (0.1, 0.5, 1.0)
SSIMULACRA2_MARGIN = 2.0
METRICS = {  # metric → (name, unit, the Δs below the ceiling)
    "psnr": ("PSNR", "dB", DELTAS_DB),
    "msssim_db": ("MS-SSIM", "dB", DELTAS_DB),
    "ssimulacra2": ("SSIMULACRA2", "points", (SSIMULACRA2_MARGIN,)),
}
SOURCE_COLUMN = {"psnr": "psnr", "msssim_db": "msssim", "ssimulacra2": "ssimulacra2"}
CURVE_KEYS = ["codec", "bitdepth", "packing"]
COLUMNS = [  # x, x_low, x_high, x_reached: the estimate, its interval, share of replicates
    *["model", *CURVE_KEYS, "points", "lossy", "metric", "delta", "ceiling", "target"],
    *["images", "resamples", "seed"],
    *[f"latent_bpp{end}" for end in ("", "_low", "_high", "_reached")],
    *[f"latent_{what}" for what in ("status", "between", "peak", "bracket", "wide_bracket")],
    "pixel_codec",
    *[f"pixel_bpp{end}" for end in ("", "_low", "_high", "_reached")],
    *[f"pixel_{what}" for what in ("status", "between", "peak", "bracket", "wide_bracket")],
    *[f"bpp_ratio{end}" for end in ("", "_low", "_high", "_reached")],
]


def ceiling(summary: pd.DataFrame, model: str) -> pd.Series:
    """The model's ceiling setting: one row of a `summarize`-like table."""
    rows = summary[(summary["model"] == model) & is_ceiling(summary)]
    if len(rows) != 1:
        raise LatentCodecError(
            f"results table: expected one ceiling setting (the float latent decoded without a "
            f"codec) for model {model!r}, found {len(rows)}"
        )
    return rows.iloc[0]


class Curves:
    """Mean rate and metric score of every setting, full and per replicate, read off by index."""

    def __init__(self, means: ImageMeans, metric: str):
        self.settings = means.settings
        self.rate, self.rate_replicates = means.means("bpp")
        self.score, self.score_replicates = means.means(metric)

    def read(self, index, level: float, levels: np.ndarray) -> tuple[RateAtLevel, np.ndarray]:
        labels = self.settings["quality"].to_numpy()[index].tolist()
        result = rate_at_level(self.rate[index], self.score[index], level, labels)
        replicates = rates_at_level(
            self.rate_replicates[index].T, self.score_replicates[index].T, levels
        )
        return result, replicates


def operating_points(
    frame: pd.DataFrame, metric: str = "psnr", bootstrap: Bootstrap = DEFAULT_BOOTSTRAP
) -> pd.DataFrame:
    """One row per latent curve and Δ: the bpp within Δ of the ceiling, latent and pixel.

    Empty when the table has no score of `metric` (SSIMULACRA2 not measured).
    """
    if metric not in METRICS:
        raise LatentCodecError(f"operating points: unknown metric {metric!r}")
    means = ImageMeans(frame, bootstrap)
    if not means.has(SOURCE_COLUMN[metric]):
        return pd.DataFrame(columns=COLUMNS)
    curves = Curves(means, metric)
    settings = curves.settings
    pixels = settings[is_pixel(settings)].groupby("codec", sort=True).groups
    rows = []
    for model in sorted(set(settings.loc[~is_pixel(settings), "model"])):
        top = ceiling(settings, model).name
        of_model = settings[(settings["model"] == model) & ~is_uncoded(settings)]
        for delta in METRICS[metric][2]:
            level = curves.score[top] - delta
            levels = curves.score_replicates[top] - delta
            pixel_codec, pixel, pixel_replicates = best_pixel(curves, pixels, level, levels)
            for (codec, bits, packing), curve in of_model.groupby(CURVE_KEYS, sort=True):
                latent, latent_replicates = curves.read(curve.index, level, levels)
                row = {"model": model, "codec": codec, "bitdepth": bits, "packing": packing}
                row |= {"points": len(curve), "lossy": not curve["exact"].all()}
                row |= {"metric": metric, "delta": delta, "ceiling": curves.score[top]}
                row |= {"target": level, "images": len(means.images)}
                row |= {"resamples": bootstrap.resamples, "seed": bootstrap.seed}
                row |= estimate_columns("latent_bpp", latent.bpp, latent_replicates)
                row |= reading_columns("latent", latent)
                row |= {"pixel_codec": pixel_codec}
                row |= estimate_columns("pixel_bpp", pixel.bpp, pixel_replicates)
                row |= reading_columns("pixel", pixel)
                with np.errstate(invalid="ignore"):
                    ratios = latent_replicates / pixel_replicates
                rows.append(row | estimate_columns("bpp_ratio", latent.bpp / pixel.bpp, ratios))
    order = ["model", *CURVE_KEYS, "delta"]
    return pd.DataFrame(rows, columns=COLUMNS).sort_values(order, kind="stable", ignore_index=True)


def reading_columns(side: str, result: RateAtLevel) -> dict:
    """How `side`'s rate was read off its curve, as table columns (status, points, peak,
    bracket and its † flag)."""
    return {
        f"{side}_status": result.status,
        f"{side}_between": result.between,
        f"{side}_peak": result.peak,
        f"{side}_bracket": result.bracket,
        f"{side}_wide_bracket": result.wide_bracket,
    }


def best_pixel(curves: Curves, pixels: dict, level: float, levels: np.ndarray):
    """The pixel baseline that needs the fewest bits for `level`, or ("", NEVER); and per
    replicate the fewest bits any baseline needs (the best baseline may change)."""
    best = np.full(len(levels), np.nan)
    reached = []
    for codec, index in pixels.items():
        result, replicates = curves.read(index, level, levels)
        best = np.fmin(best, replicates)
        if not math.isnan(result.bpp):
            reached.append((result.bpp, codec, result))
    if not reached:
        status = NEVER if pixels and not math.isnan(level) else NO_DATA
        return "", RateAtLevel(math.nan, status), best
    _, codec, result = min(reached, key=lambda item: (item[0], item[1]))
    return codec, result, best


def operating_points_markdown(points: pd.DataFrame) -> str:
    """One table per Δ, curves ordered by the bpp they need (those that never reach it last)."""
    if points.empty:
        return "No latent curves in the results table.\n"
    first = points.iloc[0]
    name, unit, _ = METRICS[first["metric"]]
    parts = [
        _definition(first["metric"]),
        f"Rates and ratios with their 95 % intervals from a paired bootstrap over the "
        f"{first['images']} images ({first['resamples']} resamples, seed {first['seed']}); "
        f"† marks a rate interpolated between two measured rates more than "
        f"{WIDE_BRACKET:g}× apart; ≤ a rate read at its curve's lowest measured point (the "
        "codec may need fewer bits still), which makes a ratio a bound (≥ or ≤).",
    ]
    for delta, rows in points.groupby("delta", sort=True):
        targets = "; ".join(
            f"{model}: ceiling {group['ceiling'].iloc[0]:.2f} {unit}, level "
            f"{group['target'].iloc[0]:.2f} {unit}"
            for model, group in rows.groupby("model", sort=True)
        )
        lines = [
            f"**Within {delta:g} {unit} of the ceiling ({name})** — {targets}.",
            "",
            "| model | codec | bit depth | packing | latent bpp (95 % CI) | from points "
            "| best pixel codec | pixel bpp (95 % CI) | latent ÷ pixel (95 % CI) |",
            "|---|---|---:|---|---:|---|---|---:|---:|",
        ]
        ordered = rows.sort_values(["latent_bpp", "model", "codec"], na_position="last")
        for row in ordered.to_dict("records"):
            lines.append(
                f"| {row['model']} | {row['codec']} | {row['bitdepth']} | {row['packing']} | "
                f"{_rate_text(row, 'latent', unit)} | {cell_text(row['latent_between'])} | "
                f"{cell_text(row['pixel_codec']) or '—'} | {_rate_text(row, 'pixel', unit)} | "
                f"{ratio_text(row)} |"
            )
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def _definition(metric: str) -> str:
    """What an operating point on `metric` is: the first thing its table says."""
    if metric == "ssimulacra2":
        return (
            "The perceptual operating point: the smallest mean bpp whose mean SSIMULACRA2 is "
            f"within {SSIMULACRA2_MARGIN:g} points of the model's ceiling, about ten times the "
            "reference tool's own rounding spread and a fraction of the 10–15 points between "
            "adjacent JPEG or WebP quality steps."
        )
    return (
        "The smallest mean bpp at which each latent curve comes within Δ of its model's "
        "ceiling, read off the curve (linear in log bpp between the two points that bracket "
        "the first crossing; never extrapolated), beside the smallest bpp any pixel codec "
        "needs for the same level."
    )


def _rate_text(row: dict, side: str, unit: str) -> str:
    status, peak = row[f"{side}_status"], row[f"{side}_peak"]
    if status == NO_DATA:
        return "no data"
    if status == NEVER:
        text = "never" if math.isnan(peak) else f"never (peak {peak:.2f} {unit})"
    else:
        bpp = f"{row[f'{side}_bpp']:.3f}"
        text = f"≤ {bpp}" if status == AT_LOWEST_RATE else bpp
        text += _interval(row, f"{side}_bpp", ".3f")
    return text + wide_mark(row, side) + reached_note(row[f"{side}_bpp_reached"])


def wide_mark(row: dict, side: str) -> str:
    """ " †" when `side`'s rate was interpolated across a bracket wider than `WIDE_BRACKET`.

    A missing or NaN flag (no rate read) is no mark.
    """
    flag = row.get(f"{side}_wide_bracket")
    return " †" if isinstance(flag, (bool, np.bool_)) and flag else ""


def ratio_text(row: dict) -> str:
    """The latent ÷ pixel ratio of one operating point, e.g. "6.8× (6.1–7.6)".

    A rate read at its curve's lowest measured point is an upper bound, so the ratio is a
    bound too: "≥" when the pixel rate is, "≤" when the latent rate is (no sign when both
    are: the ratio could then go either way).
    """
    if math.isnan(row["bpp_ratio"]):
        return "—"
    bounds = (row.get("pixel_status") == AT_LOWEST_RATE, row.get("latent_status") == AT_LOWEST_RATE)
    bound = {(True, False): "≥ ", (False, True): "≤ "}.get(bounds, "")
    return f"{bound}{row['bpp_ratio']:.1f}×{_interval(row, 'bpp_ratio', '.1f')}" + reached_note(
        row["bpp_ratio_reached"]
    )


def _interval(row: dict, name: str, spec: str) -> str:
    low, high = row[f"{name}_low"], row[f"{name}_high"]
    return "" if math.isnan(low) else f" ({low:{spec}}–{high:{spec}})"


def write_operating_points(
    table: str | os.PathLike,
    psnr_csv: str | os.PathLike,
    psnr_markdown: str | os.PathLike,
    msssim_csv: str | os.PathLike,
    msssim_markdown: str | os.PathLike,
    ssimulacra2_csv: str | os.PathLike,
    ssimulacra2_markdown: str | os.PathLike,
    *,
    resamples: int = Bootstrap.resamples,
    seed: int = Bootstrap.seed,
) -> None:
    """The three operating-point tables; SSIMULACRA2's say so when it was not measured."""
    frame = read_table(table)
    bootstrap = Bootstrap(resamples, seed)
    for metric, csv, markdown in (
        ("psnr", psnr_csv, psnr_markdown),
        ("msssim_db", msssim_csv, msssim_markdown),
        ("ssimulacra2", ssimulacra2_csv, ssimulacra2_markdown),
    ):
        points = operating_points(frame, metric, bootstrap)
        write_csv(points, csv)
        text = operating_points_markdown(points)
        if points.empty and metric == "ssimulacra2":
            text = (
                f"No SSIMULACRA2 scores in {table} (column `ssimulacra2` absent or empty): "
                "no perceptual operating points.\n"
            )
        write_text_atomic(markdown, text)

"""The latent spaces side by side: the lead model's designed sweep, and every model's cost.

Two tables (and a figure) from files the workflow already wrote; no model runs here.

- `lead_table`: one model (the SDXL latent space's TAESDXL in the findings) through the
  experiment as designed — each selected setting's mean bpp, PSNR, SSIM and SSIMULACRA2,
  its gap to the model's ceiling, and the bpp pixel AVIF needs for the same mean PSNR,
  with 95 % intervals from the paired bootstrap over images (`latentcodec.bootstrap`).
- `latent_spaces_table`: per model, its ceiling, the cheapest latent curve's rate within
  0.5 dB of that ceiling and the best pixel codec's rate at the same PSNR (read from the
  operating-point table, intervals included), the perceptual operating point on
  SSIMULACRA2, and the bit depth the ceiling needs. `latent_spaces_figure` draws it: do
  bigger latent spaces cost more bytes?
"""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd

from latentcodec.bitdepth import SMALLEST_DELTA_DB
from latentcodec.bootstrap import Bootstrap, ImageMeans, estimate_columns
from latentcodec.errors import LatentCodecError
from latentcodec.io import write_text_atomic
from latentcodec.models import get_spec
from latentcodec.operating_points import ceiling, ratio_text
from latentcodec.readoff import AT_LOWEST_RATE, NEVER, rate_at_level, rates_at_level
from latentcodec.tables import CEILING_QUALITY, PIXEL_MODEL, read_table, write_csv

HEADLINE_DELTA_DB = 0.5  # the Δ below the ceiling the comparison of latent spaces is about
SCORES = ("psnr", "ssim", "ssimulacra2")


def lead_table(
    frame: pd.DataFrame,
    model: str,
    settings: dict[str, list[str]],
    pixel_codecs: list[str],
    bootstrap: Bootstrap,
) -> pd.DataFrame:
    """The ceiling and `settings` (codec → quality labels) of `model`, each beside the
    cheapest of `pixel_codecs` (pixel baselines) at the same mean PSNR."""
    means = ImageMeans(frame, bootstrap)
    table = means.settings
    if model not in set(table["model"]):
        raise LatentCodecError(f"findings.lead_model: {model!r} is not in the results table")
    missing = [name for name in pixel_codecs if name not in set(table["codec"])]
    if not pixel_codecs or missing:
        raise LatentCodecError(f"lead table: pixel AVIF baselines {missing or '(none)'} missing")
    rate, rate_replicates = means.means("bpp")
    psnr, psnr_replicates = means.means("psnr")
    scores = {name: means.means(name)[0] if means.has(name) else None for name in SCORES}
    top = ceiling(table, model).name
    chosen = [top] + [
        index
        for codec, labels in settings.items()
        for index in _indices(table, model, codec, labels)
    ]
    pixels = {
        name: table.index[(table["model"] == PIXEL_MODEL) & (table["codec"] == name)]
        for name in pixel_codecs
    }
    rows = []
    for index in chosen:
        setting = table.loc[index]
        row = {key: setting[key] for key in ("model", "codec", "bitdepth", "quality")}
        row["images"] = len(means.images)
        row |= estimate_columns("bpp", rate[index], rate_replicates[index])
        row |= {
            name: np.nan if values is None else values[index] for name, values in scores.items()
        }
        row["gap_to_ceiling_db"] = psnr[top] - psnr[index]
        best = (np.nan, "", NEVER)
        best_replicates = np.full(bootstrap.resamples, np.nan)
        for name, curve in pixels.items():
            point = rate_at_level(rate[curve], psnr[curve], psnr[index])
            replicates = rates_at_level(
                rate_replicates[curve].T, psnr_replicates[curve].T, psnr_replicates[index]
            )
            best_replicates = np.fmin(best_replicates, replicates)
            if not math.isnan(point.bpp) and not point.bpp >= best[0]:
                best = (point.bpp, name, point.status)
        row["pixel_codec"], row["pixel_status"] = best[1], best[2]
        row |= estimate_columns("pixel_bpp", best[0], best_replicates)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratios = rate_replicates[index] / best_replicates
        if index == top:  # the raw float latent is no file anyone would keep: no ratio
            ratios = np.full_like(ratios, np.nan)
        row |= estimate_columns(
            "bpp_ratio", rate[index] / best[0] if index != top else np.nan, ratios
        )
        rows.append(row)
    return pd.DataFrame(rows)


def _indices(table: pd.DataFrame, model: str, codec: str, labels: list[str]) -> list:
    """The settings of one codec at the given quality labels, by bit depth then label."""
    rows = table[(table["model"] == model) & (table["codec"] == codec)]
    rows = rows[rows["quality"].isin(labels)]
    order = rows["quality"].map({label: rank for rank, label in enumerate(labels)})
    return list(rows.assign(order=order).sort_values(["bitdepth", "order"]).index)


def bounded_ratio_text(row: dict) -> str:
    """`ratio_text`, with "≥" when the pixel rate is an upper bound (read at the pixel grid's
    lowest point), which makes the ratio a lower bound."""
    text = ratio_text(row)
    return f"≥ {text}" if row.get("pixel_status") == AT_LOWEST_RATE and text != "—" else text


def lead_markdown(table: pd.DataFrame) -> str:
    """The lead table as Markdown: one line per setting, the ceiling first; "≤" marks a pixel
    rate read at the pixel grid's lowest point (the pixel codec may need fewer bits still)."""
    lines = [
        "| setting | bits | bpp (95 % CI) | PSNR (dB) | SSIM | SSIMULACRA2 | below ceiling (dB) "
        "| pixel AVIF bpp at equal PSNR (95 % CI) | latent ÷ pixel (95 % CI) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in table.to_dict("records"):
        top = row["quality"] == CEILING_QUALITY
        name = "ceiling (float latent)" if top else row["codec"]
        label = "" if top else f" {row['quality']}"
        bits = "float" if top else str(row["bitdepth"])
        pixel = "never" if math.isnan(row["pixel_bpp"]) else _with_interval(row, "pixel_bpp")
        if row["pixel_status"] == AT_LOWEST_RATE:  # the pixel grid's lowest point: an upper bound
            pixel = f"≤ {pixel}"
        lines.append(
            f"| {name}{label} | {bits} | {_with_interval(row, 'bpp')} | {row['psnr']:.2f} | "
            f"{row['ssim']:.4f} | {_score(row['ssimulacra2'])} | "
            f"{row['gap_to_ceiling_db']:.2f} | {pixel} ({row['pixel_codec'] or '—'}) | "
            f"{bounded_ratio_text(row)} |"
        )
    first = table.iloc[0]
    return (
        f"{first['model']} ({get_spec(first['model']).latent_space} latent space), means over "
        f"{first['images']} images; intervals from a paired bootstrap over images.\n\n"
        + "\n".join(lines)
        + "\n"
    )


def latent_spaces_table(
    psnr_points: pd.DataFrame, ssimulacra2_points: pd.DataFrame, bitdepth_gain: pd.DataFrame
) -> pd.DataFrame:
    """Per model: the cheapest curve within `HEADLINE_DELTA_DB` of the ceiling beside the
    best pixel codec, the perceptual operating point, and the bits the ceiling needs."""
    rows = []
    for model, points in psnr_points.groupby("model", sort=False):
        spec = get_spec(model)
        row = {"model": model, "latent_space": spec.latent_space, "channels": spec.channels}
        row |= _cheapest(points[points["delta"] == HEADLINE_DELTA_DB], "")
        perceptual = ssimulacra2_points[ssimulacra2_points["model"] == model]
        row |= _cheapest(perceptual, "ssimulacra2_")
        gain = bitdepth_gain[bitdepth_gain["model"] == model]
        enough = gain[gain["gap_to_ceiling_db"] <= SMALLEST_DELTA_DB]["bitdepth"]
        row["ceiling_bits"] = int(enough.min()) if len(enough) else np.nan
        rows.append(row)
    return pd.DataFrame(rows).sort_values(["channels", "model"], ignore_index=True)


def _cheapest(points: pd.DataFrame, prefix: str) -> dict:
    """The operating point with the smallest latent rate, as columns named with `prefix`."""
    keep = ["ceiling", "codec", "bitdepth", "packing", "pixel_codec", "pixel_status"] + [
        f"{side}{end}"
        for side in ("latent_bpp", "pixel_bpp", "bpp_ratio")
        for end in ("", "_low", "_high", "_reached")
    ]
    reached = points[points["latent_bpp"].notna()]
    if reached.empty:
        return {f"{prefix}{key}": np.nan for key in keep}
    best = reached.loc[reached["latent_bpp"].idxmin()]
    return {f"{prefix}{key}": best[key] for key in keep}


def latent_spaces_markdown(table: pd.DataFrame) -> str:
    lines = [
        "| model | latent space | channels | ceiling PSNR (dB) | bits the ceiling needs "
        f"| cheapest latent within {HEADLINE_DELTA_DB:g} dB | latent bpp (95 % CI) "
        "| best pixel codec | pixel bpp (95 % CI) | latent ÷ pixel (95 % CI) "
        "| SSIMULACRA2 op. point: latent ÷ pixel |",
        "|---|---|---:|---:|---:|---|---:|---|---:|---:|---:|",
    ]
    for row in table.to_dict("records"):
        curve = f"{row['codec']} {row['bitdepth']}-bit" if isinstance(row["codec"], str) else "—"
        perceptual = {key.removeprefix("ssimulacra2_"): value for key, value in row.items()}
        lines.append(
            f"| {row['model']} | {row['latent_space']} | {row['channels']} | "
            f"{row['ceiling']:.2f} | {_bits(row['ceiling_bits'])} | {curve} | "
            f"{_with_interval(row, 'latent_bpp')} | {row['pixel_codec']} | "
            f"{_pixel_text(row)} | {bounded_ratio_text(row)} | "
            f"{bounded_ratio_text(perceptual)} |"
        )
    return "\n".join(lines) + "\n"


def latent_spaces_figure(table: pd.DataFrame):
    """bpp within 0.5 dB of each model's ceiling, latent beside pixel, models by channels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (rates, ceilings) = plt.subplots(
        1, 2, figsize=(10, 4), gridspec_kw={"width_ratios": [2, 1]}, layout="constrained"
    )
    positions = np.arange(len(table))
    labels = [f"{row.model}\n{row.latent_space}, {row.channels} ch" for row in table.itertuples()]
    for side, marker, offset, name in (
        ("latent_bpp", "o", -0.08, "latent (cheapest codec)"),
        ("pixel_bpp", "s", 0.08, "best pixel codec, same PSNR"),
    ):
        values = table[side].to_numpy(float)
        errors = np.abs(table[[f"{side}_low", f"{side}_high"]].to_numpy(float).T - values)
        rates.errorbar(positions + offset, values, yerr=errors, fmt=marker, capsize=4, label=name)
    for row, position in zip(table.itertuples(), positions, strict=True):
        if not math.isnan(row.bpp_ratio):
            rates.annotate(
                f"{row.bpp_ratio:.1f}×",
                (position, row.latent_bpp),
                xytext=(12, 0),
                textcoords="offset points",
                va="center",
            )
    rates.set_yscale("log")
    rates.set_ylabel(f"bpp within {HEADLINE_DELTA_DB:g} dB of the ceiling (95 % CI)")
    rates.set_xticks(positions, labels)
    rates.legend(loc="upper left")
    rates.grid(True, which="both", axis="y", alpha=0.3)
    ceilings.bar(positions, table["ceiling"], color="grey")
    ceilings.set_ylim(table["ceiling"].min() - 3, table["ceiling"].max() + 1)
    ceilings.set_xticks(positions, table["model"], rotation=30)
    ceilings.set_ylabel("ceiling PSNR (dB)")
    figure.suptitle("Do bigger latent spaces cost more bytes?")
    return figure


def write_lead_table(
    table: str | os.PathLike,
    csv: str | os.PathLike,
    markdown: str | os.PathLike,
    *,
    model: str,
    settings: dict[str, list[str]],
    pixel_codecs: list[str],
    resamples: int,
    seed: int,
) -> None:
    result = lead_table(
        read_table(table), model, settings, pixel_codecs, Bootstrap(resamples, seed)
    )
    write_csv(result, csv)
    write_text_atomic(markdown, lead_markdown(result))


def write_latent_spaces(
    psnr_points: str | os.PathLike,
    ssimulacra2_points: str | os.PathLike,
    bitdepth_gain: str | os.PathLike,
    csv: str | os.PathLike,
    markdown: str | os.PathLike,
    figure: str | os.PathLike,
) -> None:
    from latentcodec.plots import save_figure

    frames = [_read_csv(path) for path in (psnr_points, ssimulacra2_points, bitdepth_gain)]
    result = latent_spaces_table(*frames)
    write_csv(result, csv)
    write_text_atomic(markdown, latent_spaces_markdown(result))
    save_figure(latent_spaces_figure(result), {"png": figure})


def _read_csv(path: str | os.PathLike) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise LatentCodecError(f"{path}: cannot read the table ({error})") from error


def _with_interval(row: dict, name: str) -> str:
    value, low, high = row[name], row[f"{name}_low"], row[f"{name}_high"]
    if math.isnan(value):
        return "—"
    interval = "" if math.isnan(low) else f" ({low:.3f}–{high:.3f})"
    return f"{value:.3f}{interval}"


def _pixel_text(row: dict) -> str:
    text = _with_interval(row, "pixel_bpp")
    return f"≤ {text}" if row.get("pixel_status") == AT_LOWEST_RATE and text != "—" else text


def _score(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.1f}"


def _bits(value: float) -> str:
    return "> measured" if math.isnan(value) else f"{int(value)}"

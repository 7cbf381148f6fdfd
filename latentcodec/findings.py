"""The research question answered from the results: operating points, bytes, findings.md.

All from files the workflow already wrote; no model runs here.

- `operating_points`: for each latent curve (model × codec × bit depth × packing, means
  over images) and each Δ in `DELTAS_DB`, the smallest mean bpp at which the curve comes
  within Δ of its model's ceiling (the float latent decoded without quantisation), beside
  the smallest bpp any pixel baseline needs for the same level, and their ratio. On PSNR,
  or on MS-SSIM in dB (−10·log10(1 − MS-SSIM)).
- `channel_table`: per latent channel of one model, its float range, its empirical
  entropy at each bit depth, and its share of the bytes when each channel is stored alone
  by a lossless codec: where the bytes of a lossless latent go.
- `bitdepth_gain_table`: the quantised latent decoded without a codec, per bit depth:
  the PSNR each extra bit buys and what is left to the ceiling.
- `findings_markdown`: findings.md, every number filled in from those tables.

The rate at a level (`rate_at_level`) is read off the curve, never extrapolated: points
in increasing bpp, the first pair that brackets the level, linear in log bpp between them.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from latentcodec.codecs import CODECS, get_codec
from latentcodec.compare import msssim_db
from latentcodec.errors import LatentCodecError
from latentcodec.io import load_arrays, write_text_atomic
from latentcodec.tables import CEILING_CODEC, PIXEL_MODEL, read_table, summarize, write_csv

DELTAS_DB = (0.1, 0.5, 1.0)
CEILING_QUALITY = "float32"
QUANTIZED_QUALITY = "quantized"
HEADLINE_DELTA_DB = 0.5  # the Δ the findings' first sentence is about
SDXL_MODEL = "sdxl-vae-fp16-fix"  # the default config's model; needs a download to run

INTERPOLATED = "interpolated"
AT_LOWEST_RATE = "at lowest measured rate"
SINGLE_POINT = "single point"
NEVER = "never"
NO_DATA = "no data"

METRIC_LABELS = {"psnr": ("PSNR", "dB"), "msssim_db": ("MS-SSIM", "dB")}


@dataclass(frozen=True)
class RateAtLevel:
    """Where a rate-quality curve first reaches a quality level."""

    bpp: float  # NaN when the curve never reaches the level
    status: str  # INTERPOLATED, AT_LOWEST_RATE, SINGLE_POINT, NEVER or NO_DATA
    between: str = ""  # labels of the points used, e.g. "q42–lossless"
    peak: float = math.nan  # the curve's best quality, to say how far a NEVER falls short


def rate_at_level(
    bpp: Sequence[float],
    quality: Sequence[float],
    level: float,
    labels: Sequence[str] | None = None,
) -> RateAtLevel:
    """The smallest rate at which the curve's quality reaches `level`, read off the curve.

    Points are taken in increasing bpp; the first one at or above `level` ends the search.
    If it is the lowest-rate point its bpp is returned flagged AT_LOWEST_RATE (the curve
    may reach the level at still lower rates, unmeasured); otherwise the bpp is
    interpolated between it and the point before it, quality linear in log bpp. A curve
    that is not monotone thus gives its first crossing. A one-point curve (a lossless
    setting) is just its point. Points with a NaN quality (MS-SSIM of tiny images) are left out.
    """
    rates = np.asarray(bpp, dtype=np.float64)
    values = np.asarray(quality, dtype=np.float64)
    names = list(labels) if labels is not None else [f"{rate:.4g} bpp" for rate in rates]
    if rates.shape != values.shape or len(names) != len(rates):
        raise LatentCodecError(
            f"a curve needs one quality and one label per rate, got {len(rates)} rates, "
            f"{len(values)} qualities and {len(names)} labels"
        )
    keep = ~np.isnan(values)
    if np.any(rates[keep] <= 0):
        raise LatentCodecError(f"rates must be > 0 to be compared in log bpp, got {rates}")
    if not keep.any() or math.isnan(level):
        return RateAtLevel(math.nan, NO_DATA)
    order = np.argsort(rates[keep], kind="stable")
    rates, values = rates[keep][order], values[keep][order]
    names = [name for name, kept in zip(names, keep, strict=True) if kept]
    names = [names[index] for index in order]
    peak = float(values.max())
    reached = np.flatnonzero(values >= level)
    if reached.size == 0:
        return RateAtLevel(math.nan, NEVER, peak=peak)
    first = int(reached[0])
    if len(rates) == 1:
        return RateAtLevel(float(rates[0]), SINGLE_POINT, names[0], peak)
    if first == 0:
        return RateAtLevel(float(rates[0]), AT_LOWEST_RATE, names[0], peak)
    low, high = first - 1, first
    fraction = (level - values[low]) / (values[high] - values[low])
    log_rate = np.log(rates[low]) + fraction * (np.log(rates[high]) - np.log(rates[low]))
    return RateAtLevel(float(np.exp(log_rate)), INTERPOLATED, f"{names[low]}–{names[high]}", peak)


def _with_metric(summary: pd.DataFrame, metric: str) -> pd.DataFrame:
    if metric not in METRIC_LABELS:
        raise LatentCodecError(f"operating points: unknown metric {metric!r}")
    summary = summary.copy()
    if metric == "msssim_db":
        summary["msssim_db"] = [
            math.nan if pd.isna(value) else msssim_db(value) for value in summary["msssim"]
        ]
    return summary


def _ceiling(summary: pd.DataFrame, model: str) -> pd.Series:
    rows = summary[
        (summary["model"] == model)
        & (summary["codec"] == CEILING_CODEC)
        & (summary["quality"] == CEILING_QUALITY)
    ]
    if len(rows) != 1:
        raise LatentCodecError(
            f"results table: expected one ceiling setting (codec {CEILING_CODEC!r}, quality "
            f"{CEILING_QUALITY!r}) for model {model!r}, found {len(rows)}"
        )
    return rows.iloc[0]


def operating_points(frame: pd.DataFrame, metric: str = "psnr") -> pd.DataFrame:
    """One row per latent curve and Δ: the bpp within Δ of the ceiling, latent and pixel."""
    summary = _with_metric(summarize(frame), metric)
    pixels = {
        codec: curve
        for codec, curve in summary[summary["model"] == PIXEL_MODEL].groupby("codec", sort=True)
    }
    rows = []
    for model in sorted(set(summary["model"]) - {PIXEL_MODEL}):
        ceiling = _ceiling(summary, model)[metric]
        of_model = summary[(summary["model"] == model) & (summary["codec"] != CEILING_CODEC)]
        for (codec, bits, packing), curve in of_model.groupby(
            ["codec", "bitdepth", "packing"], sort=True
        ):
            for delta in DELTAS_DB:
                target = ceiling - delta
                latent = _read_off(curve, metric, target)
                pixel_codec, pixel = _best_pixel(pixels, metric, target)
                rows.append(
                    {
                        "model": model,
                        "codec": codec,
                        "bitdepth": bits,
                        "packing": packing,
                        "points": len(curve),
                        "lossy": not curve["exact"].all(),
                        "metric": metric,
                        "delta_db": delta,
                        "ceiling": ceiling,
                        "target": target,
                        "latent_bpp": latent.bpp,
                        "latent_status": latent.status,
                        "latent_between": latent.between,
                        "latent_peak": latent.peak,
                        "pixel_codec": pixel_codec,
                        "pixel_bpp": pixel.bpp,
                        "pixel_status": pixel.status,
                        "bpp_ratio": latent.bpp / pixel.bpp,
                    }
                )
    return pd.DataFrame(rows)


def _read_off(curve: pd.DataFrame, metric: str, level: float) -> RateAtLevel:
    return rate_at_level(curve["bpp"], curve[metric], level, labels=curve["quality"].tolist())


def _best_pixel(pixels: dict, metric: str, level: float) -> tuple[str, RateAtLevel]:
    """The pixel baseline that needs the fewest bits for `level`, or ("", NEVER)."""
    reached = [
        (result.bpp, codec, result)
        for codec, curve in pixels.items()
        if not math.isnan((result := _read_off(curve, metric, level)).bpp)
    ]
    if not reached:
        return "", RateAtLevel(math.nan, NEVER if pixels and not math.isnan(level) else NO_DATA)
    _, codec, result = min(reached, key=lambda item: (item[0], item[1]))
    return codec, result


def operating_points_markdown(points: pd.DataFrame) -> str:
    """One table per Δ, curves ordered by the bpp they need (those that never reach it last)."""
    if points.empty:
        return "No latent curves in the results table.\n"
    metric = points["metric"].iloc[0]
    name, unit = METRIC_LABELS[metric]
    parts = []
    for delta, rows in points.groupby("delta_db", sort=True):
        targets = "; ".join(
            f"{model}: ceiling {group['ceiling'].iloc[0]:.2f} {unit}, level "
            f"{group['target'].iloc[0]:.2f} {unit}"
            for model, group in rows.groupby("model", sort=True)
        )
        lines = [
            f"**Within {delta:g} {unit} of the ceiling ({name})** — {targets}.",
            "",
            "| model | codec | bit depth | packing | latent bpp | from points "
            "| best pixel codec | pixel bpp | latent ÷ pixel |",
            "|---|---|---:|---|---:|---|---|---:|---:|",
        ]
        ordered = rows.sort_values(["latent_bpp", "model", "codec"], na_position="last")
        for row in ordered.itertuples(index=False):
            lines.append(
                f"| {row.model} | {row.codec} | {row.bitdepth} | {row.packing} | "
                f"{_rate_text(row.latent_bpp, row.latent_status, row.latent_peak, unit)} | "
                f"{_text(row.latent_between)} | {_text(row.pixel_codec) or '—'} | "
                f"{_rate_text(row.pixel_bpp, row.pixel_status, math.nan, unit)} | "
                f"{_ratio_text(row.bpp_ratio)} |"
            )
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def _rate_text(bpp: float, status: str, peak: float, unit: str) -> str:
    if status == NEVER:
        return "never" if math.isnan(peak) else f"never (peak {peak:.2f} {unit})"
    if status == NO_DATA:
        return "no data"
    text = f"{bpp:.3f}"
    return f"≤ {text} (at lowest measured rate)" if status == AT_LOWEST_RATE else text


def _text(value) -> str:
    """A string cell read back from CSV: empty cells come back as NaN."""
    return "" if isinstance(value, float) and math.isnan(value) else str(value)


def _ratio_text(ratio: float) -> str:
    return "—" if math.isnan(ratio) else f"{ratio:.1f}×"


def write_operating_points(
    table: str | os.PathLike,
    psnr_csv: str | os.PathLike,
    psnr_markdown: str | os.PathLike,
    msssim_csv: str | os.PathLike,
    msssim_markdown: str | os.PathLike,
) -> None:
    frame = read_table(table)
    for metric, csv, markdown in (
        ("psnr", psnr_csv, psnr_markdown),
        ("msssim_db", msssim_csv, msssim_markdown),
    ):
        points = operating_points(frame, metric)
        write_csv(points, csv)
        write_text_atomic(markdown, operating_points_markdown(points))


def bitdepth_gain_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per model and bit depth, the quantised latent without a codec against the ceiling."""
    summary = summarize(frame)
    rows = []
    for model in sorted(set(summary["model"]) - {PIXEL_MODEL}):
        ceiling = _ceiling(summary, model)
        quantized = summary[
            (summary["model"] == model)
            & (summary["codec"] == CEILING_CODEC)
            & (summary["quality"] == QUANTIZED_QUALITY)
        ].sort_values("bitdepth")
        previous = None
        for row in quantized.itertuples(index=False):
            gain = math.nan if previous is None else row.psnr - previous.psnr
            added_bits = math.nan if previous is None else row.bitdepth - previous.bitdepth
            rows.append(
                {
                    "model": model,
                    "bitdepth": row.bitdepth,
                    "images": row.images,
                    "bpp": row.bpp,
                    "psnr": row.psnr,
                    "msssim": row.msssim,
                    "gain_db": gain,
                    "gain_per_bit_db": gain / added_bits,
                    "ceiling_psnr": ceiling["psnr"],
                    "gap_to_ceiling_db": ceiling["psnr"] - row.psnr,
                }
            )
            previous = row
    return pd.DataFrame(rows)


def write_bitdepth_gain(table: str | os.PathLike, output: str | os.PathLike) -> None:
    write_csv(bitdepth_gain_table(read_table(table)), output)


def bitdepth_gain_markdown(gain: pd.DataFrame) -> str:
    lines = [
        "| model | bit depth | raw bpp | PSNR (dB) | gained over the previous depth (dB) "
        "| per extra bit (dB) | below the ceiling (dB) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in gain.itertuples(index=False):
        lines.append(
            f"| {row.model} | {row.bitdepth} | {row.bpp:.3f} | {row.psnr:.3f} | "
            f"{_signed(row.gain_db)} | {_signed(row.gain_per_bit_db)} | "
            f"{row.gap_to_ceiling_db:.4f} |"
        )
    return "\n".join(lines) + "\n"


def _signed(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:+.4f}"


def lossless_single_plane_codecs(codecs: dict[str, dict], bits: int) -> dict[str, dict]:
    """The configured codecs (and PNG) that can store one plane of `bits` bits losslessly."""
    chosen = {}
    for name, options in {"png": {}, **codecs}.items():
        codec_class = CODECS[name]
        lossless_capable = (
            codec_class.quality_range is None or codec_class.lossless_quality is not None
        )
        if lossless_capable and 1 in codec_class.planes and bits in codec_class.bit_depths:
            chosen[name] = options
    return chosen


def channel_table(
    latents: Sequence[str | os.PathLike],
    quantized: Sequence[str | os.PathLike],
    codecs: dict[str, dict],
) -> pd.DataFrame:
    """Per channel and bit depth: float range, entropy, and each lossless codec's bytes.

    `latents` are the float latents (key "latent", (C, h, w)); `quantized` the integer
    latents of every bit depth (key "values", grouped by their own "bits"); `codecs` the
    configured codecs and their options. Entropy is of the integers pooled over images
    (each image is quantised over its own per-channel range, so the pooled histogram mixes
    scales a little). Each channel is stored alone as a one-plane image by every codec of
    `lossless_single_plane_codecs`; `{codec}_share` is its part of the sum over channels.
    """
    if not latents or not quantized:
        raise LatentCodecError("channel statistics need float and quantised latent files")
    floats = [load_arrays(path, "latent")["latent"].astype(np.float64) for path in latents]
    channels = {latent.shape[0] for latent in floats}
    if len(channels) != 1:
        raise LatentCodecError(f"{latents[0]}: latents disagree on the channel count {channels}")
    (count,) = channels
    stacked = [latent.reshape(count, -1) for latent in floats]
    pooled = np.concatenate(stacked, axis=1)
    by_bits: dict[int, list] = defaultdict(list)
    for path in quantized:
        arrays = load_arrays(path, "values", "bits")
        if arrays["values"].ndim != 3 or arrays["values"].shape[0] != count:
            raise LatentCodecError(
                f"{path}: expected {count} channels, found shape {arrays['values'].shape}"
            )
        by_bits[int(arrays["bits"])].append(arrays["values"])
    rows = []
    for bits in sorted(by_bits):
        chosen = lossless_single_plane_codecs(codecs, bits)
        sizes = {
            name: _channel_bytes(by_bits[bits], bits, name, opts) for name, opts in chosen.items()
        }
        values_per_channel = sum(values[0].size for values in by_bits[bits])
        for channel in range(count):
            row = {
                "channel": channel,
                "bitdepth": bits,
                "min": float(pooled[channel].min()),
                "max": float(pooled[channel].max()),
                "mean": float(pooled[channel].mean()),
                "std": float(pooled[channel].std()),
                "entropy_bits": _entropy(by_bits[bits], channel, bits),
            }
            for name, per_channel in sizes.items():
                row[f"{name}_bytes"] = int(per_channel[channel])
                row[f"{name}_bits_per_value"] = per_channel[channel] * 8 / values_per_channel
                row[f"{name}_share"] = per_channel[channel] / per_channel.sum()
            rows.append(row)
    return pd.DataFrame(rows)


def _entropy(images: list[np.ndarray], channel: int, bits: int) -> float:
    """Empirical entropy in bits per value of one channel's integers, pooled over images."""
    counts = sum(np.bincount(values[channel].ravel(), minlength=2**bits) for values in images)
    probabilities = counts[counts > 0] / counts.sum()
    return float(-(probabilities * np.log2(probabilities)).sum())


def _channel_bytes(images: list[np.ndarray], bits: int, name: str, options: dict) -> np.ndarray:
    """Bytes of each channel stored alone, summed over images."""
    codec = get_codec(name, **options)
    quality = CODECS[name].lossless_quality
    totals = np.zeros(images[0].shape[0], dtype=np.int64)
    for values in images:
        for channel, plane in enumerate(values):
            totals[channel] += len(codec.encode(plane[:, :, None], bits, quality))
    return totals


def write_channel_table(
    latents: Sequence[str | os.PathLike],
    quantized: Sequence[str | os.PathLike],
    output: str | os.PathLike,
    codecs: dict[str, dict],
) -> None:
    write_csv(channel_table(latents, quantized, codecs), output)


@dataclass(frozen=True)
class FindingsInputs:
    """The tables findings.md is built from, already read."""

    metrics: pd.DataFrame
    psnr_points: pd.DataFrame
    msssim_points: pd.DataFrame
    bitdepth_gain: pd.DataFrame
    channels: dict[str, pd.DataFrame]  # model → its channel table
    figures: list[str]  # paths relative to the run folder
    dataset: str
    run: str


def findings_markdown(inputs: FindingsInputs) -> str:
    """findings.md: the answer in a few sentences, then the tables it rests on, then limits."""
    metrics = inputs.metrics
    models = sorted(set(metrics["model"]) - {PIXEL_MODEL})
    images = metrics["image"].nunique()
    sections = [
        f"# Findings: run `{inputs.run}`",
        f"Dataset `{inputs.dataset}`, {images} images; model(s) {_names(models)}. "
        "Every number below is a mean over the images, computed from this run's tables "
        "(`metrics.csv`, `operating_points.csv`, `bitdepth_gain.csv`, `<model>/channels.csv`).",
        "## Answer",
        "\n".join(f"- {sentence}" for sentence in _answer(inputs, models)),
        "## Operating points on PSNR",
        "The smallest mean bpp at which each latent curve comes within Δ of its model's "
        "ceiling (the float latent decoded without quantisation), read off the curve (linear "
        "in log bpp between the two points that bracket the first crossing; never "
        "extrapolated), beside the smallest bpp any pixel codec needs for the same PSNR.",
        operating_points_markdown(inputs.psnr_points).rstrip(),
        "## Operating points on MS-SSIM",
        "The same on MS-SSIM in dB (−10·log10(1 − MS-SSIM)).",
        operating_points_markdown(inputs.msssim_points).rstrip(),
        "## What bit depth the ceiling needs",
        "The quantised latent decoded without a codec (raw packed integers) at each bit depth.",
        bitdepth_gain_markdown(inputs.bitdepth_gain).rstrip(),
        "## Figures",
        "\n".join(f"- `figures/{Path(figure).name}`" for figure in inputs.figures) or "No figures.",
        "## Limits",
        "\n".join(f"- {sentence}" for sentence in _limits(models)),
    ]
    return "\n\n".join(sections) + "\n"


def _answer(inputs: FindingsInputs, models: list[str]) -> list[str]:
    sentences = []
    summary = summarize(inputs.metrics)
    for model in models:
        ceiling = _ceiling(summary, model)
        sentences.append(
            f"`{model}` ceiling (float latent, no quantisation): {ceiling['psnr']:.2f} dB PSNR, "
            f"MS-SSIM {ceiling['msssim']:.4f}."
        )
        sentences.append(_pixel_ceiling_sentence(inputs.psnr_points, model))
        sentences.append(_lossy_sentence(inputs.psnr_points, model))
        sentences.append(_lossless_sentence(summary, model))
        sentences.append(_bitdepth_sentence(inputs.bitdepth_gain, model))
        if model in inputs.channels:
            sentences.append(_channel_sentence(inputs.channels[model], model))
    return [sentence for sentence in sentences if sentence]


def _pixel_ceiling_sentence(points: pd.DataFrame, model: str) -> str:
    """What the ceiling costs a pixel codec: the bar every latent setting is measured by."""
    delta = min(DELTAS_DB)
    rows = points[(points["model"] == model) & (points["delta_db"] == delta)]
    if rows.empty or math.isnan(rows["pixel_bpp"].iloc[0]):
        return ""
    row = rows.iloc[0]
    return (
        f"A pixel codec on the original images gets within {delta:g} dB of that ceiling "
        f"({row.target:.2f} dB) at {row.pixel_bpp:.3f} bpp ({row.pixel_codec})."
    )


def _lossy_sentence(points: pd.DataFrame, model: str) -> str:
    rows = points[
        (points["model"] == model) & points["lossy"] & (points["delta_db"] == HEADLINE_DELTA_DB)
    ].dropna(subset=["latent_bpp"])
    if rows.empty:
        return (
            f"No lossy latent codec of `{model}` comes within {HEADLINE_DELTA_DB:g} dB of the "
            "ceiling at the measured settings."
        )
    best = rows.sort_values(["latent_bpp", "codec"]).iloc[0]
    where = (
        f"at {best.latent_bpp:.3f} bpp"
        if best.latent_status != AT_LOWEST_RATE
        else f"already at its lowest measured rate, {best.latent_bpp:.3f} bpp"
    )
    text = (
        f"The best lossy latent codec, {_setting(best)}, reaches within {HEADLINE_DELTA_DB:g} dB "
        f"of the `{model}` ceiling ({best.target:.2f} dB) {where}"
    )
    if math.isnan(best.pixel_bpp):
        return text + "; no pixel codec reaches that PSNR at its measured settings."
    return (
        text + f", where pixel {best.pixel_codec} needs {best.pixel_bpp:.3f} bpp for the same "
        f"PSNR: {best.bpp_ratio:.1f}× "
        + ("the bytes." if best.bpp_ratio >= 1 else "the bytes (fewer than pixels).")
    )


def _lossless_sentence(summary: pd.DataFrame, model: str) -> str:
    """The smallest lossless file among the bit depths that keep the ceiling (within the
    smallest Δ): a lossless file of a coarser latent is small only because it lost more."""
    of_model = summary[summary["model"] == model]
    lossless = of_model[of_model["exact"] & (of_model["codec"] != CEILING_CODEC)]
    ceiling = of_model[
        (of_model["codec"] == CEILING_CODEC) & (of_model["quality"] == CEILING_QUALITY)
    ]
    quantised = of_model[
        (of_model["codec"] == CEILING_CODEC) & (of_model["quality"] == QUANTIZED_QUALITY)
    ]
    if not ceiling.empty:
        level = ceiling["psnr"].iloc[0] - min(DELTAS_DB)
        enough = set(quantised.loc[quantised["psnr"] >= level, "bitdepth"])
        if enough:
            lossless = lossless[lossless["bitdepth"].isin(enough)]
    if lossless.empty:
        return ""
    best = lossless.sort_values(["bpp", "codec"]).iloc[0]
    raw = of_model[
        (of_model["codec"] == CEILING_CODEC)
        & (of_model["quality"] == QUANTIZED_QUALITY)
        & (of_model["bitdepth"] == best.bitdepth)
    ]
    text = (
        f"Lossless, at a bit depth that keeps the ceiling, the smallest `{model}` latent is "
        f"{_setting(best)} at {best.bpp:.3f} bpp "
        f"({best.psnr:.2f} dB)"
    )
    if raw.empty:
        return text + "."
    raw_bpp = raw["bpp"].iloc[0]
    return text + (
        f": {best.bpp / raw_bpp:.0%} of the raw {best.bitdepth}-bit integers "
        f"({raw_bpp:.3f} bpp, side information included)."
    )


def _bitdepth_sentence(gain: pd.DataFrame, model: str) -> str:
    rows = gain[gain["model"] == model].sort_values("bitdepth")
    if rows.empty:
        return ""
    smallest_delta = min(DELTAS_DB)
    enough = rows[rows["gap_to_ceiling_db"] <= smallest_delta + 1e-9]  # float sums round
    if enough.empty:
        finest = rows.iloc[-1]
        return (
            f"Even {finest.bitdepth}-bit quantisation stays {finest.gap_to_ceiling_db:.3f} dB "
            f"below the `{model}` ceiling."
        )
    first = enough.iloc[0]
    text = (
        f"{first.bitdepth}-bit quantisation already comes within {first.gap_to_ceiling_db:.3f} "
        f"dB of the `{model}` ceiling (the smallest measured depth within {smallest_delta:g} dB)"
    )
    later = rows[rows["bitdepth"] > first.bitdepth]
    if later.empty:
        return text + "."
    following = later.iloc[0]
    return text + (
        f"; going to {following.bitdepth} bits adds {following.gain_db:+.4f} dB "
        f"for {following.bpp - first.bpp:.3f} more raw bpp."
    )


def _channel_sentence(channels: pd.DataFrame, model: str) -> str:
    """At 8 bits where measured (the usual latent depth), else the smallest measured."""
    bits = 8 if (channels["bitdepth"] == 8).any() else channels["bitdepth"].min()
    rows = channels[channels["bitdepth"] == bits]
    count = len(rows)
    text = (
        f"Across its {count} channels at {bits} bits, `{model}`'s entropy ranges from "
        f"{rows['entropy_bits'].min():.2f} to {rows['entropy_bits'].max():.2f} bits/value"
    )
    if "png_share" not in rows:
        return text + "."
    largest = rows.loc[rows["png_share"].idxmax()]
    smallest = rows.loc[rows["png_share"].idxmin()]
    return text + (
        f"; stored one channel per PNG, channel {int(largest.channel)} takes "
        f"{largest.png_share:.1%} of the bytes and channel {int(smallest.channel)} "
        f"{smallest.png_share:.1%} (an even split: {1 / count:.1%})."
    )


def _setting(row) -> str:
    return f"{row.codec} {row.bitdepth}-bit {row.packing}"


def _names(models: list[str]) -> str:
    return ", ".join(f"`{model}`" for model in models) or "none"


def _limits(models: list[str]) -> list[str]:
    limits = [
        f"Measured here: {_names(models)}. Operating points are read "
        "off the measured settings of each codec: a finer quality grid could move them; "
        'a level a curve does not reach says "never", and a level reached at a curve\'s '
        "lowest rate is an upper bound.",
        "The pixel codecs code the original 8-bit images; the latent ones code the latent, "
        "so the latent numbers include the autoencoder's own loss (the ceiling).",
    ]
    if SDXL_MODEL not in models:
        limits.append(
            f"No SDXL VAE (`{SDXL_MODEL}`) numbers are in this run: they come from `make run` "
            "on a machine that can download its weights, and are never filled in by hand."
        )
    return limits


def write_findings(
    metrics: str | os.PathLike,
    psnr_points: str | os.PathLike,
    msssim_points: str | os.PathLike,
    bitdepth_gain: str | os.PathLike,
    channels: Sequence[str | os.PathLike],
    figures: Sequence[str | os.PathLike],
    output: str | os.PathLike,
    *,
    dataset: str,
    run: str,
) -> None:
    """findings.md from the tables; `channels` paths are results/<run>/<model>/channels.csv."""
    present = {Path(figure).name for figure in figures}
    folder = Path(figures[0]).parent if figures else Path(output).parent / "figures"
    # Figures other rules add beside them (more crop grids) are listed when they are there.
    extra = sorted(path.name for path in folder.glob("*.png") if path.name not in present)
    inputs = FindingsInputs(
        metrics=read_table(metrics),
        psnr_points=_read_csv(psnr_points),
        msssim_points=_read_csv(msssim_points),
        bitdepth_gain=_read_csv(bitdepth_gain),
        channels={Path(path).parent.name: _read_csv(path) for path in channels},
        figures=[Path(figure).name for figure in figures] + extra,
        dataset=dataset,
        run=run,
    )
    write_text_atomic(output, findings_markdown(inputs))


def _read_csv(path: str | os.PathLike) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except (OSError, pd.errors.ParserError, ValueError) as error:
        raise LatentCodecError(f"{path}: cannot read as a table ({error})") from error

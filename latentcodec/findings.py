"""The research question answered from the results: bytes, bit depths, findings.md.

All from files the workflow already wrote; no model runs here. The operating points it
quotes come from `latentcodec.operating_points`.

- `channel_table`: per latent channel of one model, its float range, its empirical
  entropy at each bit depth, and its share of the bytes when each channel is stored alone
  by a lossless codec: where the bytes of a lossless latent go.
- `bitdepth_gain_table`: the quantised latent decoded without a codec, per bit depth:
  the PSNR each extra bit buys and what is left to the ceiling.
- `findings_markdown`: findings.md, every number filled in from those tables.
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
from latentcodec.errors import LatentCodecError
from latentcodec.io import load_arrays, write_text_atomic
from latentcodec.operating_points import (
    DELTAS_DB,
    ceiling,
    operating_points_markdown,
    ratio_text,
)
from latentcodec.readoff import AT_LOWEST_RATE
from latentcodec.tables import (
    PIXEL_MODEL,
    is_ceiling,
    is_quantized,
    is_uncoded,
    read_table,
    summarize,
    write_csv,
)

HEADLINE_DELTA_DB = 0.5  # the Δ the findings' first sentence is about
SDXL_MODEL = "sdxl-vae-fp16-fix"  # the default config's model; needs a download to run


def bitdepth_gain_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per model and bit depth, the quantised latent without a codec against the ceiling."""
    summary = summarize(frame)
    rows = []
    for model in sorted(set(summary["model"]) - {PIXEL_MODEL}):
        top = ceiling(summary, model)
        quantized = summary[(summary["model"] == model) & is_quantized(summary)].sort_values(
            "bitdepth"
        )
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
                    "ceiling_psnr": top["psnr"],
                    "gap_to_ceiling_db": top["psnr"] - row.psnr,
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
    return {
        name: options
        for name, options in {"png": {}, **codecs}.items()
        if CODECS[name].stores_losslessly(bits, planes=1)
    }


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
    quality_value = CODECS[name].lossless_quality
    totals = np.zeros(images[0].shape[0], dtype=np.int64)
    for values in images:
        for channel, plane in enumerate(values):
            totals[channel] += len(codec.encode(plane[:, :, None], bits, quality_value))
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
        top = ceiling(summary, model)
        sentences.append(
            f"`{model}` ceiling (float latent, no quantisation): {top['psnr']:.2f} dB PSNR, "
            f"MS-SSIM {top['msssim']:.4f}."
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
    rows = points[(points["model"] == model) & (points["delta"] == delta)]
    if rows.empty or math.isnan(rows["pixel_bpp"].iloc[0]):
        return ""
    row = rows.iloc[0]
    return (
        f"A pixel codec on the original images gets within {delta:g} dB of that ceiling "
        f"({row.target:.2f} dB) at {row.pixel_bpp:.3f} bpp ({row.pixel_codec})."
    )


def _lossy_sentence(points: pd.DataFrame, model: str) -> str:
    rows = points[
        (points["model"] == model) & points["lossy"] & (points["delta"] == HEADLINE_DELTA_DB)
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
        f"PSNR: {ratio_text(best.to_dict())} "
        + ("the bytes." if best.bpp_ratio >= 1 else "the bytes (fewer than pixels).")
    )


def _lossless_sentence(summary: pd.DataFrame, model: str) -> str:
    """The smallest lossless file among the bit depths that keep the ceiling (within the
    smallest Δ): a lossless file of a coarser latent is small only because it lost more."""
    of_model = summary[summary["model"] == model]
    lossless = of_model[of_model["exact"] & ~is_uncoded(of_model)]
    ceiling_rows = of_model[is_ceiling(of_model)]
    quantised = of_model[is_quantized(of_model)]
    if not ceiling_rows.empty:
        level = ceiling_rows["psnr"].iloc[0] - min(DELTAS_DB)
        enough = set(quantised.loc[quantised["psnr"] >= level, "bitdepth"])
        if enough:
            lossless = lossless[lossless["bitdepth"].isin(enough)]
    if lossless.empty:
        return ""
    best = lossless.sort_values(["bpp", "codec"]).iloc[0]
    raw = of_model[is_quantized(of_model) & (of_model["bitdepth"] == best.bitdepth)]
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

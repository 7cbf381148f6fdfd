"""latent_spaces.md, its figure, and the findings' sentences on the latent spaces compared,
from the latent-spaces table (`latentcodec.analysis.spaces`)."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from latentcodec.analysis.ceiling import HEADLINE_DELTA_DB, SSIMULACRA2_MARGIN
from latentcodec.report.numbers import pixel_text, ratio_text, wide_mark, wide_note, with_interval


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
            f"{with_interval(row, 'latent_bpp')}{wide_mark(row, 'latent')} | "
            f"{row['pixel_codec']} | "
            f"{pixel_text(row)} | {ratio_text(row)} | "
            f"{ratio_text(perceptual)} |"
        )
    return "\n".join(lines) + "\n" + wide_note(table)


def _bits(value: float) -> str:
    return "> measured" if math.isnan(value) else f"{int(value)}"


def latent_spaces_figure(table: pd.DataFrame):
    """bpp within 0.5 dB of each model's ceiling, latent beside pixel, models by channels."""
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


def spaces_sentence(spaces: pd.DataFrame) -> str:
    parts = _model_rates(spaces)
    if not parts:
        return ""
    text = (
        f"**Latent spaces compared**: within {HEADLINE_DELTA_DB:g} dB of each model's own "
        "ceiling the cheapest latent codec needs " + "; ".join(parts) + "."
    )
    if spaces["channels"].nunique() > 1:
        narrow = spaces[spaces["channels"] == spaces["channels"].min()]
        wide = spaces[spaces["channels"] == spaces["channels"].max()]
        if wide["latent_bpp"].min() > narrow["latent_bpp"].max():
            verb = "more bytes than"
        elif wide["latent_bpp"].max() < narrow["latent_bpp"].min():
            verb = "fewer bytes than"
        else:
            verb = "about as many bytes as"
        text += (
            f" The widest latent space ({_channels_text(wide)}) costs {verb} the narrowest "
            f"({_channels_text(narrow)}): {_span(wide['latent_bpp'], '.3f')} against "
            f"{_span(narrow['latent_bpp'], '.3f')} bpp, for a ceiling of "
            f"{_span(wide['ceiling'], '.2f')} against {_span(narrow['ceiling'], '.2f')} dB."
        )
    return text


def perceptual_sentence(spaces: pd.DataFrame) -> str:
    parts = _model_rates(spaces, "ssimulacra2_")
    if not parts:
        return "No latent codec comes within the SSIMULACRA2 margin of its ceiling."
    return (
        f"**Perceptually** (within {SSIMULACRA2_MARGIN:g} SSIMULACRA2 points of each ceiling): "
        + "; ".join(parts)
        + "."
    )


def _model_rates(spaces: pd.DataFrame, prefix: str = "") -> list[str]:
    """Each model's cheapest latent bpp and its ratio to pixel codecs at one operating point:
    the PSNR one, or the one whose columns start with `prefix` (e.g. `ssimulacra2_`)."""
    parts = []
    for row in spaces.to_dict("records"):
        point = row | {key.removeprefix(prefix): row[key] for key in row if key.startswith(prefix)}
        if not math.isnan(point["latent_bpp"]):
            parts.append(
                f"`{row['model']}` ({row['channels']} ch) {point['latent_bpp']:.3f} bpp, "
                f"{ratio_text(point)} pixel"
            )
    return parts


def _channels_text(models: pd.DataFrame) -> str:
    """E.g. "4 channels: taesd, taesdxl"."""
    return f"{models['channels'].iloc[0]} channels: " + ", ".join(models["model"])


def _span(values: pd.Series, spec: str) -> str:
    """One value, or the range of several, e.g. "0.178–0.241"."""
    low, high = values.min(), values.max()
    return f"{low:{spec}}" if f"{low:{spec}}" == f"{high:{spec}}" else f"{low:{spec}}–{high:{spec}}"

"""The latent spaces side by side: every model's cost at its own ceiling.

From files the workflow already wrote; no model runs here. `latent_spaces_table`: per model,
its ceiling, the cheapest latent curve's rate within 0.5 dB of that ceiling and the best
pixel codec's rate at the same PSNR (read from the operating-point table, intervals
included), the perceptual operating point on SSIMULACRA2, and the bit depth the ceiling
needs. `latent_spaces_figure` draws it (do bigger latent spaces cost more bytes?), and
`spaces_sentence` and `perceptual_sentence` say it in findings.md. The lead model's own sweep
is `latentcodec.analysis.lead`.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd

from latentcodec.analysis.bitdepth import SMALLEST_DELTA_DB
from latentcodec.analysis.operating_points import SSIMULACRA2_MARGIN, ratio_text, wide_mark
from latentcodec.analysis.readoff import AT_LOWEST_RATE, WIDE_BRACKET
from latentcodec.errors import LatentCodecError
from latentcodec.io import write_text_atomic
from latentcodec.models.registry import get_spec
from latentcodec.tables import write_csv

HEADLINE_DELTA_DB = 0.5  # the Δ below the ceiling the comparison of latent spaces is about
SCORES = ("psnr", "ssim", "ssimulacra2")


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
    keep = ["ceiling", "codec", "bitdepth", "packing", "pixel_codec", "pixel_status"]
    keep += ["latent_wide_bracket", "pixel_wide_bracket"] + [
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
            f"{with_interval(row, 'latent_bpp')}{wide_mark(row, 'latent')} | "
            f"{row['pixel_codec']} | "
            f"{pixel_text(row)} | {ratio_text(row)} | "
            f"{ratio_text(perceptual)} |"
        )
    return "\n".join(lines) + "\n" + wide_note(table)


def wide_note(table: pd.DataFrame) -> str:
    """The footnote for † when a rate in `table` carries it (any `*wide_bracket` column)."""
    flags = table.filter(like="wide_bracket").apply(lambda column: column.eq(True))
    if not flags.to_numpy().any():
        return ""
    return (
        f"\n† read between two measured rates more than {WIDE_BRACKET:g}× apart: the curve "
        "between them is a straight line in log bpp only by assumption.\n"
    )


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


def write_latent_spaces(
    psnr_points: str | os.PathLike,
    ssimulacra2_points: str | os.PathLike,
    bitdepth_gain: str | os.PathLike,
    csv: str | os.PathLike,
    markdown: str | os.PathLike,
    figure: str | os.PathLike,
) -> None:
    from latentcodec.report.plots import save_figure

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


def with_interval(row: dict, name: str) -> str:
    value, low, high = row[name], row[f"{name}_low"], row[f"{name}_high"]
    if math.isnan(value):
        return "—"
    interval = "" if math.isnan(low) else f" ({low:.3f}–{high:.3f})"
    return f"{value:.3f}{interval}"


def pixel_text(row: dict) -> str:
    """The pixel rate with its interval; "≤" when read at the pixel grid's lowest point (the
    pixel codec may need fewer bits still), "†" when read across a wide bracket."""
    text = with_interval(row, "pixel_bpp")
    if text == "—":
        return text
    bound = "≤ " if row.get("pixel_status") == AT_LOWEST_RATE else ""
    return f"{bound}{text}{wide_mark(row, 'pixel')}"


def score_text(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.1f}"


def _bits(value: float) -> str:
    return "> measured" if math.isnan(value) else f"{int(value)}"


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


def _channels_text(models: pd.DataFrame) -> str:
    """E.g. "4 channels: taesd, taesdxl"."""
    return f"{models['channels'].iloc[0]} channels: " + ", ".join(models["model"])


def _span(values: pd.Series, spec: str) -> str:
    """One value, or the range of several, e.g. "0.178–0.241"."""
    low, high = values.min(), values.max()
    return f"{low:{spec}}" if f"{low:{spec}}" == f"{high:{spec}}" else f"{low:{spec}}–{high:{spec}}"


def perceptual_sentence(spaces: pd.DataFrame) -> str:
    parts = _model_rates(spaces, "ssimulacra2_")
    if not parts:
        return "No latent codec comes within the SSIMULACRA2 margin of its ceiling."
    return (
        f"**Perceptually** (within {SSIMULACRA2_MARGIN:g} SSIMULACRA2 points of each ceiling): "
        + "; ".join(parts)
        + "."
    )

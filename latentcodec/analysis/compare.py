"""Latent codecs beside pixel codecs: BD-rate against an anchor.

Works on the results table alone (`latentcodec.tables`); the equal-size pairs, which
encode the originals again, are in `latentcodec.analysis.equal_size`.

- `bd_table`: for each model and each latent curve (codec × bit depth × packing, lossy
  settings only, at least two rates), BD-rate and BD-PSNR of the mean-over-images curve
  against the anchor baseline's curve (Bjøntegaard with pchip interpolation,
  `latentcodec.analysis.bdrate`), and BD-rate on MS-SSIM in dB (−10·log10(1 − MS-SSIM)) and on
  SSIMULACRA2 (rate at equal SSIMULACRA2). Each BD-rate has a 95 % interval from a paired
  bootstrap over images (`latentcodec.analysis.bootstrap`: the anchor is resampled with the same
  images as the curve). A curve that does not overlap the anchor gets NaN and a note, not
  an error. Beside it, the BD-rate on PSNR against the same model's curve of a latent codec
  (`latent_anchor`, latent AVIF by default) at the same bit depth: how a codec built for
  latents (lac) does against an image codec on the very same integers.
- `latent_anchor_sentence`: those BD-rates in one sentence for findings.md.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd

from latentcodec.analysis.bdrate import bd_quality, bd_rate, bd_rate_rows
from latentcodec.analysis.bootstrap import (
    DEFAULT_BOOTSTRAP,
    Bootstrap,
    ImageMeans,
    estimate_columns,
    reached_note,
)
from latentcodec.errors import LatentCodecError
from latentcodec.io import write_text_atomic
from latentcodec.tables import cell_text, is_pixel, is_uncoded, read_table, write_csv

CURVE_KEYS = ["codec", "bitdepth", "packing"]
BD_METRICS = {  # metric → (BD-rate column, BD-quality column, name in the Markdown)
    "psnr": ("bd_rate_psnr", "bd_psnr", "PSNR"),
    "msssim_db": ("bd_rate_msssim", "bd_msssim_db", "MS-SSIM"),
    "ssimulacra2": ("bd_rate_ssimulacra2", "bd_ssimulacra2", "SSIMULACRA2"),
}


def bd_table(
    frame: pd.DataFrame,
    anchor: str,
    bootstrap: Bootstrap = DEFAULT_BOOTSTRAP,
    latent_anchor: str = "avif",
) -> pd.DataFrame:
    """BD metrics of each lossy latent curve against the anchor, BD-rates with 95 % intervals,
    and the BD-rate on PSNR against the `latent_anchor` codec's curve of the same model and
    bit depth (NaN for that codec itself, or where it has no such curve).

    SSIMULACRA2 columns are NaN when the table has no SSIMULACRA2 scores.
    """
    means = ImageMeans(frame, bootstrap)
    settings = means.settings
    rates = means.means("bpp")
    scored = {metric: means.means(metric) for metric in BD_METRICS if _has(means, metric)}
    anchor_curve = settings[is_pixel(settings) & (settings["codec"] == anchor)]
    if len(anchor_curve) < 2:
        raise LatentCodecError(f"bdrate.anchor: baseline {anchor!r} has fewer than 2 points")
    latent = settings[~is_pixel(settings) & ~is_uncoded(settings)]
    rows = []
    for (model, codec, bits, packing), curve in latent.groupby(["model", *CURVE_KEYS]):
        if curve["exact"].all() or len(curve) < 2:
            continue  # a lossless setting is one point: no curve to compare
        row = {"model": model, "codec": codec, "bitdepth": bits, "packing": packing}
        row |= {"anchor": anchor, "points": len(curve), "images": len(means.images)}
        row |= {"resamples": bootstrap.resamples, "seed": bootstrap.seed}
        notes = []
        for metric, (rate_key, quality_key, _) in BD_METRICS.items():
            if metric not in scored:
                row |= estimate_columns(rate_key, math.nan, np.array([])) | {quality_key: math.nan}
                continue
            keys = (rate_key, quality_key)
            row |= _bd(rates, scored[metric], anchor_curve.index, curve.index, keys, notes)
        reference = _latent_reference(latent, model, latent_anchor, bits)
        row["latent_anchor"] = latent_anchor
        if codec == latent_anchor or reference is None or "psnr" not in scored:
            row |= estimate_columns("bd_rate_latent", math.nan, np.array([]))
            row["bd_psnr_latent"] = math.nan
        else:
            keys = ("bd_rate_latent", "bd_psnr_latent")
            row |= _bd(rates, scored["psnr"], reference, curve.index, keys, notes)
        rows.append(row | {"note": "; ".join(dict.fromkeys(notes))})
    return pd.DataFrame(rows)


def _latent_reference(latent: pd.DataFrame, model: str, codec: str, bits: int):
    """The index of `codec`'s lossy curve of `model` at `bits` (the interleaved packing if it
    has several), or None."""
    rows = latent[
        (latent["model"] == model) & (latent["codec"] == codec) & (latent["bitdepth"] == bits)
    ]
    rows = rows[~rows["exact"]]
    if rows.empty:
        return None
    packing = "interleaved" if "interleaved" in set(rows["packing"]) else rows["packing"].iloc[0]
    curve = rows[rows["packing"] == packing]
    return curve.index if len(curve) >= 2 else None


def _has(means: ImageMeans, metric: str) -> bool:
    return means.has("msssim" if metric == "msssim_db" else metric)


def _bd(rates, scores, anchor, curve, keys: tuple[str, str], notes: list[str]) -> dict:
    """BD-rate and BD-quality on the full image set, and BD-rate on every replicate.

    `rates` and `scores` (the metric) are (full, replicates) means of every setting (`ImageMeans`);
    `anchor` and `curve` index the settings of the two curves.
    """
    (rate, rate_replicates), (score, score_replicates) = rates, scores
    rate_key, quality_key = keys
    replicates = bd_rate_rows(
        rate_replicates[anchor].T,
        score_replicates[anchor].T,
        rate_replicates[curve].T,
        score_replicates[curve].T,
    )
    if not (np.all(np.isfinite(score[anchor])) and np.all(np.isfinite(score[curve]))):
        return estimate_columns(rate_key, math.nan, replicates) | {quality_key: math.nan}
    try:
        value = bd_rate(rate[anchor], score[anchor], rate[curve], score[curve])
        quality_gap = bd_quality(rate[anchor], score[anchor], rate[curve], score[curve])
    except LatentCodecError as error:
        notes.append(str(error))
        return estimate_columns(rate_key, math.nan, replicates) | {quality_key: math.nan}
    return estimate_columns(rate_key, value, replicates) | {quality_key: quality_gap}


def write_bd_tables(
    table: str | os.PathLike,
    csv: str | os.PathLike,
    markdown: str | os.PathLike,
    anchor: str,
    *,
    latent_anchor: str = "avif",
    resamples: int = Bootstrap.resamples,
    seed: int = Bootstrap.seed,
) -> None:
    result = bd_table(read_table(table), anchor, Bootstrap(resamples, seed), latent_anchor)
    write_csv(result, csv)
    write_text_atomic(markdown, bd_markdown(result))


def bd_markdown(result: pd.DataFrame) -> str:
    """The BD table; the SSIMULACRA2 column only when it was measured."""
    shown = [
        (rate_key, name)
        for metric, (rate_key, _, name) in BD_METRICS.items()
        if metric != "ssimulacra2" or result.get(rate_key, pd.Series()).notna().any()
    ]
    if result.empty:
        return "No lossy latent curves to compare.\n"
    first = result.iloc[0]
    header = "| model | codec | bit depth | packing | points | BD-PSNR (dB) | " + " | ".join(
        f"BD-rate {name} (%, 95 % CI)" for _, name in shown
    )
    header += f" | BD-rate PSNR against latent {first['latent_anchor']} (%, 95 % CI)"
    lines = [
        header + " | note |",
        "|---|---|---:|---|---:|---:|" + "---:|" * len(shown) + "---:|---|",
    ]
    for row in result.to_dict("records"):
        cells = " | ".join(_bd_text(row, rate_key) for rate_key, _ in shown)
        lines.append(
            f"| {row['model']} | {row['codec']} | {row['bitdepth']} | {row['packing']} | "
            f"{row['points']} | {_signed(row['bd_psnr'])} | {cells} | "
            f"{_bd_text(row, 'bd_rate_latent')} | {cell_text(row['note'])} |"
        )
    return (
        f"BD metrics of each lossy latent curve against the pixel baseline `{first['anchor']}` "
        "(negative BD-rate: fewer bits than the anchor for the same quality), and on PSNR "
        f"against the same model's latent `{first['latent_anchor']}` curve at the same bit "
        f"depth. Intervals: paired bootstrap over the {first['images']} images "
        f"({first['resamples']} resamples, seed {first['seed']}).\n\n" + "\n".join(lines) + "\n"
    )


def latent_anchor_sentence(result: pd.DataFrame) -> str:
    """Each lossy curve's BD-rate against the latent anchor, e.g. lac against latent AVIF."""
    if result.empty or "bd_rate_latent" not in result:
        return ""
    rows = result[result["bd_rate_latent"].notna()]
    if rows.empty:
        return ""
    parts = [
        f"`{row['codec']}` on `{row['model']}` {_bd_text(row, 'bd_rate_latent')} %"
        for row in rows.to_dict("records")
    ]
    first = rows.iloc[0]
    return (
        f"**Against latent {first['latent_anchor']} on the same integers** (BD-rate on PSNR at "
        "the same bit depth; negative: fewer bytes for the same PSNR): " + "; ".join(parts) + "."
    )


def _signed(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:+.2f}"


def _bd_text(row: dict, key: str) -> str:
    if math.isnan(row[key]):
        return "—"
    text = f"{row[key]:+.1f}"
    if not math.isnan(row[f"{key}_low"]):
        text += f" ({row[f'{key}_low']:+.1f} to {row[f'{key}_high']:+.1f})"
    return text + reached_note(row[f"{key}_reached"])

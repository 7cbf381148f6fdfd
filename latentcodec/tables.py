"""Tidy result tables: one row per image × model × bit depth × codec × quality.

Columns (units in docs/method.md):

    image, model, bitdepth, packing, codec, quality, quality_value, effort,
    bytes, side_bytes, bpp, psnr, ssim, msssim, ssimulacra2, butteraugli, butteraugli_3norm,
    latent_mse, latent_psnr, exact, width, height, channels, source, compressed, recon

Rows without a codec have `codec = none`: the ceiling (the float latent decoded without
quantisation; `quality = float32`, `bitdepth = 32`, `bytes` = the raw float32 latent) and
the quantised latent decoded as it is (`quality = quantized`, `bytes` = the raw packed
integers). Pixel-domain baselines have `model = none` and codec = the baseline's label.
`effort` is the encoder's time-for-bytes setting (`latentcodec.codecs`, e.g. `speed=6`), empty
where there is no codec or the codec has no such setting.
The perceptual columns (`latentcodec.perceptual`) are NaN where the run's
`perceptual_metrics` leaves a metric out.
"""

from __future__ import annotations

import io
import os

import pandas as pd

from latentcodec.errors import LatentCodecError
from latentcodec.io import write_text_atomic

COLUMNS = [
    "image",
    "model",
    "bitdepth",
    "packing",
    "codec",
    "quality",
    "quality_value",
    "effort",
    "bytes",
    "side_bytes",
    "bpp",
    "psnr",
    "ssim",
    "msssim",
    "ssimulacra2",
    "butteraugli",
    "butteraugli_3norm",
    "latent_mse",
    "latent_psnr",
    "exact",
    "width",
    "height",
    "channels",
    "source",
    "compressed",
    "recon",
]
SORT_KEYS = ["model", "codec", "bitdepth", "packing", "quality_value", "quality", "image"]
CEILING_CODEC = "none"
PIXEL_MODEL = "none"
SWEEP_KEYS = ["model", "codec", "bitdepth", "packing", "quality"]


def write_table(rows: list[dict] | pd.DataFrame, path: str | os.PathLike) -> None:
    """Write rows as CSV with the fixed column order, sorted, floats at full precision."""
    frame = pd.DataFrame(rows)
    missing = set(COLUMNS) - set(frame.columns)
    if missing:
        raise LatentCodecError(f"{path}: rows lack columns {sorted(missing)}")
    write_csv(frame[COLUMNS].sort_values(SORT_KEYS, kind="stable"), path)


def write_csv(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    """Any derived table as CSV, atomically, floats at full precision (round-trip exact)."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, float_format="%.17g", lineterminator="\n")
    write_text_atomic(path, buffer.getvalue())


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype={"quality": str, "quality_value": "Int64", "effort": str})
    except (OSError, pd.errors.ParserError, ValueError) as error:
        raise LatentCodecError(f"{path}: cannot read as a results table ({error})") from error
    missing = set(COLUMNS) - set(frame.columns)
    if missing:
        raise LatentCodecError(f"{path}: not a results table, missing columns {sorted(missing)}")
    return frame.assign(effort=frame["effort"].fillna(""))


def aggregate(paths: list[str | os.PathLike], output: str | os.PathLike) -> None:
    """Concatenate per-job tables into one, checking no row appears twice."""
    frame = pd.concat([read_table(path) for path in paths], ignore_index=True)
    duplicated = frame.duplicated(SWEEP_KEYS + ["image"])
    if duplicated.any():
        raise LatentCodecError(
            f"duplicate rows for {frame[duplicated][SWEEP_KEYS + ['image']].values[:3]}"
        )
    write_table(frame, output)


def summarize(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean bpp and every quality metric over images for each model × codec × bit depth ×
    quality (NaN for a metric the run did not compute)."""
    grouped = frame.groupby(SWEEP_KEYS, sort=True, dropna=False)
    summary = grouped.agg(
        images=("image", "count"),
        bpp=("bpp", "mean"),
        psnr=("psnr", "mean"),
        ssim=("ssim", "mean"),
        msssim=("msssim", "mean"),
        ssimulacra2=("ssimulacra2", "mean"),
        butteraugli=("butteraugli", "mean"),
        butteraugli_3norm=("butteraugli_3norm", "mean"),
        exact=("exact", "all"),
    ).reset_index()
    return summary.sort_values(["model", "codec", "bitdepth", "packing", "bpp"], kind="stable")


def summary_markdown(frame: pd.DataFrame) -> str:
    """The summary as a Markdown table (summary.md)."""
    summary = summarize(frame)
    lines = [
        "| model | codec | bit depth | packing | quality | images | bpp | PSNR (dB) | SSIM "
        "| MS-SSIM | exact |",
        "|---|---|---:|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in summary.itertuples(index=False):
        bits = "float" if row.bitdepth == 32 else str(row.bitdepth)
        codec = _codec_label(row.model, row.codec, row.quality)
        lines.append(
            f"| {row.model} | {codec} | {bits} | {row.packing} | {row.quality} | {row.images} | "
            f"{row.bpp:.4f} | {row.psnr:.2f} | {row.ssim:.4f} | {row.msssim:.4f} | "
            f"{'yes' if row.exact else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def _codec_label(model: str, codec: str, quality: str) -> str:
    if model == PIXEL_MODEL:
        return f"{codec} (pixels)"
    if codec == CEILING_CODEC:
        return "ceiling (float latent)" if quality == "float32" else "quantised latent, no codec"
    return codec


def write_summary(table: str | os.PathLike, output: str | os.PathLike) -> None:
    write_text_atomic(output, summary_markdown(read_table(table)))

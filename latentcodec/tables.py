"""Tidy result tables: one row per image × model × bit depth × codec × quality.

Columns (units in docs/method.md):

    image, model, bitdepth, packing, codec, quality, quality_value, effort,
    bytes, side_bytes, bpp, psnr, ssim, msssim, ssimulacra2, butteraugli, butteraugli_3norm,
    latent_mse, latent_psnr, exact, width, height, channels, source, compressed, recon,
    quantizer, clipped

`bytes` is the size of the file a user would keep and `bpp` = 8 × `bytes` ÷ pixels
(`metrics.bits_per_pixel`): for a latent codec the whole `.lcf` file
(`latentcodec.codecs.container`,
the file `compressed` names), of which `side_bytes` are not the codec's own file (header,
per-channel ranges, CRC); for a pixel codec its own file (`side_bytes` = 0).
Rows without a codec have `codec = none` (`NO_CODEC`, `is_uncoded`): the ceiling (the float
latent decoded without quantisation; `quality = float32`, `bitdepth = 32`, `bytes` = the raw
float32 latent; `is_ceiling`) and the quantised latent decoded as it is
(`quality = quantized`, `bytes` = the raw packed integers plus their ranges, `side_bytes` =
the ranges; `is_quantized`). Pixel-domain
baselines have `model = none` (`PIXEL_MODEL`, `is_pixel`) and codec = the baseline's label.
A run with `float_precisions` also has the float latent rounded to float16 and decoded
(`quality = float16`, `bitdepth = 16`, `bytes` = the raw float16 latent; codec `none`).
All of them have `packing = none` (`NO_PACKING`).
`quantizer` names the quantisation range of the integers (`latentcodec.codecs.quantize`): `minmax`
(per-channel) or `clip<c>` (fixed [−c, c]); `none` on rows without integers (float latents,
pixel baselines). `clipped` is the share of the latent's values the range clipped (NaN where
there are no integers).
`effort` is the encoder's time-for-bytes setting (`latentcodec.codecs.image`, e.g. `speed=6`), empty
where there is no codec or the codec has no such setting.
The perceptual columns (`latentcodec.measure.perceptual`) are NaN where the run's
`perceptual_metrics` leaves a metric out.
"""

from __future__ import annotations

import io
import math
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
    "quantizer",
    "clipped",
]
SORT_KEYS = ["model", "codec", "bitdepth", "packing", "quality_value", "quality", "image"]
SWEEP_KEYS = ["model", "codec", "bitdepth", "packing", "quality"]

# The rows that are not a latent codec's, named once (the values are the CSV's, unchanged).
NO_CODEC = "none"  # `codec` of the rows decoded without a codec: the ceiling, the quantised latent
PIXEL_MODEL = "none"  # `model` of the pixel-domain baseline rows
CEILING_QUALITY = "float32"  # `quality` of the ceiling: the float latent decoded as it is
QUANTIZED_QUALITY = "quantized"  # `quality` of the quantised latent decoded as it is
FLOAT_PRECISIONS = (CEILING_QUALITY, "float16")  # `quality` of the float latents stored as is
NO_QUANTIZER = "none"  # `quantizer` of the rows without integers


def is_ceiling(frame: pd.DataFrame) -> pd.Series:
    """Mask of the ceiling rows (float latent, no quantisation, no codec)."""
    return (frame["codec"] == NO_CODEC) & (frame["quality"] == CEILING_QUALITY)


def is_quantized(frame: pd.DataFrame) -> pd.Series:
    """Mask of the quantised-latent rows (integers decoded as they are, no codec)."""
    return (frame["codec"] == NO_CODEC) & (frame["quality"] == QUANTIZED_QUALITY)


def is_uncoded(frame: pd.DataFrame) -> pd.Series:
    """Mask of the rows without a codec: the ceiling and the quantised latent."""
    return frame["codec"] == NO_CODEC


def is_pixel(frame: pd.DataFrame) -> pd.Series:
    """Mask of the pixel-domain baseline rows."""
    return frame["model"] == PIXEL_MODEL


def cell_text(value) -> str:
    """A string cell of a derived table, also as read back from CSV (an empty cell comes
    back as NaN)."""
    return "" if isinstance(value, float) and math.isnan(value) else str(value)


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
        frame = pd.read_csv(
            path, dtype={"quality": str, "quality_value": "Int64", "effort": str, "quantizer": str}
        )
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
    ceiling = is_ceiling(summary)
    codecs = (
        summary["codec"]
        .mask(is_pixel(summary), summary["codec"] + " (pixels)")
        .mask(ceiling, "ceiling (float latent)")
        .mask(is_quantized(summary), "quantised latent, no codec")
        .mask(is_uncoded(summary) & (summary["quality"] == "float16"), "float16 latent, no codec")
    )
    depths = summary["bitdepth"].astype(str).mask(ceiling, "float")
    for row, codec, bits in zip(summary.itertuples(index=False), codecs, depths, strict=True):
        lines.append(
            f"| {row.model} | {codec} | {bits} | {row.packing} | {row.quality} | {row.images} | "
            f"{row.bpp:.4f} | {row.psnr:.2f} | {row.ssim:.4f} | {row.msssim:.4f} | "
            f"{'yes' if row.exact else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def write_summary(table: str | os.PathLike, output: str | os.PathLike) -> None:
    write_text_atomic(output, summary_markdown(read_table(table)))

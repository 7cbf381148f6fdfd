"""Tidy result tables: one row per image × model × encoder × bit depth × packing × codec ×
quality.

The columns are the fields of `Row`, in order (units in docs/method.md). Derived tables
are read through `read_csv_table`, each with its `TableSchema` (metrics.csv: `METRICS`).

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
`quantizer` names the quantisation range of the integers (`latentcodec.quantize`): `minmax`
(per-channel) or `clip<c>` (fixed [−c, c]); `none` on rows without integers (float latents,
pixel baselines). `clipped` is the share of the latent's values the range clipped (NaN where
there are no integers).
`encoder` says how the latent was made: `direct` (the model's encoder as it is), or the label
of a refinement (`latentcodec.models.refine`; the config's `encoders`); `none` on pixel rows.
The analysis reads a model and its encoder as one latent route (`read_routes`): `taesdxl` for
the direct latents, `taesdxl+refined` for refined ones, so every table and figure shows a
refined route beside its direct one.
`effort` is the encoder's time-for-bytes setting (`latentcodec.codecs.base`, e.g. `speed=6`), empty
where there is no codec or the codec has no such setting.
The perceptual columns (`latentcodec.measure.perceptual`) are NaN where the run's
`perceptual_metrics` leaves a metric out.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

import pandas as pd

from latentcodec.errors import LatentCodecError
from latentcodec.io import write_text_atomic
from latentcodec.routes import latent_route, route_model


@dataclass(frozen=True)
class Row:
    """One row of metrics.csv: one image at one setting, its file and its quality. The
    fields, in order, are the table's columns (`COLUMNS`); units in docs/method.md."""

    image: str
    model: str
    encoder: str
    bitdepth: int
    packing: str
    codec: str
    quality: str
    quality_value: int | None
    effort: str
    bytes: int  # the size of what a user keeps: the `.lcf` or pixel file, or the raw array
    side_bytes: int  # of `bytes`, those that are not the codec's own (header, ranges, CRC)
    bpp: float
    psnr: float
    ssim: float
    msssim: float
    ssimulacra2: float
    butteraugli: float
    butteraugli_3norm: float
    latent_mse: float
    latent_psnr: float
    exact: bool
    width: int
    height: int
    channels: int
    source: str
    compressed: str
    recon: str
    quantizer: str
    clipped: float


COLUMNS = [column.name for column in fields(Row)]

SORT_KEYS = ["model", "encoder", "codec", "bitdepth", "packing", "quality_value", "quality"]
SORT_KEYS += ["image"]
SWEEP_KEYS = ["model", "encoder", "codec", "bitdepth", "packing", "quality"]
# The same in the analysis' view (`read_routes`), where `model` names the route: its encoder too.
ROUTE_KEYS = ["model", "codec", "bitdepth", "packing", "quality"]

# The rows that are not a latent codec's, named once (the values are the CSV's, unchanged).
NO_CODEC = "none"  # `codec` of the rows decoded without a codec: the ceiling, the quantised latent
PIXEL_MODEL = "none"  # `model` of the pixel-domain baseline rows
PIXEL_BITS = 8  # `bitdepth` of the pixel baseline rows: they store the 8-bit RGB originals
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


def write_table(rows: list[Row] | pd.DataFrame, path: str | os.PathLike) -> None:
    """Write rows (`Row`s, or any records with its fields) as CSV with the fixed column
    order, sorted, floats at full precision."""
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


def write_csv_and_markdown(
    frame: pd.DataFrame, csv: str | os.PathLike, markdown: str | os.PathLike, text: str
) -> None:
    """A derived table and the Markdown written from it, each atomically: a report step's
    two files."""
    write_csv(frame, csv)
    write_text_atomic(markdown, text)


@dataclass(frozen=True)
class TableSchema:
    """What one table written as CSV holds, for `read_csv_table`: its name in errors (with
    its article, "a results table"), the columns it must have, their dtypes where pandas
    would guess wrong, the text columns whose empty cells are "" (not NaN), whether a file
    without rows is an empty table, and `na_values` when only those cells are missing
    (instead of pandas' defaults, which also read "NA" or "null" as missing)."""

    name: str
    columns: tuple[str, ...]
    dtypes: Mapping[str, object] = field(default_factory=dict)
    text: tuple[str, ...] = ()
    may_be_empty: bool = False
    na_values: tuple[str, ...] | None = None


METRICS = TableSchema(
    "a results table",
    tuple(COLUMNS),
    dtypes={
        "quality": str,
        "quality_value": "Int64",
        "effort": str,
        "quantizer": str,
        "encoder": str,
    },
    text=("effort",),
)


def read_csv_table(path: str | os.PathLike, schema: TableSchema) -> pd.DataFrame:
    """A table written as CSV, checked against its schema; any problem is a
    LatentCodecError naming the file."""
    options = {"dtype": dict(schema.dtypes)}
    if schema.na_values is not None:
        options |= {"keep_default_na": False, "na_values": list(schema.na_values)}
    try:
        frame = pd.read_csv(path, **options)
    except pd.errors.EmptyDataError as error:
        if not schema.may_be_empty:
            raise LatentCodecError(f"{path}: cannot read as {schema.name} ({error})") from error
        frame = pd.DataFrame(columns=list(schema.columns))
    except (OSError, pd.errors.ParserError, ValueError) as error:
        raise LatentCodecError(f"{path}: cannot read as {schema.name} ({error})") from error
    missing = set(schema.columns) - set(frame.columns)
    if missing:
        raise LatentCodecError(f"{path}: not {schema.name}, missing columns {sorted(missing)}")
    return frame.assign(**{column: frame[column].fillna("") for column in schema.text})


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """A results table (metrics.csv, or one job's part of it)."""
    return read_csv_table(path, METRICS)


def routes_of(frame: pd.DataFrame, model: str) -> list[str]:
    """A model's latent routes in a table read by `read_routes`: direct first, then refined."""
    routes = sorted(set(frame["model"]) - {model})
    return [model] + [route for route in routes if route_model(route) == model]


def route_names(frame: pd.DataFrame) -> list[str]:
    """Each row's latent route, from its `model` and `encoder` columns."""
    pairs = zip(frame["model"], frame["encoder"], strict=True)
    return [latent_route(model, encoder) for model, encoder in pairs]


def read_routes(path: str | os.PathLike) -> pd.DataFrame:
    """A results table as the analysis reads it: `model` holds each row's latent route."""
    frame = read_table(path)
    frame["model"] = route_names(frame)
    return frame


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
    grouped = frame.groupby(ROUTE_KEYS, sort=True, dropna=False)
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
    stored_float = is_uncoded(summary) & summary["quality"].isin(FLOAT_PRECISIONS) & ~ceiling
    codecs = (
        summary["codec"]
        .mask(is_pixel(summary), summary["codec"] + " (pixels)")
        .mask(ceiling, "ceiling (float latent)")
        .mask(is_quantized(summary), "quantised latent, no codec")
        .mask(stored_float, summary["quality"] + " latent, no codec")
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
    write_text_atomic(output, summary_markdown(read_routes(table)))

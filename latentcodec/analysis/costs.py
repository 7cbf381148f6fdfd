"""What each file cost to make: the encode seconds per image of every setting, latent and
pixel, from the seconds tables the jobs write beside their files (`workflow.jobs.EncodeClock`;
refinement's from refinement.csv). A latent file's cost is the model's encoder, the
refinement (refined routes), the decoder sensitivity (codecs that need it) and the codec; a
pixel file's is its codec's. Wall seconds on the machine that ran the jobs, one thread per
job but refinement's (`models.refinement.REFINE_THREADS`)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import pandas as pd

from latentcodec.codecs.packing import NO_PACKING
from latentcodec.routes import latent_route
from latentcodec.tables import PIXEL_BITS, PIXEL_MODEL, TableSchema, read_csv_table

SECONDS_TABLE = TableSchema("a seconds table", ("image", "seconds"), dtypes={"image": str})
PIXEL_SECONDS_TABLE = TableSchema(
    "a pixel seconds table", ("image", "quality", "seconds"), dtypes={"image": str, "quality": str}
)
# refinement.csv (`workflow.encode.refine_latents`): one row per image and step, step 0 the
# encoder's latent; `loss` on the refinement's grid, `seconds` from the start of the image's
# search.
REFINEMENT_TABLE = TableSchema(
    "a refinement table",
    ("model", "encoder", "image", "step", "loss", "psnr", "seconds"),
    dtypes={"image": str},
)
PARTS = (
    "model_seconds",
    "refine_seconds",
    "sensitivity_seconds",
    "search_seconds",
    "codec_seconds",
)
SETTING_COLUMNS = ["model", "codec", "bitdepth", "packing", "quality", "effort"]


def per_image(path: str | os.PathLike | None) -> pd.Series:
    """Seconds by image of one seconds table (an empty series without one)."""
    if path is None:
        return pd.Series(dtype=float)
    return read_csv_table(path, SECONDS_TABLE).groupby("image")["seconds"].sum()


def refinement_seconds(path: str | os.PathLike) -> pd.Series:
    """Seconds by image of a refinement table: the time its last step was reached."""
    return read_csv_table(path, REFINEMENT_TABLE).groupby("image")["seconds"].max()


def encode_costs(latent: Sequence[Mapping], pixel: Sequence[Mapping]) -> pd.DataFrame:
    """Mean seconds per image of each setting, by part and in total. `latent`: one entry per
    latent setting (its Setting's fields, and the paths `model`, `refine`, `sensitivity`,
    `search` (rate-aware lac's), `codec` of its seconds tables; None for a part it has not);
    `pixel`: one per baseline job, a quality of its grid (`name`, `effort`, its seconds table
    `codec`)."""
    rows = []
    for entry in latent:
        paths = entry["paths"]
        codec = per_image(paths["codec"])
        parts = {
            "model_seconds": per_image(paths["model"]),
            "refine_seconds": (
                refinement_seconds(paths["refine"]) if paths["refine"] else pd.Series(dtype=float)
            ),
            "sensitivity_seconds": per_image(paths["sensitivity"]),
            "search_seconds": per_image(paths["search"]),
            "codec_seconds": codec,
        }
        row = {key: entry[key] for key in ("codec", "bitdepth", "packing", "quality", "effort")}
        row["model"] = latent_route(entry["model"], entry["encoder"])
        rows.append(row | _means(parts, codec.index))
    for entry in pixel:
        table = read_csv_table(entry["codec"], PIXEL_SECONDS_TABLE)
        for quality, files in table.groupby("quality", sort=False):
            codec = files.set_index("image")["seconds"]
            row = dict(model=PIXEL_MODEL, codec=entry["name"], bitdepth=PIXEL_BITS)
            row |= dict(packing=NO_PACKING, quality=quality, effort=entry["effort"])
            rows.append(row | _means({"codec_seconds": codec}, codec.index))
    return pd.DataFrame(rows, columns=[*SETTING_COLUMNS, "images", *PARTS, "total_seconds"])


def _means(parts: Mapping[str, pd.Series], images) -> dict:
    """Each part's mean over `images` (0 for a part the setting has not), and their total."""
    means = dict.fromkeys(PARTS, 0.0) | {
        name: float(series.reindex(images).mean()) for name, series in parts.items() if len(series)
    }
    return {"images": len(images), **means, "total_seconds": sum(means.values())}

"""The seed study's published numbers (the real SDXL VAE on the 24 Kodak images) beside this
run: what TAESDXL, the stand-in, gets on the same settings, and what pixel codecs need for the
real VAE's quality.

The study this project grew from measured the original SDXL VAE on a GPU and published its
numbers per image; a copy ships as `data/references/seed_study_sdxl_kodak.csv` (source and
method in `data/references/README.md`). Nothing here runs a model.

- `SETTINGS`: the one table that says which of our rows each study setting is (codec,
  quality, bit depth, packing).
- `read_published`: the shipped CSV, checked.
- `side_by_side`: per setting, the study's means beside our model's on the same images, with
  the per-image correlations of bpp and PSNR.
- `real_vae_against_pixels`: per setting, the bpp our pixel codecs need for the real VAE's
  PSNR and the latent ÷ pixel ratio with its paired-bootstrap interval, by the code that makes
  the lead table's ratios (`latentcodec.analysis.bootstrap.beside_pixels`).
- `real_vae_space_rows`: the study's rows as the latent-spaces table's inputs take them, so
  that the code that makes our models' rows makes the real VAE's too.

`latentcodec.report.seed_study` writes the section "The seed study, side by side";
`latentcodec.analysis.published.shows_seed_study` says whether a run asks for it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from latentcodec.analysis.bootstrap import (
    DEFAULT_BOOTSTRAP,
    Bootstrap,
    Curves,
    ImageMeans,
    beside_pixels,
    estimate_columns,
)
from latentcodec.errors import LatentCodecError
from latentcodec.sources import shipped_file
from latentcodec.tables import (
    NO_CODEC,
    PIXEL_MODEL,
    QUANTIZED_QUALITY,
    ROUTE_KEYS,
    cell_text,
    is_ceiling,
)

FILE = ("references", "seed_study_sdxl_kodak.csv")  # under the package's data/
WHERE = "latentcodec/data/" + "/".join(FILE)
README = "latentcodec/data/references/README.md"
SOURCE = (
    'the final report of the student study "VAE kompression med AVIF" (DVA305, Mälardalen '
    "University, group 4, spring 2026; LaTeX sources in the public repository "
    "`mdahlgrengadd/dva305-report`)"
)
STUDY_LABEL = "the seed study's published numbers (real SDXL VAE, float32 on a GPU)"
STUDY_MODEL = "sdxl-vae (seed study)"  # the published rows' `model` inside the bootstrap
STUDY_QUANTIZER = "clip4"  # the study's fixed range, [−4, 4]
IGNORED = ("png_original",)  # the Kodak PNG itself: PSNR infinite, published empty
PUBLISHED_COLUMNS = ["image", "setting", "psnr", "ssim", "bpp", "size_kb"]
IMAGES = 24
REAL_VAE = "sdxl-vae"  # the registry's name of the model the study ran
UNPUBLISHED_METRICS = ("msssim", "ssimulacra2", "butteraugli", "butteraugli_3norm")


@dataclass(frozen=True)
class Setting:
    """One setting of the study and the row of ours that stores the latent the same way."""

    name: str  # the study's setting, as its CSV spells it
    codec: str
    quality: str
    bitdepth: int
    packing: str
    lossless: bool  # decodes as the 8-bit (or float) latent itself
    description: str


SETTINGS = (
    Setting("fp32", "none", "float32", 32, "none", True, "float32 latent (ceiling)"),
    Setting("fp16", "none", "float16", 16, "none", True, "float16 latent"),
    Setting("raw8", "npy", "lossless", 8, "interleaved", True, "8-bit, numpy.save"),
    Setting("npz8", "npz", "lossless", 8, "interleaved", True, "8-bit, savez_compressed"),
    Setting("jxl_ll8", "jxl", "lossless", 8, "interleaved", True, "8-bit, JPEG XL lossless"),
    Setting("jxl_d0.05", "jxld", "d0_05", 8, "interleaved", False, "JPEG XL distance 0.05"),
    Setting("jxl_d0.1", "jxld", "d0_1", 8, "interleaved", False, "JPEG XL distance 0.1"),
    Setting("jxl_d0.5", "jxld", "d0_5", 8, "interleaved", False, "JPEG XL distance 0.5"),
    Setting("jxl_d1.0", "jxld", "d1_0", 8, "interleaved", False, "JPEG XL distance 1.0"),
)  # fmt: skip
BY_NAME = {setting.name: setting for setting in SETTINGS}

# The pixel codecs the real VAE is read against: family → the run's baseline labels; of
# several labels in one family (AVIF 4:2:0 and 4:4:4) the cheapest at each level counts.
DEFAULT_PIXELS = {"avif": ["avif420", "avif444"], "webp": ["webp"], "jpeg": ["jpeg"]}

SIDE_COLUMNS = [
    "setting", "description", "model", "codec", "quality", "bitdepth", "packing", "in_run",
    "images", "quantizer", "clipped", "study_bpp", "ours_bpp", "bpp_ours_over_study",
    "study_psnr", "ours_psnr", "psnr_ours_minus_study", "study_ssim", "ours_ssim",
    "bpp_correlation", "psnr_correlation", "note",
]  # fmt: skip
MIN_CORRELATION_IMAGES = 3  # a Pearson r over two points is ±1 whatever they are


def read_published(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The study's per-image numbers (the shipped copy unless `path`): image, setting, psnr,
    ssim, bpp, size_kb, a row per image and setting.

    Checked: every setting of `SETTINGS` and `IGNORED` there, each on the same 24 images once,
    every number finite (but the PSNR of `IGNORED`, published empty), bpp > 0. Otherwise a
    LatentCodecError that names the file.
    """
    where = WHERE if path is None else str(path)
    source = shipped_file(*FILE) if path is None else Path(path)
    try:
        with source.open("r", encoding="utf-8") as handle:
            frame = pd.read_csv(handle, dtype={"image": str, "setting": str})
    except FileNotFoundError:
        raise LatentCodecError(
            f"seed study {where}: not found (reinstall latentcodec; source in {README})"
        ) from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, ValueError) as error:
        raise LatentCodecError(f"seed study {where}: cannot read as CSV ({error})") from None
    missing = [column for column in PUBLISHED_COLUMNS if column not in frame]
    if missing:
        raise LatentCodecError(f"seed study {where}: missing columns {missing}")
    frame = frame[PUBLISHED_COLUMNS]
    expected = [setting.name for setting in SETTINGS] + list(IGNORED)
    absent = sorted(set(expected) - set(frame["setting"]))
    unknown = sorted(set(frame["setting"]) - set(expected))
    if absent or unknown:
        raise LatentCodecError(f"seed study {where}: settings missing {absent}, unknown {unknown}")
    if frame.duplicated(["image", "setting"]).any():
        first = frame[frame.duplicated(["image", "setting"])].iloc[0]
        raise LatentCodecError(
            f"seed study {where}: {first['image']} {first['setting']} appears twice"
        )
    images = sorted(frame["image"].unique())
    counts = frame.groupby("setting")["image"].nunique()
    short = sorted(counts.index[counts != len(images)])
    if len(images) != IMAGES or short:
        raise LatentCodecError(
            f"seed study {where}: expected the same {IMAGES} images in every setting, found "
            f"{len(images)} images" + (f"; settings lacking some: {short}" if short else "")
        )
    try:
        numbers = frame[["psnr", "ssim", "bpp", "size_kb"]].astype(np.float64)
    except (TypeError, ValueError) as error:
        raise LatentCodecError(f"seed study {where}: a value is not a number ({error})") from None
    finite = np.isfinite(numbers)
    finite.loc[frame["setting"].isin(IGNORED), "psnr"] = True
    if not finite.to_numpy().all() or (numbers["bpp"] <= 0).any():
        bad = frame[~finite.all(axis=1) | (numbers["bpp"] <= 0)].iloc[0]
        raise LatentCodecError(
            f"seed study {where}: {bad['image']} {bad['setting']} has a missing, infinite or "
            "non-positive number"
        )
    return frame.assign(**numbers).sort_values(["setting", "image"], ignore_index=True)


def side_by_side(
    metrics: pd.DataFrame, model: str = "taesdxl", *, published: pd.DataFrame | None = None
) -> pd.DataFrame:
    """A row per study setting (`SETTINGS` order): the study's mean bpp, PSNR and SSIM beside
    `model`'s on the same images, and the Pearson correlation over those images of the
    per-image bpp and of the per-image PSNR, study against ours.

    Both means are over the images the study and our rows have in common (`images`; all 24 in
    a full Kodak run). A setting the run lacks keeps its row with `in_run` false, the study's
    means over all its images and a `note`; it is listed, not dropped. A correlation needs
    ≥ 3 images and some spread on both sides (fp32's and fp16's bpp are constant): else NaN.
    `quantizer` and `clipped` (mean share) are our rows' (`clipped` NaN for float rows).
    """
    study = read_published() if published is None else published
    rows = []
    for setting in SETTINGS:
        theirs = study[study["setting"] == setting.name].set_index("image")
        ours = _our_rows(metrics, model, setting)
        common = sorted(set(theirs.index) & set(ours.index))
        row = {
            "setting": setting.name, "description": setting.description, "model": model,
            "codec": setting.codec, "quality": setting.quality, "bitdepth": setting.bitdepth,
            "packing": setting.packing, "in_run": bool(common), "images": len(common),
        }  # fmt: skip
        if not common:
            note = "not in this run" if ours.empty else "no image in common with the study"
            rows.append(
                row
                | {f"study_{name}": theirs[name].mean() for name in ("bpp", "psnr", "ssim")}
                | {"images": len(theirs), "note": note}
            )
            continue
        theirs, ours = theirs.loc[common], ours.loc[common]
        quantizers = sorted(set(ours["quantizer"].map(cell_text))) if "quantizer" in ours else []
        row["quantizer"] = "/".join(quantizers)
        row["clipped"] = ours["clipped"].mean() if "clipped" in ours else math.nan
        for name in ("bpp", "psnr", "ssim"):
            row[f"study_{name}"] = theirs[name].mean()
            row[f"ours_{name}"] = ours[name].mean() if name in ours else math.nan
        row["bpp_ours_over_study"] = row["ours_bpp"] / row["study_bpp"]
        row["psnr_ours_minus_study"] = row["ours_psnr"] - row["study_psnr"]
        row["bpp_correlation"] = pearson(theirs["bpp"], ours["bpp"])
        row["psnr_correlation"] = pearson(theirs["psnr"], ours["psnr"])
        row["note"] = ""
        rows.append(row)
    return pd.DataFrame(rows, columns=SIDE_COLUMNS)


def _our_rows(metrics: pd.DataFrame, model: str, setting: Setting) -> pd.DataFrame:
    """`model`'s rows of one study setting, indexed by image (checked: one per image)."""
    keys = {
        "model": model,
        "codec": setting.codec,
        "quality": setting.quality,
        "bitdepth": setting.bitdepth,
        "packing": setting.packing,
    }
    mask = np.logical_and.reduce([metrics[key] == value for key, value in keys.items()])
    rows = metrics[mask]
    if rows["image"].duplicated().any():
        raise LatentCodecError(
            f"results table: {model} {setting.codec} {setting.quality} {setting.bitdepth}-bit "
            f"{setting.packing} has image {rows['image'][rows['image'].duplicated()].iloc[0]} "
            "twice"
        )
    return rows.set_index("image")


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson's r over the pairs where both are finite; NaN with fewer than
    `MIN_CORRELATION_IMAGES` pairs or no spread on a side."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    keep = np.isfinite(x) & np.isfinite(y)
    if keep.sum() < MIN_CORRELATION_IMAGES:
        return math.nan
    dx, dy = x[keep] - x[keep].mean(), y[keep] - y[keep].mean()
    scale = math.sqrt(float(dx @ dx) * float(dy @ dy))
    if scale <= 1e-12 * max(1.0, float(np.abs(x[keep]).max() * np.abs(y[keep]).max())):
        return math.nan
    return float(np.clip(dx @ dy / scale, -1.0, 1.0))


def pixel_families(baselines: Mapping[str, str]) -> dict[str, list[str]]:
    """The run's pixel baselines (label → codec, as the config has them) grouped into the
    families the study is read against (those of `DEFAULT_PIXELS`), labels sorted."""
    return {
        family: sorted(label for label, codec in baselines.items() if codec == family)
        for family in DEFAULT_PIXELS
    }


def real_vae_against_pixels(
    metrics: pd.DataFrame,
    bootstrap: Bootstrap = DEFAULT_BOOTSTRAP,
    *,
    pixels: Mapping[str, Sequence[str]] | None = None,
    published: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A row per study setting × pixel family: the bpp our pixel codecs need on the same
    images for the real SDXL VAE's PSNR, and the study's bpp ÷ that bpp, with 95 % intervals.

    Settings: all of `SETTINGS` (only `png_original`, the source image at infinite PSNR, is
    left out); the float and npy rows are files the study wrote and measured, so they get a
    ratio too. Families: `pixels` maps a family to the run's baseline labels (default
    `DEFAULT_PIXELS`, those present); within a family the cheapest label at the level counts;
    a family without a label in the run gives rows with status "no data".

    The ratio is the lead table's (`beside_pixels`): the ratio of means, the level the study's
    mean PSNR, the pixel rate where the pixel codec's mean curve reaches it (not per image:
    the latent setting has no per-image rate control either), with paired-bootstrap
    intervals; a level below a pixel curve's lowest point makes the ratio a bound (≥)."""
    study = read_published() if published is None else published
    study = study[study["setting"].isin(BY_NAME)]
    pixel_rows = metrics[metrics["model"] == PIXEL_MODEL]
    images = sorted(set(study["image"]) & set(pixel_rows["image"]))
    if not images:
        raise LatentCodecError(
            "seed study: the run has no pixel baseline on any of the study's images "
            f"({', '.join(sorted(set(study['image']))[:3])}, …)"
        )
    families = {
        family: [label for label in labels if (pixel_rows["codec"] == label).any()]
        for family, labels in (DEFAULT_PIXELS if pixels is None else pixels).items()
    }
    frame = _study_beside_pixels(study, pixel_rows, images, families)
    means = ImageMeans(frame, bootstrap)
    curves = Curves(means, "psnr")
    table = means.settings
    rows = []
    for setting in SETTINGS:
        found = table.index[(table["model"] == STUDY_MODEL) & (table["codec"] == setting.name)]
        if len(found) == 0:
            continue
        index = found[0]
        row = {
            "setting": setting.name, "description": setting.description,
            "lossless": setting.lossless, "images": len(means.images),
            "resamples": bootstrap.resamples, "seed": bootstrap.seed,
        }  # fmt: skip
        row |= estimate_columns("bpp", curves.rate[index], curves.rate_replicates[index])
        row |= estimate_columns("psnr", curves.score[index], curves.score_replicates[index])
        for family, labels in families.items():
            indices = {
                label: table.index[(table["model"] == PIXEL_MODEL) & (table["codec"] == label)]
                for label in labels
            }
            rows.append(
                row | {"family": family} | beside_pixels(curves, index, indices, ratio=True)
            )
    return pd.DataFrame(rows)


def _study_beside_pixels(study, pixel_rows, images: list[str], families: dict) -> pd.DataFrame:
    """The study's rows (a setting = one point, model `STUDY_MODEL`) and our pixel curves of
    `families` on `images`, as one results table for `ImageMeans`."""
    theirs = study[study["image"].isin(images)].assign(
        model=STUDY_MODEL,
        codec=study["setting"],
        bitdepth=study["setting"].map({s.name: s.bitdepth for s in SETTINGS}),
        packing=study["setting"].map({s.name: s.packing for s in SETTINGS}),
        quality=study["setting"],
        exact=study["setting"].map({s.name: s.lossless for s in SETTINGS}),
    )
    used = [label for labels in families.values() for label in labels]
    ours = pixel_rows[pixel_rows["image"].isin(images) & pixel_rows["codec"].isin(used)]
    columns = [*ROUTE_KEYS, "image", "bpp", "psnr", "exact"]
    return pd.concat([theirs[columns], ours[columns]], ignore_index=True)


def published_rows(published: pd.DataFrame) -> pd.DataFrame:
    """The study's per-image numbers as rows of a results table, model `REAL_VAE`: each
    setting as the row of ours that stores the latent the same way (`SETTINGS`), so that the
    table code that measures our models measures the real VAE too. Metrics the study did not
    publish are NaN."""
    study = published[published["setting"].isin(BY_NAME)]
    settings = [BY_NAME[name] for name in study["setting"]]
    return pd.DataFrame(
        {
            "image": study["image"].to_numpy(),
            "model": REAL_VAE,
            "codec": [setting.codec for setting in settings],
            "bitdepth": [setting.bitdepth for setting in settings],
            "packing": [setting.packing for setting in settings],
            "quality": [setting.quality for setting in settings],
            "bpp": study["bpp"].to_numpy(),
            "psnr": study["psnr"].to_numpy(),
            "ssim": study["ssim"].to_numpy(),
            "exact": [setting.lossless for setting in settings],
            **{name: math.nan for name in UNPUBLISHED_METRICS},
        }
    )


def real_vae_space_rows(
    metrics: pd.DataFrame, published: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The real SDXL VAE as the latent-spaces table's inputs take a model, on the images the
    study and this run's pixel baselines share: (rows for `operating_points`: its published
    curves beside this run's pixel curves; rows for `bitdepth_gain_table`: its ceiling and its
    8-bit latent decoded as it is). The study published 8 bits only and no SSIMULACRA2."""
    study = read_published() if published is None else published
    pixel_rows = metrics[metrics["model"] == PIXEL_MODEL]
    images = set(study["image"]) & set(pixel_rows["image"])
    columns = [*ROUTE_KEYS, "image", "bpp", "psnr", "exact"]
    rows = published_rows(study)
    frame = pd.concat([rows[columns], pixel_rows[columns]], ignore_index=True)
    # The raw 8-bit file decodes to the 8-bit latent exactly: its rows are that latent decoded
    # as it is, the one bit depth whose distance to the ceiling the study measured.
    raw = rows[(rows["codec"] == BY_NAME["raw8"].codec) & rows["image"].isin(images)]
    decoded = raw.assign(codec=NO_CODEC, packing="none", quality=QUANTIZED_QUALITY)
    ceilings = rows[is_ceiling(rows) & rows["image"].isin(images)]
    return frame[frame["image"].isin(images)], pd.concat([ceilings, decoded], ignore_index=True)

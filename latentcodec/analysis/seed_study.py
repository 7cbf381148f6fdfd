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
  the lead table's ratios (`latentcodec.analysis.lead.beside_pixels`).
- `seed_study_markdown`: both as the section "The seed study, side by side", with sentences
  made from the numbers. `write_seed_study` does all of it for the workflow; `shows_seed_study`
  says whether a run asks for it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from latentcodec.analysis.bitdepth import bitdepth_gain_table
from latentcodec.analysis.bootstrap import (
    DEFAULT_BOOTSTRAP,
    Bootstrap,
    ImageMeans,
    estimate_columns,
)
from latentcodec.analysis.lead import beside_pixels
from latentcodec.analysis.operating_points import Curves, operating_points, ratio_text
from latentcodec.analysis.published import comparable
from latentcodec.analysis.spaces import (
    latent_spaces_markdown,
    latent_spaces_table,
    pixel_text,
    wide_note,
)
from latentcodec.errors import LatentCodecError
from latentcodec.io import write_text_atomic
from latentcodec.tables import (
    NO_CODEC,
    PIXEL_MODEL,
    QUANTIZED_QUALITY,
    SWEEP_KEYS,
    cell_text,
    is_ceiling,
    read_table,
    write_csv,
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
REAL_VAE_LABEL = "sdxl-vae (seed study, published)"
UNPUBLISHED_METRICS = ("msssim", "ssimulacra2", "butteraugli", "butteraugli_3norm")
LOSSLESS_POINT = "jxl_ll8"  # the real VAE's 8-bit lossless point, the one the text quotes


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
PIXEL_FAMILIES = {"avif": "AVIF", "webp": "WebP", "jpeg": "JPEG"}
DEFAULT_PIXELS = {"avif": ["avif420", "avif444"], "webp": ["webp"], "jpeg": ["jpeg"]}

SIDE_COLUMNS = [
    "setting", "description", "model", "codec", "quality", "bitdepth", "packing", "in_run",
    "images", "quantizer", "clipped", "study_bpp", "ours_bpp", "bpp_ours_over_study",
    "study_psnr", "ours_psnr", "psnr_ours_minus_study", "study_ssim", "ours_ssim",
    "bpp_correlation", "psnr_correlation", "note",
]  # fmt: skip
MIN_CORRELATION_IMAGES = 3  # a Pearson r over two points is ±1 whatever they are
CLOSE_RATE = 0.10  # "close": our mean bpp within 10 % of the study's on every codec setting
STRONG_CORRELATION = 0.8
DECODER_GAP_DB = 0.5  # a ceiling gap beyond this: our PSNRs are no stand-in for the VAE's


def shows_seed_study(config: dict, dataset: str, images: Iterable[str]) -> bool:
    """Whether a run writes seed_study.*: the config's `references.seed_study` (default true)
    and a run on exactly the 24 Kodak images at their own size (`published.comparable`), the
    images the study published. `dataset` and `images` as the workflow has them."""
    wanted = config.get("references", {}).get("seed_study", True)
    return bool(wanted) and comparable(dataset, images)


def read_published(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The study's per-image numbers (the shipped copy unless `path`): image, setting, psnr,
    ssim, bpp, size_kb, a row per image and setting.

    Checked: every setting of `SETTINGS` and `IGNORED` there, each on the same 24 images once,
    every number finite (but the PSNR of `IGNORED`, published empty), bpp > 0. Otherwise a
    LatentCodecError that names the file.
    """
    where = WHERE if path is None else str(path)
    source = path
    if path is None:
        source = resources.files("latentcodec.data")
        for part in FILE:
            source = source.joinpath(part)
    try:
        with (
            source.open("r", encoding="utf-8") if path is None else open(source, encoding="utf-8")
        ) as handle:
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
    families the study is read against (`PIXEL_FAMILIES`), labels sorted."""
    return {
        family: sorted(label for label, codec in baselines.items() if codec == family)
        for family in PIXEL_FAMILIES
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

    Settings: every one with a finite PSNR, i.e. all of `SETTINGS` (only `png_original`,
    the source image at infinite PSNR, is left out). The float and npy rows are files the
    study wrote and measured, as real as the coded ones; their ratio says what storing the
    latent without a codec costs next to pixels (the lead table withholds a ratio only for
    our ceiling, the float latent as measured, not as a file the study kept).

    Families: `pixels` maps a family (avif, webp, jpeg) to the run's baseline labels (default
    `DEFAULT_PIXELS`, those present); within a family the cheapest label at the level counts
    (AVIF 4:2:0 or 4:4:4), as everywhere in the project. A family without a label in the run
    gives rows with status "no data".

    The ratio is the lead table's, by its code (`latentcodec.analysis.lead.beside_pixels`): the
    ratio
    of means. The level is the study's mean PSNR over the images; the pixel rate is where the
    pixel codec's mean-over-images curve (a fixed quality setting for all images, as the
    study's setting is fixed) reaches it, read off by `latentcodec.analysis.readoff`; the ratio is
    the
    study's mean bpp ÷ that rate. Not a per-image reading: matching each image's own quality
    would give the pixel codec a per-image rate control the latent setting does not have, and
    an image whose PSNR no quality of a codec reaches would leave its mean undefined. The
    interval is the paired bootstrap over images (`latentcodec.analysis.bootstrap`): a replicate
    draws
    the images once for the study's rows and our pixel curves alike, and recomputes the level,
    the curves and the ratio. A level below a pixel curve's lowest measured point gives that
    point's rate, status "at lowest measured rate", and the ratio is a lower bound (≥).
    """
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
    lossless = {setting.name: setting.lossless for setting in SETTINGS}
    theirs = study[study["image"].isin(images)].assign(
        model=STUDY_MODEL,
        codec=study["setting"],
        bitdepth=study["setting"].map({s.name: s.bitdepth for s in SETTINGS}),
        packing=study["setting"].map({s.name: s.packing for s in SETTINGS}),
        quality=study["setting"],
        exact=study["setting"].map(lossless),
    )
    used = [label for labels in families.values() for label in labels]
    ours = pixel_rows[pixel_rows["image"].isin(images) & pixel_rows["codec"].isin(used)]
    columns = [*SWEEP_KEYS, "image", "bpp", "psnr", "exact"]
    frame = pd.concat([theirs[columns], ours[columns]], ignore_index=True)
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


def real_vae_latent_space(
    metrics: pd.DataFrame,
    bootstrap: Bootstrap = DEFAULT_BOOTSTRAP,
    *,
    published: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The real SDXL VAE's row of the latent-spaces table (`latentcodec.analysis.spaces`), by the
    code
    that makes our models' rows: its published curves within 0.5 dB of its published ceiling
    beside this run's pixel codecs on the same images, with paired-bootstrap intervals. The
    study published 8 bits only and no SSIMULACRA2, so those columns are empty."""
    study = read_published() if published is None else published
    pixel_rows = metrics[metrics["model"] == PIXEL_MODEL]
    images = set(study["image"]) & set(pixel_rows["image"])
    columns = [*SWEEP_KEYS, "image", "bpp", "psnr", "exact"]
    rows = published_rows(study)
    frame = pd.concat([rows[columns], pixel_rows[columns]], ignore_index=True)
    points = operating_points(frame[frame["image"].isin(images)], "psnr", bootstrap)
    # The raw 8-bit file decodes to the 8-bit latent exactly: its rows are that latent decoded
    # as it is, the one bit depth whose distance to the ceiling the study measured.
    raw = rows[(rows["codec"] == BY_NAME["raw8"].codec) & rows["image"].isin(images)]
    decoded = raw.assign(codec=NO_CODEC, packing="none", quality=QUANTIZED_QUALITY)
    ceilings = rows[is_ceiling(rows) & rows["image"].isin(images)]
    gain = bitdepth_gain_table(pd.concat([ceilings, decoded], ignore_index=True))
    return latent_spaces_table(points, pd.DataFrame(columns=points.columns), gain)


def real_vae_space_markdown(space: pd.DataFrame) -> str:
    """The latent-spaces table's row of the real VAE, under that table's own header, its
    model labelled as the study's published numbers."""
    labelled = space.assign(model=REAL_VAE_LABEL)
    return (
        "The real SDXL VAE as a latent space, in the latent-spaces table's own terms (its "
        "cheapest stored latent within 0.5 dB of its own ceiling beside this run's best pixel "
        "codec at the same PSNR; the study published 8 bits only, so 8 is the one bit depth "
        "measured, and no SSIMULACRA2):\n\n" + latent_spaces_markdown(labelled)
    )


def seed_study_markdown(side: pd.DataFrame, versus: pd.DataFrame, space: pd.DataFrame) -> str:
    """The section "The seed study, side by side": both tables and the sentences their
    numbers say (TAESDXL as a stand-in for the real VAE: rate and decoder quality; the real
    VAE's 8-bit lossless point against pixel codecs)."""
    present = side[side["in_run"].astype(bool)]
    model = side["model"].iloc[0] if len(side) else "?"
    parts = [
        "## The seed study, side by side",
        f"Beside this run: {STUDY_LABEL}, per image on the 24 Kodak images, from {SOURCE}; "
        f"copied number for number into `{WHERE}` (source and method: `{README}`). The study "
        "quantised the scaled latent to 8 bits in one fixed range, [−4, 4], and stored it as "
        "one RGBA image. Study columns are the study's published numbers; ours are "
        f"`{model}` on the same images (means over the images both have).",
    ]
    parts.append(_side_table(present) if len(present) else "No study setting in this run.")
    missing = side[~side["in_run"].astype(bool)]
    if len(missing):
        parts.append(
            "Not in this run (study numbers only): "
            + ", ".join(
                f"`{row.setting}` ({row.codec} {row.quality}, {row.bitdepth}-bit)"
                for row in missing.itertuples()
            )
            + "."
        )
    parts.append(" ".join(_stand_in_sentences(present, model)))
    if len(space):
        parts.append(real_vae_space_markdown(space).rstrip())
    if len(versus):
        parts.append(_versus_table(versus))
        parts.append(" ".join(_versus_sentences(versus)))
    return "\n\n".join(part for part in parts if part) + "\n" + wide_note(versus)


def _side_table(present: pd.DataFrame) -> str:
    lines = [
        "| study setting | ours | images | study bpp | ours bpp | ours ÷ study | study PSNR "
        "| ours PSNR | ours − study (dB) | study SSIM | ours SSIM | r bpp | r PSNR |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in present.to_dict("records"):
        ours = f"{row['codec']} {row['quality']}" + (
            f" {row['bitdepth']}-bit" if row["codec"] != "none" else ""
        )
        lines.append(
            f"| `{row['setting']}` | {ours} | {row['images']} | {row['study_bpp']:.3f} | "
            f"{row['ours_bpp']:.3f} | {_number(row['bpp_ours_over_study'], '.2f')}× | "
            f"{row['study_psnr']:.2f} | {row['ours_psnr']:.2f} | "
            f"{row['psnr_ours_minus_study']:+.2f} | {row['study_ssim']:.4f} | "
            f"{_number(row['ours_ssim'], '.4f')} | {_number(row['bpp_correlation'], '.2f')} | "
            f"{_number(row['psnr_correlation'], '.2f')} |"
        )
    return "\n".join(lines)


def _number(value: float, spec: str) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:{spec}}"


def _span(values: pd.Series, spec: str) -> str:
    """The finite values' range as text: "a", or "a to b" (as `spec` prints them)."""
    values = values[np.isfinite(values.astype(np.float64))]
    low, high = values.min(), values.max()
    return (
        f"{low:{spec}}" if f"{low:{spec}}" == f"{high:{spec}}" else f"{low:{spec}} to {high:{spec}}"
    )


def _stand_in_sentences(present: pd.DataFrame, model: str) -> list[str]:
    """What the side-by-side table says about `model` standing in for the real VAE."""
    if present.empty:
        return []
    sentences = []
    coded = present[present["codec"] != "none"]  # float rows: bpp fixed by construction
    if not coded.empty:
        ratios = coded["bpp_ours_over_study"]
        close = bool((ratios.sub(1).abs() <= CLOSE_RATE).all())
        sentences.append(
            f"Rate: `{model}`'s stored latents take {_span(ratios, '.2f')}× the study's bytes "
            f"on the same codec settings, "
            + (
                f"within {100 * CLOSE_RATE:.0f} % on every one: as a stand-in for the real "
                "VAE's rate it is close."
                if close
                else f"more than {100 * CLOSE_RATE:.0f} % off on "
                f"{int((ratios.sub(1).abs() > CLOSE_RATE).sum())} of {len(ratios)}: its rates "
                "are not the real VAE's."
            )
        )
        correlations = coded["bpp_correlation"].dropna()
        if len(correlations):
            strong = bool((correlations >= STRONG_CORRELATION).all())
            sentences.append(
                f"Per image, the bpp correlates at r = {_span(correlations, '.2f')}: "
                + (
                    "the images that cost the real VAE more bits cost the stand-in more too."
                    if strong
                    else f"below {STRONG_CORRELATION:g} on some settings, so which images "
                    "are expensive differs between the two latents."
                )
            )
    gaps = present["psnr_ours_minus_study"]
    ceiling = present[present["setting"] == "fp32"]
    if len(ceiling):
        gap = float(ceiling["psnr_ours_minus_study"].iloc[0])
        word = "below" if gap < 0 else "above"
        sentences.append(
            f"Decoder quality: the float latent decodes {abs(gap):.2f} dB {word} the real "
            f"VAE's ({ceiling['ours_psnr'].iloc[0]:.2f} against "
            f"{ceiling['study_psnr'].iloc[0]:.2f} dB); over the settings ours − study is "
            f"{_span(gaps, '+.2f')} dB, "
            + (
                f"so `{model}`'s PSNRs stand in for the real VAE's only to within that gap."
                if abs(gap) > DECODER_GAP_DB
                else "close enough for its PSNRs to stand in for the real VAE's."
            )
        )
    else:
        sentences.append(f"Decoder quality: ours − study is {_span(gaps, '+.2f')} dB.")
    float32, eight = (present[present["setting"] == name] for name in ("fp32", "raw8"))
    if len(float32) and len(eight):
        cost = {
            side: float(float32[f"{side}_psnr"].iloc[0] - eight[f"{side}_psnr"].iloc[0])
            for side in ("study", "ours")
        }
        sentences.append(
            f"Quantising to 8 bits (the lossless 8-bit files decode it exactly) costs the real "
            f"VAE {cost['study']:.2f} dB and `{model}` {cost['ours']:.2f} dB."
        )
    correlations = present["psnr_correlation"].dropna()
    if len(correlations):
        sentences.append(
            f"Per-image PSNR correlates at r = {_span(correlations, '.2f')} "
            + (
                "(the same images are hard for both decoders)."
                if (correlations >= STRONG_CORRELATION).all()
                else "(the images hard for one decoder are not always hard for the other)."
            )
        )
    quantizers = {cell_text(value) for value in present["quantizer"]} - {"", "none", "nan"}
    if quantizers and quantizers != {STUDY_QUANTIZER}:
        sentences.append(
            f"Caution: this run quantised with {', '.join(sorted(quantizers))}, not the study's "
            f"{STUDY_QUANTIZER} ([−4, 4]), so the 8-bit rows are not the study's protocol."
        )
    clipped = present["clipped"].dropna()
    if len(clipped):
        sentences.append(
            f"The fixed range clipped {100 * clipped.max():.3g} % of `{model}`'s latent values "
            "(mean over images)."
        )
    return sentences


def _versus_table(versus: pd.DataFrame) -> str:
    families = list(dict.fromkeys(versus["family"]))
    header = "| study setting | study bpp (95 % CI) | study PSNR (dB) | " + " | ".join(
        f"{PIXEL_FAMILIES.get(family, family)} bpp at equal PSNR | latent ÷ "
        f"{PIXEL_FAMILIES.get(family, family)} (95 % CI)"
        for family in families
    )
    lines = [header + " |", "|---|---:|---:|" + "---:|---:|" * len(families)]
    for setting, rows in versus.groupby("setting", sort=False):
        first = rows.iloc[0].to_dict()
        cells = []
        for family in families:
            row = rows[rows["family"] == family].iloc[0].to_dict()
            cells.append(f"{_pixel_cell(row)} | {ratio_text(row)}")
        lines.append(
            f"| `{setting}` | {_with_interval(first, 'bpp')} | {first['psnr']:.2f} | "
            + " | ".join(cells)
            + " |"
        )
    first = versus.iloc[0]
    return (
        "The real SDXL VAE (the study's published numbers) against this run's pixel codecs on "
        f"the same {first['images']} images: for each study setting, the bpp each pixel codec "
        "needs for the study's mean PSNR (read where its mean-over-images curve reaches it; "
        "AVIF the cheaper of 4:2:0 and 4:4:4) and the study's mean bpp ÷ it, with 95 % "
        f"intervals from a paired bootstrap over images ({first['resamples']} resamples, seed "
        f"{first['seed']}), as the lead table's. ≤ a pixel rate read at the pixel curve's "
        "lowest measured point (the study's PSNR lies below it), which makes the ratio a "
        "bound (≥); never: no quality of the codec reaches it.\n\n" + "\n".join(lines)
    )


def _with_interval(row: dict, name: str) -> str:
    low, high = row[f"{name}_low"], row[f"{name}_high"]
    interval = "" if math.isnan(low) else f" ({low:.3f}–{high:.3f})"
    return f"{row[name]:.3f}{interval}"


def _pixel_cell(row: dict) -> str:
    status = row["pixel_status"]
    if status == "no data":
        return "not run"
    if math.isnan(row["pixel_bpp"]):
        peak = row["pixel_peak"]
        return "never" if math.isnan(peak) else f"never (peak {peak:.2f} dB)"
    codec = cell_text(row["pixel_codec"])
    return pixel_text(row) + (f" ({codec})" if codec else "")


def _versus_sentences(versus: pd.DataFrame) -> list[str]:
    rows = versus[versus["setting"] == LOSSLESS_POINT]
    if rows.empty:
        return []
    first = rows.iloc[0]
    parts = []
    for row in rows.to_dict("records"):
        name = PIXEL_FAMILIES.get(row["family"], row["family"])
        if row["pixel_status"] == "no data":
            continue
        if math.isnan(row["bpp_ratio"]):
            parts.append(f"{name} never reaches its PSNR")
        else:
            parts.append(f"{ratio_text(row)} the bytes of {name} ({cell_text(row['pixel_codec'])})")
    if not parts:
        return []
    return [
        f"The real SDXL VAE's 8-bit lossless point (`{LOSSLESS_POINT}`, JPEG XL lossless: "
        f"{first['bpp']:.3f} bpp at {first['psnr']:.2f} dB, the study's published numbers) "
        "needs " + "; ".join(parts) + " at the same mean PSNR on this run's images."
    ]


def write_seed_study(
    metrics: str | os.PathLike,
    side: str | os.PathLike,
    pixels: str | os.PathLike,
    space: str | os.PathLike,
    markdown: str | os.PathLike,
    *,
    dataset: str,
    model: str,
    baselines: Mapping[str, str],
    bootstrap: Mapping[str, int],
) -> None:
    """seed_study.csv (`side_by_side`), seed_study_pixels.csv (`real_vae_against_pixels`),
    seed_study_space.csv (`real_vae_latent_space`) and seed_study.md of one run; refuses a
    run that is not on the study's 24 Kodak images. `baselines`: label → codec of the run's
    pixel baselines; `bootstrap`: resamples, seed."""
    frame = read_table(metrics)
    images = sorted(frame["image"].unique())
    if not comparable(dataset, images):
        raise LatentCodecError(
            f"seed_study: the study published all 24 Kodak images at their own size; this run "
            f"measured {len(images)} images of dataset {dataset!r}"
        )
    settings = Bootstrap(int(bootstrap["resamples"]), int(bootstrap["seed"]))
    published = read_published()
    side_table = side_by_side(frame, model, published=published)
    versus = real_vae_against_pixels(
        frame, settings, pixels=pixel_families(baselines), published=published
    )
    space_table = real_vae_latent_space(frame, settings, published=published)
    write_csv(side_table, side)
    write_csv(versus, pixels)
    write_csv(space_table, space)
    write_text_atomic(markdown, seed_study_markdown(side_table, versus, space_table))


__all__ = [
    "BY_NAME",
    "SETTINGS",
    "STUDY_LABEL",
    "Setting",
    "pearson",
    "pixel_families",
    "published_rows",
    "read_published",
    "real_vae_latent_space",
    "real_vae_against_pixels",
    "seed_study_markdown",
    "shows_seed_study",
    "side_by_side",
    "write_seed_study",
]

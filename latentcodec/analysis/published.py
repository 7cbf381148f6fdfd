"""CompressAI's published Kodak rate–distortion curves, and this run's curves against them.

The package ships copies of CompressAI's Kodak result files (`data/references/compressai_kodak/`,
sources in `data/references/README.md`): per point, the mean over the 24 Kodak images of bpp
(from real bitstreams), RGB PSNR and MS-SSIM (linear, 0–1), for MSE-trained learned codecs
(Ballé 2018, Minnen 2018, Cheng 2020, ELIC) and standard ones (VTM, BPG 4:4:4, AV1). They are
numbers to stand beside ours, not models to run.

- `PUBLISHED`: the one place that says which file is which codec, its label and family.
- `published_curves`: the shipped files as one tidy DataFrame (codec, label, family, point,
  bpp, psnr, msssim, name, source).
- `comparable` / `shows_compressai` / `shows_seed_study`: whether a run measured what the
  published means are means over (exactly kodim01…kodim24 of the registered Kodak set, not
  shrunk), and whether it draws CompressAI's curves (`references.compressai`) or writes the
  seed study's tables (`references.seed_study`). The workflow calls the last two.
- `best_latent_curve`: the lossy latent curve with the lowest BD-rate on PSNR against the
  run's `comparison.anchor`, read from the run's `bdrate.csv`.
- `published_bd_table`: BD-rates (`latentcodec.analysis.bjontegaard.bd_rate`) of the run's
  pixel AVIF curves and its best latent curve against each published curve, on PSNR and on
  MS-SSIM in dB, from the per-setting means over images; `latentcodec.report.published`
  writes it down.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from latentcodec.analysis.bjontegaard import bd_rate, msssim_db
from latentcodec.errors import LatentCodecError
from latentcodec.sources import shipped_file
from latentcodec.tables import is_pixel, is_uncoded, summarize

FOLDER = ("references", "compressai_kodak")  # under the package's data/
SOURCE = "CompressAI 869a9f5, results/image/kodak"
FAMILIES = ("learned", "standard")
# What the published numbers measured: the registered Kodak set (dataset key and images), all
# 24 images at their own size; a test holds these against the dataset registry.
PUBLISHED_DATASET = "kodak"
KODAK_IMAGES = tuple(f"kodim{number:02d}" for number in range(1, 25))
CURVE_COLUMNS = ["codec", "label", "family", "point", "bpp", "psnr", "msssim", "name", "source"]
# Our quality columns → the keys of the published files (MS-SSIM linear in both).
_KEYS = {"bpp": "bpp", "psnr": "psnr-rgb", "msssim": "ms-ssim-rgb"}
_REQUIRED = ("bpp", "psnr-rgb")  # ELIC's paper gives no MS-SSIM
# Metric → (column in the curves, name in the Markdown): BD-rate on PSNR and on MS-SSIM in
# dB, −10·log10(1 − MS-SSIM), as bdrate.csv has it.
BD_METRICS = {"psnr": "PSNR", "msssim_db": "MS-SSIM"}
BD_COLUMNS = [
    "curve", "kind", "model", "codec", "bitdepth", "packing", "points",
    "reference", "reference_label", "family", "metric", "bd_rate", "note",
]  # fmt: skip


@dataclass(frozen=True)
class Published:
    """One shipped file: its codec id, the label figures and tables show, and its family."""

    file: str
    codec: str
    label: str
    family: str  # learned | standard


PUBLISHED = (
    Published("compressai-bmshj2018-factorized_mse_cuda.json", "bmshj2018-factorized",
              "Ballé 2018 factorized", "learned"),
    Published("compressai-bmshj2018-hyperprior_mse_cuda.json", "bmshj2018-hyperprior",
              "Ballé 2018 hyperprior", "learned"),
    Published("compressai-mbt2018-mean_mse_cuda.json", "mbt2018-mean",
              "Minnen 2018 (mean)", "learned"),
    Published("compressai-mbt2018_mse_cuda.json", "mbt2018", "Minnen 2018 (joint)", "learned"),
    Published("compressai-cheng2020-anchor_mse_cuda.json", "cheng2020-anchor",
              "Cheng 2020 (anchor)", "learned"),
    Published("compressai-cheng2020-attn_mse_cuda.json", "cheng2020-attn",
              "Cheng 2020 (attn)", "learned"),
    Published("paper-elic2022_mse.json", "elic2022", "ELIC", "learned"),
    Published("vtm.json", "vtm", "VTM", "standard"),
    Published("bpg_444_x265_ycbcr.json", "bpg444", "BPG 4:4:4", "standard"),
    Published("av1.json", "av1", "AV1", "standard"),
)  # fmt: skip


def reference_path(file: str):
    """The shipped copy of one published file (`sources.shipped_file`)."""
    return shipped_file(*FOLDER, file)


def published_curves(entries: Sequence[Published] = PUBLISHED) -> pd.DataFrame:
    """The published curves as one tidy table, a row per point in increasing bpp.

    `msssim` is NaN for a file without MS-SSIM (ELIC's paper). A missing or malformed file
    raises a LatentCodecError that names it.
    """
    frames = [_read_curve(entry) for entry in entries]
    if not frames:
        return pd.DataFrame(columns=CURVE_COLUMNS)
    return pd.concat(frames, ignore_index=True)[CURVE_COLUMNS]


def _read_curve(entry: Published) -> pd.DataFrame:
    path = reference_path(entry.file)
    where = f"{'/'.join(FOLDER)}/{entry.file}"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LatentCodecError(
            f"published curve {where}: not in the package (reinstall latentcodec, or copy it "
            f"from {SOURCE})"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LatentCodecError(f"published curve {where}: cannot read as JSON ({error})") from None
    if entry.family not in FAMILIES:
        raise LatentCodecError(f"published curve {where}: unknown family {entry.family!r}")
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise LatentCodecError(f"published curve {where}: not an object with a 'name'")
    results = data.get("results")
    if not isinstance(results, dict):
        raise LatentCodecError(f"published curve {where}: no 'results' object")
    missing = [key for key in _REQUIRED if key not in results]
    if missing:
        raise LatentCodecError(f"published curve {where}: 'results' lacks {missing}")
    columns = {}
    for column, key in _KEYS.items():
        values = results.get(key)
        if values is None:
            columns[column] = None
            continue
        try:
            array = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            message = f"published curve {where}: {key} is not a list of numbers"
            raise LatentCodecError(message) from None
        if array.ndim != 1 or not np.all(np.isfinite(array)):
            raise LatentCodecError(
                f"published curve {where}: {key} must be a list of finite numbers"
            )
        columns[column] = array
    points = len(columns["bpp"])
    lengths = {key: len(values) for key, values in columns.items() if values is not None}
    if points < 2 or len(set(lengths.values())) != 1:
        raise LatentCodecError(
            f"published curve {where}: needs ≥ 2 points and one value per point, got {lengths}"
        )
    if np.any(columns["bpp"] <= 0):
        raise LatentCodecError(f"published curve {where}: bpp must be > 0")
    if columns["msssim"] is None:
        columns["msssim"] = np.full(points, np.nan)
    elif np.any((columns["msssim"] < 0) | (columns["msssim"] > 1)):
        raise LatentCodecError(f"published curve {where}: ms-ssim-rgb must be linear, in [0, 1]")
    frame = pd.DataFrame(columns).sort_values("bpp", kind="stable", ignore_index=True)
    return frame.assign(
        codec=entry.codec,
        label=entry.label,
        family=entry.family,
        point=np.arange(points),
        name=data["name"],
        source=f"{SOURCE}/{entry.file}",
    )


def comparable(dataset: str, images: Iterable[str]) -> bool:
    """Whether a run measured what the published means are over: the registered Kodak set at
    its own size (dataset key "kodak", not "kodak-max…" or a folder) and exactly its 24
    images, kodim01…kodim24."""
    return dataset == PUBLISHED_DATASET and sorted(images) == list(KODAK_IMAGES)


def check_comparable(metrics: pd.DataFrame, dataset: str, refusal: str) -> None:
    """Refuse a results table that is not `comparable`: `refusal` says why it must be, and
    the error adds what the run measured."""
    images = sorted(metrics["image"].unique())
    if not comparable(dataset, images):
        raise LatentCodecError(
            f"{refusal}; this run measured {len(images)} images of dataset {dataset!r}"
        )


def shows_compressai(config: dict, dataset: str, images: Iterable[str]) -> bool:
    """Whether a run draws CompressAI's curves and writes published_bdrate.*: the config's
    `references.compressai` (default true) and `comparable`. `dataset` and `images` as the
    workflow has them (DATASET, IMAGES in rules/common.smk)."""
    wanted = config.get("references", {}).get("compressai", True)
    return bool(wanted) and comparable(dataset, images)


def shows_seed_study(config: dict, dataset: str, images: Iterable[str]) -> bool:
    """Whether a run writes seed_study.*: the config's `references.seed_study` (default true)
    and a run on exactly the 24 Kodak images at their own size (`comparable`), the
    images the study published. `dataset` and `images` as the workflow has them."""
    wanted = config.get("references", {}).get("seed_study", True)
    return bool(wanted) and comparable(dataset, images)


def best_latent_curve(bd: pd.DataFrame) -> dict | None:
    """The lossy latent curve with the lowest BD-rate on PSNR against the run's anchor
    (a row of bdrate.csv as a dict: model, codec, bitdepth, packing, anchor, bd_rate_psnr);
    None when no curve has one (none overlaps the anchor, or the run has no lossy curve)."""
    if bd.empty or "bd_rate_psnr" not in bd:
        return None
    scored = bd[bd["bd_rate_psnr"].notna()]
    if scored.empty:
        return None
    return (
        scored.sort_values(["bd_rate_psnr", "model", "codec", "bitdepth", "packing"], kind="stable")
        .iloc[0]
        .to_dict()
    )


def published_bd_table(
    frame: pd.DataFrame,
    published: pd.DataFrame,
    *,
    pixel_codecs: Sequence[str],
    best: dict | None,
) -> pd.DataFrame:
    """BD-rate of each of our curves (test) against each published curve (anchor), on PSNR
    and on MS-SSIM in dB: a row per (our curve, published curve, metric).

    Our curves: each pixel baseline in `pixel_codecs` present in `frame` (the AVIF ones), and
    the latent curve `best` (model, codec, bitdepth, packing; see `best_latent_curve`), each
    as the means over images per setting, as the published points are means. Negative: ours
    needs fewer bits than the published codec for the same quality. Where the curves do not
    overlap, or a side has no score, `bd_rate` is NaN and `note` says why.
    """
    summary = summarize(frame)
    summary = summary.assign(msssim_db=msssim_db(summary["msssim"].to_numpy()))
    ours = []
    for codec in pixel_codecs:
        curve = summary[is_pixel(summary) & (summary["codec"] == codec)]
        if not curve.empty:
            bits = int(curve["bitdepth"].iloc[0])
            description = {"curve": codec, "kind": "pixel", "model": "none", "codec": codec}
            ours.append((description | {"bitdepth": bits, "packing": "none"}, curve))
    if best is not None:
        keys = {key: best[key] for key in ("model", "codec", "bitdepth", "packing")}
        latent = summary[~is_pixel(summary) & ~is_uncoded(summary)]
        curve = latent[(latent[list(keys)] == pd.Series(keys)).all(axis=1)]
        name = f"{keys['model']} {keys['codec']} {keys['bitdepth']}-bit {keys['packing']}"
        ours.append(({"curve": name, "kind": "latent", **keys}, curve))
    rows = []
    for description, curve in ours:
        for codec, reference in published.groupby("codec", sort=False):
            first = reference.iloc[0]
            for metric in BD_METRICS:
                value, note = _bd_rate(reference, curve, metric)
                rows.append(
                    description
                    | {
                        "points": len(curve),
                        "reference": codec,
                        "reference_label": first["label"],
                        "family": first["family"],
                        "metric": metric,
                        "bd_rate": value,
                        "note": note,
                    }  # fmt: skip
                )
    return pd.DataFrame(rows, columns=BD_COLUMNS)


def _bd_rate(reference: pd.DataFrame, curve: pd.DataFrame, metric: str) -> tuple[float, str]:
    """`bd_rate` of `curve` against `reference` on `metric`, over their finite points."""
    published = reference.assign(msssim_db=msssim_db(reference["msssim"].to_numpy()))
    sides = []
    for side in (published, curve):
        usable = side[np.isfinite(side[metric]) & (side["bpp"] > 0)]
        sides.append((usable["bpp"].to_numpy(), usable[metric].to_numpy()))
    (anchor_rate, anchor_quality), (test_rate, test_quality) = sides
    if len(anchor_quality) < 2:
        return math.nan, f"no published {BD_METRICS[metric]}"
    if len(test_quality) < 2:
        return math.nan, f"fewer than 2 finite {BD_METRICS[metric]} points of ours"
    try:
        return bd_rate(anchor_rate, anchor_quality, test_rate, test_quality), ""
    except LatentCodecError as error:
        return math.nan, str(error)

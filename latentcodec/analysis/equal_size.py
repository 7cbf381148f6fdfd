"""Equal size that means equal size: each lossy latent file beside pixel encodings of the same
image whose byte counts are the closest to its own.

One job per image (rule `match_sizes`). For each lossy latent file of that image in the
results table, at the chosen bit depths, its size is `bytes`: the whole `.lcf` file, the size
its bpp counts. For each named pixel baseline (its codec and options, so the same encoder
effort as in the baseline's own curve), a bisection over the codec's integer quality scale
finds where the encoded size crosses that target, and of the two qualities either side of
the crossing the one closest in bytes is kept (a tie goes to the larger file, so the pixel
side never gets the short end of it). Encodings are memoised, so each (image, codec,
quality) is encoded at most once per job. Every pair reports both qualities, both sizes,
`size_ratio` = pixel bytes ÷ latent bytes and `size_mismatch` when they are more than 5 %
apart, which happens only where adjacent qualities straddle the target by more than that,
or where the target lies outside the codec's sizes (`out_of_range`).

Only lossy latent files are matched. Lossless latent files are several times larger than
the pixel encodings at the rates in question, and the claim under test (latents look better
than JPEG or WebP at the same size) is about lossy rates.

Sizes are assumed not to fall as quality rises. Where a real codec's curve dips locally,
the bisection still ends at a crossing, and `size_ratio` reports how close it came.

Each matched encoding is written to `<files>/<baseline>-q<quality>.<codec>` so that the
crop grid decodes exactly those bytes and `ls -l` audits the sizes.

`equal_size_summary` sums the run's pairs up per model, codec and baseline;
`equal_size_panels` measures the crops the equal-size figure shows, from the stored files.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from latentcodec.analysis.crops import centre_window
from latentcodec.codecs.registry import CODECS, get_codec
from latentcodec.errors import LatentCodecError
from latentcodec.io import MAX_PIXELS, load_image, read_rgb, write_bytes_atomic
from latentcodec.measure.metrics import bits_per_pixel, psnr, ssim
from latentcodec.measure.ssimulacra2 import ssimulacra2
from latentcodec.tables import (
    TableSchema,
    is_pixel,
    is_uncoded,
    read_csv_table,
    read_routes,
    write_csv,
)

log = logging.getLogger(__name__)

SIZE_TOLERANCE = 0.05  # pairs further apart than this, relative to the latent size, are flagged
LATENT_KEYS = ["image", "model", "codec", "bitdepth", "packing", "quality", "quality_value"]
SUMMARY_SCORES = ("ssimulacra2", "psnr")
FILE_KEYS = ["image", "model", "codec", "bitdepth", "packing", "quality"]  # one latent file


@dataclass(frozen=True)
class Match:
    """The quality value whose encoding is closest in bytes to `target`."""

    quality_value: int
    size: int
    target: int
    out_of_range: str  # "": bracketed; "below": target under the smallest size; "above": over

    @property
    def ratio(self) -> float:
        return self.size / self.target

    @property
    def mismatch(self) -> bool:
        return abs(self.size - self.target) > SIZE_TOLERANCE * self.target


class QualitySearch:
    """Bisection over one codec's integer quality scale for one image; every encoding kept.

    `encode(quality_value)` gives the file's bytes; it is called at most once per value however
    many targets are searched.
    """

    def __init__(self, encode: Callable[[int], bytes], low: int, high: int):
        if low > high:
            raise LatentCodecError(f"quality scale {low} … {high} is empty")
        self._encode = encode
        self.low, self.high = low, high
        self._encodings: dict[int, bytes] = {}

    def encoding(self, quality_value: int) -> bytes:
        if quality_value not in self._encodings:
            self._encodings[quality_value] = self._encode(quality_value)
        return self._encodings[quality_value]

    @property
    def encodings(self) -> int:
        """How many quality values have been encoded so far."""
        return len(self._encodings)

    def size(self, quality_value: int) -> int:
        return len(self.encoding(quality_value))

    def closest(self, target: int) -> Match:
        """The quality value whose size is closest to `target` bytes (ties: the larger file)."""
        if target <= 0:
            raise LatentCodecError(f"target size must be positive, got {target}")
        low, high = self.low, self.high
        if self.size(high) < target:
            return Match(high, self.size(high), target, "above")
        if self.size(low) >= target:
            return Match(low, self.size(low), target, "below" if self.size(low) > target else "")
        # Invariant: size(low) < target <= size(high).
        while high - low > 1:
            middle = (low + high) // 2
            if self.size(middle) >= target:
                high = middle
            else:
                low = middle
        below, above = target - self.size(low), self.size(high) - target
        quality_value = low if below < above else high
        return Match(quality_value, self.size(quality_value), target, "")


PAIR_METRICS = ("psnr", "ssim", "ssimulacra2")  # the results table's names for them


def measure_pair(original: np.ndarray, decoded: np.ndarray) -> dict[str, float]:
    """Every metric in PAIR_METRICS for a matched pixel encoding.

    The latent side's values are read from the results table under the same names.
    """
    return {
        "psnr": psnr(original, decoded),
        "ssim": ssim(original, decoded),
        "ssimulacra2": ssimulacra2(original, decoded),
    }


def lossy_latent_rows(frame: pd.DataFrame, image: str, bitdepths: Sequence[int]) -> pd.DataFrame:
    """The lossy latent-codec rows of one image at the given bit depths."""
    rows = frame[
        (frame["image"] == image)
        & ~is_pixel(frame)
        & ~is_uncoded(frame)
        & frame["bitdepth"].isin(list(bitdepths))
    ]
    lossless = [
        CODECS[codec].is_lossless(None if pd.isna(value) else int(value))
        for codec, value in zip(rows["codec"], rows["quality_value"], strict=True)
    ]
    return rows[~np.array(lossless, dtype=bool)]


def match_sizes(
    *,
    source: str | os.PathLike,
    table: str | os.PathLike,
    pairs: str | os.PathLike,
    files: str | os.PathLike,
    baselines: dict[str, dict],
    bitdepths: Sequence[int],
    max_pixels: int | None = MAX_PIXELS,
) -> None:
    """Pair each lossy latent file of the image in `source` with each baseline at equal size.

    `baselines`: label → {"codec": name, "options": {...}}. Writes the pairs to `pairs`
    (CSV) and each matched pixel encoding under `files`.
    """
    image = Path(source).stem
    latent = lossy_latent_rows(read_routes(table), image, bitdepths)
    Path(files).mkdir(parents=True, exist_ok=True)  # declared output, empty when nothing matches
    original = load_image(source, max_pixels)
    height, width = original.shape[:2]
    rows = []
    for name, setting in baselines.items():
        coder = get_codec(setting["codec"], **setting.get("options", {}))
        if coder.quality_range is None:
            raise LatentCodecError(f"comparison.equal_size: {name} ({coder.name}) has no rate")
        search = QualitySearch(partial(coder.encode, original, 8), *coder.quality_range)
        measured: dict[int, dict] = {}
        for row in latent.to_dict("records"):
            match = search.closest(int(row["bytes"]))
            path = Path(files) / f"{name}-q{match.quality_value}.{coder.name}"
            if match.quality_value not in measured:
                data = search.encoding(match.quality_value)
                write_bytes_atomic(path, data)
                measured[match.quality_value] = measure_pair(original, coder.decode(data))
            metrics = measured[match.quality_value]
            missing = [key for key in metrics if key not in row]
            if missing:
                raise LatentCodecError(f"{table}: no {missing} column for the latent side")
            rows.append(
                {key: row[key] for key in LATENT_KEYS}
                | {"effort": row["effort"], "latent_bytes": match.target, "bpp": row["bpp"]}
                | {key: row[key] for key in metrics}
                | {"source": row["source"], "recon": row["recon"]}
                | {"baseline": name, "pixel_codec": coder.name}
                | {"pixel_effort": coder.effort_setting, "pixel_quality": match.quality_value}
                | {"pixel_bytes": match.size}
                | {"pixel_bpp": bits_per_pixel(match.size, width, height)}
                | {f"pixel_{key}": value for key, value in metrics.items()}
                | {"pixel_file": str(path), "size_ratio": match.ratio}
                | {"size_mismatch": match.mismatch, "out_of_range": match.out_of_range}
            )
        log.info("%s, %s: %d encodings for %d files", image, name, search.encodings, len(latent))
    write_csv(pd.DataFrame(rows, columns=pair_columns()), pairs)


def pair_columns() -> list[str]:
    """The equal-size table's columns, in order."""
    metrics = list(PAIR_METRICS)
    return [
        *LATENT_KEYS,
        "effort",
        "latent_bytes",
        "bpp",
        *metrics,
        "source",
        "recon",
        "baseline",
        "pixel_codec",
        "pixel_effort",
        "pixel_quality",
        "pixel_bytes",
        "pixel_bpp",
        *(f"pixel_{key}" for key in metrics),
        "pixel_file",
        "size_ratio",
        "size_mismatch",
        "out_of_range",
    ]


def read_pairs(path: str | os.PathLike) -> pd.DataFrame:
    """An equal-size table (one image's or the whole run's), strings kept as strings."""
    return read_csv_table(path, PAIRS_TABLE)


PAIRS_TABLE = TableSchema(
    "an equal-size table",
    tuple(pair_columns()),
    dtypes={"quality": str, "effort": str, "pixel_effort": str, "out_of_range": str},
    text=("effort", "pixel_effort", "out_of_range"),
    na_values=("",),
)


def concatenate_pairs(paths: Sequence[str | os.PathLike], output: str | os.PathLike) -> None:
    """The per-image equal-size tables as one."""
    frames = [read_pairs(path) for path in paths]
    write_csv(pd.concat(frames, ignore_index=True)[pair_columns()], output)


def equal_size_summary(pairs: pd.DataFrame) -> pd.DataFrame:
    """The pairs summarised: does a latent file look better than pixel codecs at the same
    bytes? (Bühlmann's claim, tested perceptually.) One row per model × latent codec × bit
    depth × baseline over the pairs matched within the tolerance (a pair the quality scale
    could not match would hand one side more bytes; `unmatched` counts those): the mean size
    ratio, the mean score of each side and the share of pairs in which the latent file scores
    higher, on SSIMULACRA2 (perceptual) and PSNR."""
    matched = pairs[~pairs["size_mismatch"].astype(bool)]
    rows = []
    keys = ["model", "codec", "bitdepth", "baseline"]
    for (model, codec, bits, baseline), group in matched.groupby(keys, sort=True):
        row = {"model": model, "codec": codec, "bitdepth": bits, "baseline": baseline}
        row["pairs"] = len(group)
        row["unmatched"] = int(
            (
                (pairs["model"] == model)
                & (pairs["codec"] == codec)
                & (pairs["bitdepth"] == bits)
                & (pairs["baseline"] == baseline)
                & pairs["size_mismatch"].astype(bool)
            ).sum()
        )
        row["size_ratio"] = float(group["size_ratio"].mean())
        row["bpp"] = float(group["bpp"].mean())
        for score in SUMMARY_SCORES:
            latent, pixel = group[score].to_numpy(float), group[f"pixel_{score}"].to_numpy(float)
            row[f"latent_{score}"] = float(np.mean(latent))
            row[f"pixel_{score}"] = float(np.mean(pixel))
            row[f"latent_better_{score}"] = float(np.mean(latent > pixel))
        rows.append(row)
    return pd.DataFrame(rows)


def equal_size_panels(
    pairs: pd.DataFrame,
    baselines: list[str],
    images: list[str],
    *,
    models: list[str] | None = None,
    setting: str | None = None,
    bitdepth: int | None = None,
    size: int = 256,
) -> pd.DataFrame:
    """The panels of the equal-size grid, measured: per shown latent file, its original, the
    latent file decoded and each baseline's matched file decoded, each as its centre crop
    (`crop`, at most `size` square) with the crop's own PSNR, SSIM and SSIMULACRA2 against the
    original's (NaN for the original itself), its file's bytes and, for a pixel file, the
    size ratio. A row per panel; `row` numbers the grid's rows (image, then model).

    The latent file shown is `setting` ("<codec>-<quality>", e.g. "avif-q45") at `bitdepth`;
    without a setting, the lossy latent file with the lowest rate whose pairs with every
    baseline are within the size tolerance, where latent codecs differ most from pixel codecs.
    """
    shown = pairs[pairs["baseline"].isin(baselines) & pairs["image"].isin(images)]
    if models:
        shown = shown[shown["model"].isin(models)]
    if setting is not None:
        shown = shown[(shown["codec"] + "-" + shown["quality"]) == setting]
        if bitdepth is not None:
            shown = shown[shown["bitdepth"] == bitdepth]
    matched = shown.groupby(FILE_KEYS).filter(
        lambda group: (
            set(group["baseline"]) == set(baselines)
            and not group["size_mismatch"].astype(bool).any()
        )
    )
    chosen = (
        matched.drop_duplicates(FILE_KEYS)
        .sort_values("bpp")
        .groupby(["image", "model"], sort=False)
        .head(1)
    )
    chosen = chosen.assign(order=chosen["image"].map(images.index)).sort_values(["order", "model"])
    panels = []
    for number, row in enumerate(chosen.itertuples(index=False)):
        same_file = (shown[FILE_KEYS] == pd.Series(row._asdict())[FILE_KEYS]).all(axis=1)
        panels += _file_panels(row, shown[same_file], baselines, size, number)
    return pd.DataFrame(panels, columns=PANEL_COLUMNS)


PANEL_COLUMNS = [
    "row", "image", "model", "kind", "label", "bytes", "size_ratio", "psnr", "ssim",
    "ssimulacra2", "crop",
]  # fmt: skip


def _file_panels(row, pairs: pd.DataFrame, baselines: list[str], size: int, number: int):
    """The original, the latent file and each baseline's file of one grid row."""
    original = load_image(row.source, max_pixels=None)
    window = centre_window(original.shape, size)
    reference = original[window]
    common = {"row": number, "image": row.image, "model": row.model}
    panels = [common | {"kind": "original", "label": "original", "crop": reference}]
    latent = f"{row.model}: {row.codec} {row.quality}, {row.bitdepth}-bit"
    decoded = [("latent", latent, read_rgb(row.recon), int(row.latent_bytes), np.nan)]
    for name in baselines:
        pair = pairs[pairs["baseline"] == name].iloc[0]
        data = Path(pair["pixel_file"]).read_bytes()
        pixels = get_codec(pair["pixel_codec"]).decode(data)
        label = f"{name} q{int(pair['pixel_quality'])}"
        decoded.append(("pixel", label, pixels, len(data), pair["size_ratio"]))
    for kind, label, pixels, stored, ratio in decoded:
        crop = pixels[window]
        panels.append(
            common
            | {"kind": kind, "label": label, "bytes": stored, "size_ratio": ratio, "crop": crop}
            | measure_pair(reference, crop)
        )
    return panels

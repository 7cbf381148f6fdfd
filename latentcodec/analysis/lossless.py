"""What the lossless latent files cost: every exact setting's rate beside the entropy bounds
(`latentcodec.analysis.entropy`), how far the image codecs are from the codecs that code the
latent itself, and the smallest lossless file at a bit depth that keeps the ceiling. From the
results table and the bound tables; `latentcodec.report.entropy` writes them down.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from latentcodec.analysis.ceiling import SMALLEST_DELTA_DB
from latentcodec.analysis.entropy import BOUNDS
from latentcodec.codecs.registry import NATIVE_LATENT_CODECS
from latentcodec.errors import LatentCodecError
from latentcodec.tables import (
    NO_CODEC,
    PIXEL_MODEL,
    TableSchema,
    is_ceiling,
    is_quantized,
    is_uncoded,
    summarize,
)

ENTROPY_REPORT = TableSchema(
    "an entropy report",
    ("model", "bitdepth", "kind", "name", "codec", "images", "bits_per_value", "bpp"),
)
DISTANCE_COLUMNS = [
    "model", "bitdepth", "native", "native_bpp", "bound", "bound_bpp", "bound_gap", "codec",
    "bpp", "change",
]  # fmt: skip


def lossless_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean bpp (side bytes included) of every exact latent codec setting, per model and depth.

    Rows of `frame` (a results table) with a codec (not the ceiling or the bare quantised
    latent), not pixel baselines, exact on every image.
    """
    summary = summarize(frame)
    chosen = summary[(summary["model"] != PIXEL_MODEL) & ~is_uncoded(summary) & summary["exact"]]
    names = chosen["codec"].astype(str)
    ambiguous = chosen.duplicated(["model", "bitdepth", "codec"], keep=False)
    labels = names.where(~ambiguous, names + "-" + chosen["quality"] + "/" + chosen["packing"])
    return pd.DataFrame(
        {
            "model": chosen["model"],
            "bitdepth": chosen["bitdepth"].astype(int),
            "kind": "codec",
            "name": labels,
            "codec": names,
            "images": chosen["images"],
            "bits_per_value": np.nan,
            "bpp": chosen["bpp"],
        }
    )


def entropy_report(bounds: Sequence[pd.DataFrame], metrics: pd.DataFrame) -> pd.DataFrame:
    """Every model's bounds beside its lossless codecs' real bpp, one row per (model, bit
    depth, bound or codec); codecs only at the depths the bounds cover."""
    frames = []
    for table in bounds:
        frames.append(
            pd.DataFrame(
                {
                    "model": table["model"],
                    "bitdepth": table["bitdepth"],
                    "kind": "bound",
                    "name": table["bound"],
                    "codec": NO_CODEC,
                    "images": table["images"],
                    "bits_per_value": table["bits_per_value"],
                    "bpp": table["bpp"],
                }
            )
        )
    if not frames:
        raise LatentCodecError("entropy report: no bound tables given")
    report = pd.concat(frames, ignore_index=True)
    covered = report[["model", "bitdepth"]].drop_duplicates()
    codecs = lossless_rates(metrics).merge(covered, on=["model", "bitdepth"])
    report = pd.concat([report, codecs], ignore_index=True)
    order = {name: index for index, name in enumerate(BOUNDS)}
    report["_order"] = report["name"].map(order).fillna(len(order))
    report = report.sort_values(["model", "bitdepth", "_order", "name"], kind="stable")
    return report.drop(columns="_order").reset_index(drop=True)


def entropy_distances(report: pd.DataFrame) -> pd.DataFrame:
    """Per model and bit depth, the cheapest codec that codes the latent itself
    (`NATIVE_LATENT_CODECS`: lac), each image codec's rate against it (`change`: value ÷ its
    rate − 1, a row per image codec, cheapest first) and the best bound's gap to it
    (`bound_gap`: bound ÷ its rate − 1). Where a depth lacks a native codec, an image codec
    or a bound, it has no rows."""
    rows = []
    for (model, bits), of_depth in report.groupby(["model", "bitdepth"], sort=True):
        coded = of_depth[of_depth["kind"] == "codec"]
        codecs = coded.set_index("name")["bpp"]
        native = [row.name for row in coded.itertuples() if row.codec in NATIVE_LATENT_CODECS]
        images = codecs.drop(native).sort_values()
        bounds = of_depth[of_depth["kind"] == "bound"].set_index("name")["bpp"]
        if not native or images.empty or bounds.empty:
            continue
        name = min(native, key=codecs.get)
        rate, bound = codecs[name], bounds.idxmin()
        common = {"model": model, "bitdepth": bits, "native": name, "native_bpp": rate}
        common |= {
            "bound": bound,
            "bound_bpp": bounds[bound],
            "bound_gap": bounds[bound] / rate - 1,
        }
        rows += [
            common | {"codec": other, "bpp": value, "change": value / rate - 1}
            for other, value in images.items()
        ]
    return pd.DataFrame(rows, columns=DISTANCE_COLUMNS)


def smallest_lossless(metrics: pd.DataFrame, models: Sequence[str]) -> pd.DataFrame:
    """Per model, the smallest lossless file among the bit depths that keep the ceiling (their
    quantised latent within `SMALLEST_DELTA_DB` of it; all depths when none does or there is
    no ceiling): a lossless file of a coarser latent is small only because it lost more.
    Beside it the raw integers at its depth (`raw_bpp`, NaN when not measured) and its
    `share` of them. A model without a lossless file has no row."""
    summary = summarize(metrics)
    rows = []
    for model in models:
        of_model = summary[summary["model"] == model]
        lossless = of_model[of_model["exact"] & ~is_uncoded(of_model)]
        ceiling_rows = of_model[is_ceiling(of_model)]
        quantised = of_model[is_quantized(of_model)]
        if not ceiling_rows.empty:
            level = ceiling_rows["psnr"].iloc[0] - SMALLEST_DELTA_DB
            enough = set(quantised.loc[quantised["psnr"] >= level, "bitdepth"])
            if enough:
                lossless = lossless[lossless["bitdepth"].isin(enough)]
        if lossless.empty:
            continue
        best = lossless.sort_values(["bpp", "codec"]).iloc[0]
        raw = quantised.loc[quantised["bitdepth"] == best["bitdepth"], "bpp"]
        raw_bpp = raw.iloc[0] if len(raw) else np.nan
        row = {key: best[key] for key in ("model", "codec", "bitdepth", "packing", "bpp", "psnr")}
        rows.append(row | {"raw_bpp": raw_bpp, "share": best["bpp"] / raw_bpp})
    return pd.DataFrame(rows)

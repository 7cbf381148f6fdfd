"""findings.md: the research question answered in a few sentences, then the tables.

All from files the workflow already wrote; no model runs here, and every number is filled
in by code. The tables, and the sentences about them, come from their own modules: the lead
model's sweep (`lead`), the latent spaces compared (`spaces`), operating points
(`operating_points`), BD-rates (`compare`), the equal-size pairs (`equal_bytes`), bit depths
(`bitdepth`) and channels (`channels`). This module reads them and puts the answer together.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from latentcodec.analysis.bitdepth import (
    SMALLEST_DELTA_DB,
    bitdepth_gain_markdown,
    bitdepth_sentence,
)
from latentcodec.analysis.channels import channel_sentence
from latentcodec.analysis.compare import bd_markdown, latent_anchor_sentence
from latentcodec.analysis.equal_bytes import (
    equal_bytes_markdown,
    equal_bytes_sentence,
    equal_bytes_table,
)
from latentcodec.analysis.lead import lead_markdown, lead_sentences
from latentcodec.analysis.operating_points import (
    operating_points_markdown,
)
from latentcodec.analysis.spaces import latent_spaces_markdown, perceptual_sentence, spaces_sentence
from latentcodec.errors import LatentCodecError
from latentcodec.io import write_text_atomic
from latentcodec.models.registry import get_spec
from latentcodec.tables import is_ceiling, is_quantized, is_uncoded, read_table, summarize

POINT_TABLES = {  # operating-point table → its section title
    "psnr": "PSNR",
    "msssim_db": "MS-SSIM (dB)",
    "ssimulacra2": "SSIMULACRA2 (perceptual)",
}


@dataclass(frozen=True)
class FindingsInputs:
    """The tables findings.md is built from, already read."""

    metrics: pd.DataFrame
    lead: pd.DataFrame
    spaces: pd.DataFrame
    points: dict[str, pd.DataFrame]  # metric → operating-point table
    bdrate: pd.DataFrame
    pairs: pd.DataFrame  # the equal-size table
    bitdepth_gain: pd.DataFrame
    entropy: str  # the entropy-bounds table, Markdown (`latentcodec.analysis.entropy`)
    channels: dict[str, pd.DataFrame]  # model → its channel table
    figures: list[str]  # file names in the run's figures/ folder
    dataset: str
    run: str


def findings_markdown(inputs: FindingsInputs) -> str:
    """findings.md: the answer first, then the tables it rests on, then the limits."""
    metrics = inputs.metrics
    models = [model for model in inputs.spaces["model"]]
    summary = summarize(metrics)
    equal_bytes = equal_bytes_table(inputs.pairs)
    lead_model = inputs.lead["model"].iloc[0]
    sections = [
        f"# Findings: run `{inputs.run}`",
        f"Dataset `{inputs.dataset}`, {metrics['image'].nunique()} images; models "
        + ", ".join(f"`{model}` ({get_spec(model).latent_space})" for model in models)
        + ". Every number is a mean over the images, from this run's tables, with 95 % "
        "intervals from a paired bootstrap over the images where given.",
        "## Answer",
        "\n".join(
            f"- {sentence}"
            for sentence in [
                *lead_sentences(inputs.lead),
                spaces_sentence(inputs.spaces),
                perceptual_sentence(inputs.spaces),
                equal_bytes_sentence(equal_bytes, lead_model),
                latent_anchor_sentence(inputs.bdrate),
                *(_lossless_sentence(summary, model) for model in models),
                *(bitdepth_sentence(inputs.bitdepth_gain, model) for model in models),
            ]
            if sentence
        ),
        f"## The {get_spec(lead_model).latent_space} latent space as designed: `{lead_model}`",
        f"{get_spec(lead_model).description}.",
        lead_markdown(inputs.lead).rstrip(),
        "## The latent spaces compared",
        "![latent spaces](figures/latent_spaces.png)",
        latent_spaces_markdown(inputs.spaces).rstrip(),
        *_point_sections(inputs.points),
        "## BD-rates against the pixel anchor and against latent AVIF",
        bd_markdown(inputs.bdrate).rstrip(),
        "## At equal bytes",
        equal_bytes_markdown(equal_bytes).rstrip(),
        "## What bit depth the ceiling needs",
        "The quantised latent decoded without a codec (raw packed integers) at each bit depth.",
        bitdepth_gain_markdown(inputs.bitdepth_gain).rstrip(),
        "## How many bits the latents carry",
        "Empirical, model-cost-free entropy bounds of the quantised latent (an ideal coder "
        "that already knew each channel's statistics would spend this much; a real one pays "
        "more), beside each lossless codec's real rate.",
        inputs.entropy.rstrip(),
        "## Where the lossless bytes go",
        "\n".join(
            f"- {channel_sentence(table, model)}" for model, table in inputs.channels.items()
        ),
        "## Figures",
        "\n".join(f"- `figures/{name}`" for name in inputs.figures) or "No figures.",
        "## Limits",
        "\n".join(f"- {sentence}" for sentence in _limits(models)),
    ]
    return "\n\n".join(sections) + "\n"


def _point_sections(points: dict[str, pd.DataFrame]) -> list[str]:
    sections = []
    for metric, title in POINT_TABLES.items():
        sections.append(f"## Operating points on {title}")
        sections.append(operating_points_markdown(points[metric]).rstrip())
    return sections


def _lossless_sentence(summary: pd.DataFrame, model: str) -> str:
    """The smallest lossless file among the bit depths that keep the ceiling (within the
    smallest Δ): a lossless file of a coarser latent is small only because it lost more."""
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
        return ""
    best = lossless.sort_values(["bpp", "codec"]).iloc[0]
    raw = of_model[is_quantized(of_model) & (of_model["bitdepth"] == best.bitdepth)]
    text = (
        f"Lossless, at a bit depth that keeps the ceiling, the smallest `{model}` latent is "
        f"{_setting(best)} at {best.bpp:.3f} bpp "
        f"({best.psnr:.2f} dB)"
    )
    if raw.empty:
        return text + "."
    raw_bpp = raw["bpp"].iloc[0]
    return text + (
        f": {best.bpp / raw_bpp:.0%} of the raw {best.bitdepth}-bit integers "
        f"({raw_bpp:.3f} bpp, side information included)."
    )


def _setting(row) -> str:
    return f"{row.codec} {row.bitdepth}-bit {row.packing}"


def _limits(models: list[str]) -> list[str]:
    return [
        "TAESDXL encodes into the SDXL VAE's latent space, but its decoder is a distilled "
        "stand-in for the SDXL VAE's: a far smaller network with its own ceiling. The SDXL "
        "VAE's own numbers come from `make run` on a machine that can download its weights.",
        "Operating points are read off the measured settings of each codec: a finer grid "
        'could move them; a level a curve does not reach says "never", a level reached at '
        "a curve's lowest rate is an upper bound, and † marks a bracket wider than 2×.",
        "The pixel codecs code the original 8-bit images; the latent ones code the latent, "
        "so the latent numbers include the autoencoder's own loss (the ceiling).",
        "No LPIPS or DISTS: their backbone weights cannot be had on these machines; "
        "SSIMULACRA2 and Butteraugli stand for perceived quality.",
    ]


def write_findings(
    *,
    metrics: str | os.PathLike,
    lead: str | os.PathLike,
    spaces: str | os.PathLike,
    points: dict[str, str | os.PathLike],
    bdrate: str | os.PathLike,
    pairs: str | os.PathLike,
    bitdepth_gain: str | os.PathLike,
    entropy: str | os.PathLike,
    channels: Sequence[str | os.PathLike],
    figures: Sequence[str | os.PathLike],
    output: str | os.PathLike,
    dataset: str,
    run: str,
) -> None:
    """findings.md from the tables; `channels` paths are results/<run>/<model>/channels.csv."""
    inputs = FindingsInputs(
        metrics=read_table(metrics),
        lead=_read_csv(lead),
        spaces=_read_csv(spaces),
        points={metric: _read_csv(path) for metric, path in points.items()},
        bdrate=_read_csv(bdrate),
        pairs=_read_csv(pairs),
        bitdepth_gain=_read_csv(bitdepth_gain),
        entropy=_read_text(entropy),
        channels={Path(path).parent.name: _read_csv(path) for path in channels},
        figures=[Path(figure).name for figure in figures],
        dataset=dataset,
        run=run,
    )
    write_text_atomic(output, findings_markdown(inputs))


def _read_csv(path: str | os.PathLike) -> pd.DataFrame:
    try:
        return pd.read_csv(path, keep_default_na=True)
    except pd.errors.EmptyDataError:  # a table with no rows, e.g. no lossy curve to compare
        return pd.DataFrame()
    except (OSError, pd.errors.ParserError, ValueError) as error:
        raise LatentCodecError(f"{path}: cannot read as a table ({error})") from error


def _read_text(path: str | os.PathLike) -> str:
    try:
        return Path(path).read_text()
    except OSError as error:
        raise LatentCodecError(f"{path}: cannot read ({error})") from error

"""findings.md: the research question answered in a few sentences, then the tables.

All from files the workflow already wrote; no model runs here, and every number is filled
in by code. The tables, and the sentences about them, are written by their own modules: the
lead model's sweep (`lead`), the latent spaces compared (`spaces`), operating points
(`operating_points`), BD-rates (`bdrate`), the equal-size pairs (`equal_size`), bit depths
(`bitdepth`) and the entropy bounds (`entropy`). This module reads the tables, asks
`latentcodec.analysis` for what they do not hold yet, and puts the answer together.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from latentcodec.analysis.bdrate import BD_TABLE
from latentcodec.analysis.bitdepth import GAIN_TABLE
from latentcodec.analysis.channels import CHANNEL_TABLE
from latentcodec.analysis.equal_size import equal_size_summary, read_pairs
from latentcodec.analysis.lead import LEAD_TABLE
from latentcodec.analysis.lossless import (
    ENTROPY_REPORT,
    entropy_distances,
    smallest_lossless,
)
from latentcodec.analysis.operating_points import POINTS_TABLE
from latentcodec.analysis.spaces import SPACES_TABLE
from latentcodec.io import write_text_atomic
from latentcodec.models.registry import route_spec
from latentcodec.report.bdrate import bd_markdown, latent_anchor_sentence
from latentcodec.report.bitdepth import bitdepth_gain_markdown, bitdepth_sentence
from latentcodec.report.entropy import entropy_markdown
from latentcodec.report.equal_size import equal_size_markdown, equal_size_sentence
from latentcodec.report.lead import lead_markdown, lead_sentences
from latentcodec.report.numbers import codec_name
from latentcodec.report.operating_points import operating_points_markdown
from latentcodec.report.spaces import (
    latent_spaces_markdown,
    perceptual_sentence,
    spaces_sentence,
)
from latentcodec.tables import read_csv_table, read_routes

POINT_TABLES = {  # operating-point table → its section title
    "psnr": "PSNR",
    "msssim_db": "MS-SSIM (dB)",
    "ssimulacra2": "SSIMULACRA2 (perceptual)",
}
LIMITS = (
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
)


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
    entropy: pd.DataFrame  # the entropy report (`latentcodec.analysis.lossless.entropy_report`)
    channels: dict[str, pd.DataFrame]  # model → its channel table
    figures: list[str]  # file names in the run's figures/ folder
    dataset: str
    run: str


def findings_markdown(inputs: FindingsInputs) -> str:
    """findings.md: the answer first, then the tables it rests on, then the limits."""
    models = list(inputs.spaces["model"])
    equal_size = equal_size_summary(inputs.pairs)
    lead_model = inputs.lead["model"].iloc[0]
    sections = [
        f"# Findings: run `{inputs.run}`",
        f"Dataset `{inputs.dataset}`, {inputs.metrics['image'].nunique()} images; models "
        + ", ".join(f"`{model}` ({route_spec(model).latent_space})" for model in models)
        + ". Every number is a mean over the images, from this run's tables, with 95 % "
        "intervals from a paired bootstrap over the images where given.",
        "## Answer",
        _bullets(_answer(inputs, models, equal_size, lead_model)),
        f"## The {route_spec(lead_model).latent_space} latent space as designed: `{lead_model}`",
        f"{route_spec(lead_model).description}.",
        lead_markdown(inputs.lead).rstrip(),
        "## The latent spaces compared",
        "![latent spaces](figures/latent_spaces.png)",
        latent_spaces_markdown(inputs.spaces).rstrip(),
        *_point_sections(inputs.points),
        _bdrate_heading(inputs.bdrate),
        bd_markdown(inputs.bdrate).rstrip(),
        "## At equal bytes",
        equal_size_markdown(equal_size).rstrip(),
        *_bits_sections(inputs),
        "## Figures",
        "\n".join(f"- `figures/{name}`" for name in inputs.figures) or "No figures.",
        "## Limits",
        _bullets(LIMITS),
    ]
    return "\n\n".join(sections) + "\n"


def _answer(inputs: FindingsInputs, models, equal_size, lead_model) -> list[str]:
    """The answer's sentences, the lead model's first."""
    return [
        *lead_sentences(inputs.lead),
        spaces_sentence(inputs.spaces),
        perceptual_sentence(inputs.spaces),
        equal_size_sentence(equal_size, lead_model),
        latent_anchor_sentence(inputs.bdrate),
        *(
            lossless_sentence(row)
            for row in smallest_lossless(inputs.metrics, models).to_dict("records")
        ),
        *(bitdepth_sentence(inputs.bitdepth_gain, model) for model in models),
    ]


def _bullets(sentences) -> str:
    return "\n".join(f"- {sentence}" for sentence in sentences if sentence)


def _point_sections(points: dict[str, pd.DataFrame]) -> list[str]:
    sections = []
    for metric, title in POINT_TABLES.items():
        sections.append(f"## Operating points on {title}")
        sections.append(operating_points_markdown(points[metric]).rstrip())
    return sections


def _bdrate_heading(bdrate: pd.DataFrame) -> str:
    """The BD-rate section's heading, naming the run's latent anchor when it has a curve."""
    if bdrate.empty:
        return "## BD-rates against the pixel anchor"
    anchor = bdrate["latent_anchor"].iloc[0]
    return f"## BD-rates against the pixel anchor and against latent {codec_name(anchor)}"


def _bits_sections(inputs: FindingsInputs) -> list[str]:
    """Bit depths, entropy bounds and channels: where the bits of a lossless file go."""
    return [
        "## What bit depth the ceiling needs",
        "The quantised latent decoded without a codec (raw packed integers) at each bit depth.",
        bitdepth_gain_markdown(inputs.bitdepth_gain).rstrip(),
        "## How many bits the latents carry",
        "Empirical, model-cost-free entropy bounds of the quantised latent (an ideal coder "
        "that already knew each channel's statistics would spend this much; a real one pays "
        "more), beside each lossless codec's real rate.",
        entropy_markdown(inputs.entropy, entropy_distances(inputs.entropy)).rstrip(),
        "## Where the lossless bytes go",
        _bullets(channel_sentence(table, model) for model, table in inputs.channels.items()),
    ]


def lossless_sentence(best: dict) -> str:
    """The smallest lossless file at a bit depth that keeps the ceiling (`smallest_lossless`)."""
    text = (
        f"Lossless, at a bit depth that keeps the ceiling, the smallest `{best['model']}` "
        f"latent is {best['codec']} {best['bitdepth']}-bit {best['packing']} at "
        f"{best['bpp']:.3f} bpp ({best['psnr']:.2f} dB)"
    )
    if pd.isna(best["raw_bpp"]):
        return text + "."
    return text + (
        f": {best['share']:.0%} of the raw {best['bitdepth']}-bit integers "
        f"({best['raw_bpp']:.3f} bpp, side information included)."
    )


def channel_sentence(channels: pd.DataFrame, model: str) -> str:
    """At 8 bits where measured (the usual latent depth), else the smallest measured."""
    bits = 8 if (channels["bitdepth"] == 8).any() else channels["bitdepth"].min()
    rows = channels[channels["bitdepth"] == bits]
    count = len(rows)
    text = (
        f"Across its {count} channels at {bits} bits, `{model}`'s entropy ranges from "
        f"{rows['entropy_bits'].min():.2f} to {rows['entropy_bits'].max():.2f} bits/value"
    )
    if "png_share" not in rows:
        return text + "."
    largest = rows.loc[rows["png_share"].idxmax()]
    smallest = rows.loc[rows["png_share"].idxmin()]
    return text + (
        f"; stored one channel per PNG, channel {int(largest.channel)} takes "
        f"{largest.png_share:.1%} of the bytes and channel {int(smallest.channel)} "
        f"{smallest.png_share:.1%} (an even split: {1 / count:.1%})."
    )


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
    """findings.md from the tables; `entropy` is the run's entropy.csv, `channels` paths are
    results/<run>/<model>/channels.csv."""
    inputs = FindingsInputs(
        metrics=read_routes(metrics),
        lead=read_csv_table(lead, LEAD_TABLE),
        spaces=read_csv_table(spaces, SPACES_TABLE),
        points={metric: read_csv_table(path, POINTS_TABLE) for metric, path in points.items()},
        bdrate=read_csv_table(bdrate, BD_TABLE),
        pairs=read_pairs(pairs),
        bitdepth_gain=read_csv_table(bitdepth_gain, GAIN_TABLE),
        entropy=read_csv_table(entropy, ENTROPY_REPORT),
        channels={Path(path).parent.name: read_csv_table(path, CHANNEL_TABLE) for path in channels},
        figures=[Path(figure).name for figure in figures],
        dataset=dataset,
        run=run,
    )
    write_text_atomic(output, findings_markdown(inputs))

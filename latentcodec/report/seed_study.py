"""seed_study.* of a run on the 24 Kodak images: the seed study's published numbers (the real
SDXL VAE) beside this run, as tables (`latentcodec.analysis.seed_study`) and as the section
"The seed study, side by side", with sentences made from the numbers."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping

import numpy as np
import pandas as pd

from latentcodec.analysis.bitdepth import bitdepth_gain_table
from latentcodec.analysis.bootstrap import Bootstrap
from latentcodec.analysis.operating_points import operating_points
from latentcodec.analysis.published import check_comparable
from latentcodec.analysis.seed_study import (
    README,
    SOURCE,
    STUDY_LABEL,
    STUDY_QUANTIZER,
    WHERE,
    pixel_families,
    read_published,
    real_vae_against_pixels,
    real_vae_space_rows,
    side_by_side,
)
from latentcodec.analysis.spaces import latent_spaces_table
from latentcodec.io import write_text_atomic
from latentcodec.report.numbers import (
    codec_name,
    number_text,
    pixel_text,
    ratio_text,
    wide_note,
    with_interval,
)
from latentcodec.report.spaces import latent_spaces_markdown
from latentcodec.tables import cell_text, read_routes, write_csv

REAL_VAE_LABEL = "sdxl-vae (seed study, published)"
LOSSLESS_POINT = "jxl_ll8"  # the real VAE's 8-bit lossless point, the one the text quotes
CLOSE_RATE = 0.10  # "close": our mean bpp within 10 % of the study's on every codec setting
STRONG_CORRELATION = 0.8
DECODER_GAP_DB = 0.5  # a ceiling gap beyond this: our PSNRs are no stand-in for the VAE's


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
    frame = read_routes(metrics)
    check_comparable(
        frame, dataset, "seed_study: the study published all 24 Kodak images at their own size"
    )
    settings = Bootstrap(int(bootstrap["resamples"]), int(bootstrap["seed"]))
    published = read_published()
    side_table = side_by_side(frame, model, published=published)
    versus = real_vae_against_pixels(
        frame, settings, pixels=pixel_families(baselines), published=published
    )
    space_table = real_vae_latent_space(frame, settings, published)
    write_csv(side_table, side)
    write_csv(versus, pixels)
    write_csv(space_table, space)
    write_text_atomic(markdown, seed_study_markdown(side_table, versus, space_table))


def real_vae_latent_space(
    metrics: pd.DataFrame, bootstrap: Bootstrap, published: pd.DataFrame
) -> pd.DataFrame:
    """The real SDXL VAE's row of the latent-spaces table, by the code that makes our models'
    rows (`real_vae_space_rows`): its published curves within 0.5 dB of its published ceiling
    beside this run's pixel codecs on the same images, with paired-bootstrap intervals; no
    SSIMULACRA2 was published, so those columns are empty."""
    curves, decoded = real_vae_space_rows(metrics, published)
    points = operating_points(curves, "psnr", bootstrap)
    gain = bitdepth_gain_table(decoded)
    return latent_spaces_table(points, pd.DataFrame(columns=points.columns), gain)


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
            f"{row['ours_bpp']:.3f} | {number_text(row['bpp_ours_over_study'], '.2f')}× | "
            f"{row['study_psnr']:.2f} | {row['ours_psnr']:.2f} | "
            f"{row['psnr_ours_minus_study']:+.2f} | {row['study_ssim']:.4f} | "
            f"{number_text(row['ours_ssim'], '.4f')} | "
            f"{number_text(row['bpp_correlation'], '.2f')} | "
            f"{number_text(row['psnr_correlation'], '.2f')} |"
        )
    return "\n".join(lines)


def _stand_in_sentences(present: pd.DataFrame, model: str) -> list[str]:
    """What the side-by-side table says about `model` standing in for the real VAE."""
    if present.empty:
        return []
    return (
        _rate_sentences(present, model)
        + _decoder_sentences(present, model)
        + _protocol_sentences(present, model)
    )


def _rate_sentences(present: pd.DataFrame, model: str) -> list[str]:
    """How close `model`'s rates are to the real VAE's, over the codec settings."""
    sentences = []
    coded = present[present["codec"] != "none"]  # float rows: bpp fixed by construction
    if coded.empty:
        return sentences
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
    sentences += _correlation_sentence(
        coded["bpp_correlation"],
        "Per image, the bpp correlates at",
        ": the images that cost the real VAE more bits cost the stand-in more too.",
        f": below {STRONG_CORRELATION:g} on some settings, so which images are expensive "
        "differs between the two latents.",
    )
    return sentences


def _decoder_sentences(present: pd.DataFrame, model: str) -> list[str]:
    """How close `model`'s decoder comes to the real VAE's, and what 8 bits cost each."""
    sentences = []
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
    sentences += _correlation_sentence(
        present["psnr_correlation"],
        "Per-image PSNR correlates at",
        " (the same images are hard for both decoders).",
        " (the images hard for one decoder are not always hard for the other).",
    )
    return sentences


def _correlation_sentence(correlations: pd.Series, opening: str, strong: str, weak: str):
    """[`opening` r = the range of the correlations, then `strong` when all reach
    `STRONG_CORRELATION`, else `weak`], or [] when no correlation was measured."""
    correlations = correlations.dropna()
    if not len(correlations):
        return []
    agree = bool((correlations >= STRONG_CORRELATION).all())
    return [f"{opening} r = {_span(correlations, '.2f')}{strong if agree else weak}"]


def _protocol_sentences(present: pd.DataFrame, model: str) -> list[str]:
    """Where this run's quantisation differs from the study's."""
    sentences = []
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
        f"{codec_name(family)} bpp at equal PSNR | latent ÷ {codec_name(family)} (95 % CI)"
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
            f"| `{setting}` | {with_interval(first, 'bpp')} | {first['psnr']:.2f} | "
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
        name = codec_name(row["family"])
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


def _span(values: pd.Series, spec: str) -> str:
    """The finite values' range as text: "a", or "a to b" (as `spec` prints them)."""
    values = values[np.isfinite(values.astype(np.float64))]
    low, high = values.min(), values.max()
    return (
        f"{low:{spec}}" if f"{low:{spec}}" == f"{high:{spec}}" else f"{low:{spec}} to {high:{spec}}"
    )

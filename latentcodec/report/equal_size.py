"""The equal-size section of findings.md and its sentence, from the summary of the pairs
(`latentcodec.analysis.equal_size.equal_size_summary`)."""

from __future__ import annotations

import pandas as pd


def equal_size_markdown(table: pd.DataFrame) -> str:
    if table.empty:
        return "No equal-size pairs matched within the tolerance.\n"
    lines = [
        "| model | latent codec | bits | pixel codec | pairs (unmatched) | mean bpp "
        "| SSIMULACRA2 latent / pixel | latent higher | PSNR latent / pixel (dB) "
        "| latent higher |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in table.to_dict("records"):
        lines.append(
            f"| {row['model']} | {row['codec']} | {row['bitdepth']} | {row['baseline']} | "
            f"{row['pairs']} ({row['unmatched']}) | {row['bpp']:.3f} | "
            f"{row['latent_ssimulacra2']:.1f} / {row['pixel_ssimulacra2']:.1f} | "
            f"{row['latent_better_ssimulacra2']:.0%} | "
            f"{row['latent_psnr']:.2f} / {row['pixel_psnr']:.2f} | "
            f"{row['latent_better_psnr']:.0%} |"
        )
    return (
        "Pairs of a lossy latent file and a pixel encoding of the same image within 5 % of "
        "its bytes (unmatched pairs, which the codec's quality scale could not bring that "
        "close, are counted but left out); means over the pairs.\n\n" + "\n".join(lines) + "\n"
    )


def equal_size_sentence(table: pd.DataFrame, model: str) -> str:
    """Bühlmann's claim: at equal size, does the latent file look better than pixel codecs?"""
    rows = table[table["model"] == model] if not table.empty else table
    if rows.empty:
        return ""
    parts = [
        f"{baseline}: latent higher in {group['latent_better_ssimulacra2'].mean():.0%} of "
        f"{int(group['pairs'].sum())} pairs (mean {_weighted(group, 'latent_ssimulacra2'):.1f} "
        f"against {_weighted(group, 'pixel_ssimulacra2'):.1f})"
        for baseline, group in rows.groupby("baseline", sort=True)
    ]
    return (
        f"**At equal bytes** (`{model}` lossy files against pixel encodings within 5 % of "
        "their size), on SSIMULACRA2: " + "; ".join(parts) + "."
    )


def _weighted(group: pd.DataFrame, column: str) -> float:
    return float((group[column] * group["pairs"]).sum() / group["pairs"].sum())

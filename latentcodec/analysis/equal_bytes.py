"""The equal-size pairs summarised: does a latent file look better than pixel codecs at the
same bytes? (Bühlmann's claim, tested perceptually.)

From the equal-size table (`latentcodec.analysis.equal_size`) alone. Only pairs whose sizes agree
within the tolerance count: a pair the quality scale could not match would hand one side
more bytes. For each model, latent codec and baseline: how many pairs, the mean size ratio,
the mean score of each side and the share of pairs in which the latent file scores higher,
on SSIMULACRA2 (perceptual) and PSNR.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SCORES = (("ssimulacra2", "SSIMULACRA2"), ("psnr", "PSNR"))


def equal_bytes_table(pairs: pd.DataFrame) -> pd.DataFrame:
    """One row per model × latent codec × bit depth × baseline, over the matched pairs."""
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
        for score, _ in SCORES:
            latent, pixel = group[score].to_numpy(float), group[f"pixel_{score}"].to_numpy(float)
            row[f"latent_{score}"] = float(np.mean(latent))
            row[f"pixel_{score}"] = float(np.mean(pixel))
            row[f"latent_better_{score}"] = float(np.mean(latent > pixel))
        rows.append(row)
    return pd.DataFrame(rows)


def equal_bytes_markdown(table: pd.DataFrame) -> str:
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


def equal_bytes_sentence(table: pd.DataFrame, model: str) -> str:
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

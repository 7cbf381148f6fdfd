"""bdrate.md and the findings' sentence on the latent anchor, from the BD-rate table
(`latentcodec.analysis.bdrate`)."""

from __future__ import annotations

import math

import pandas as pd

from latentcodec.report.numbers import number_text, reached_note
from latentcodec.tables import cell_text

BD_RATE_NAMES = {  # BD-rate column → its name in the Markdown, in the table's order
    "bd_rate_psnr": "PSNR",
    "bd_rate_msssim": "MS-SSIM",
    "bd_rate_ssimulacra2": "SSIMULACRA2",
}


def bd_markdown(result: pd.DataFrame) -> str:
    """The BD table; the SSIMULACRA2 column only when it was measured."""
    shown = [
        (rate_key, name)
        for rate_key, name in BD_RATE_NAMES.items()
        if rate_key != "bd_rate_ssimulacra2" or result.get(rate_key, pd.Series()).notna().any()
    ]
    if result.empty:
        return "No lossy latent curves to compare.\n"
    first = result.iloc[0]
    header = "| model | codec | bit depth | packing | points | BD-PSNR (dB) | " + " | ".join(
        f"BD-rate {name} (%, 95 % CI)" for _, name in shown
    )
    header += " | PSNR both curves span (dB)"
    header += f" | BD-rate PSNR against latent {first['latent_anchor']} (%, 95 % CI)"
    lines = [
        header + " | note |",
        "|---|---|---:|---|---:|---:|" + "---:|" * len(shown) + "---:|---:|---|",
    ]
    for row in result.to_dict("records"):
        cells = " | ".join(_bd_text(row, rate_key) for rate_key, _ in shown)
        lines.append(
            f"| {row['model']} | {row['codec']} | {row['bitdepth']} | {row['packing']} | "
            f"{row['points']} | {number_text(row['bd_psnr'], '+.2f')} | {cells} | "
            f"{_span_text(row, 'bd_rate_psnr')} | {_bd_text(row, 'bd_rate_latent')} | "
            f"{cell_text(row['note'])} |"
        )
    return (
        f"BD metrics of each lossy latent curve against the pixel baseline `{first['anchor']}` "
        "(negative BD-rate: fewer bits than the anchor for the same quality), and on PSNR "
        f"against the same model's latent `{first['latent_anchor']}` curve at the same bit "
        f"depth. Intervals: paired bootstrap over the {first['images']} images "
        f"({first['resamples']} resamples, seed {first['seed']}).\n\n" + "\n".join(lines) + "\n"
    )


def latent_anchor_sentence(result: pd.DataFrame) -> str:
    """Each lossy curve's BD-rate against the latent anchor, e.g. lac against latent AVIF."""
    if result.empty or "bd_rate_latent" not in result:
        return ""
    rows = result[result["bd_rate_latent"].notna()]
    if rows.empty:
        return ""
    parts = [
        f"`{row['codec']}` on `{row['model']}` {_bd_text(row, 'bd_rate_latent')} %"
        for row in rows.to_dict("records")
    ]
    first = rows.iloc[0]
    return (
        f"**Against latent {first['latent_anchor']} on the same integers** (BD-rate on PSNR at "
        "the same bit depth; negative: fewer bytes for the same PSNR): " + "; ".join(parts) + "."
    )


def _bd_text(row: dict, key: str) -> str:
    """A BD-rate with its interval, e.g. "-12.3 (-15.0 to -9.8)"."""
    if math.isnan(row[key]):
        return "—"
    text = f"{row[key]:+.1f}"
    if not math.isnan(row[f"{key}_low"]):
        text += f" ({row[f'{key}_low']:+.1f} to {row[f'{key}_high']:+.1f})"
    return text + reached_note(row[f"{key}_reached"])


def _span_text(row: dict, key: str) -> str:
    """The quality range a BD-rate compares over, e.g. "26.91–28.14"; "—" without one."""
    low, high = row.get(f"{key}_over_low", math.nan), row.get(f"{key}_over_high", math.nan)
    if math.isnan(low):
        return "—"
    return f"{low:.2f}–{high:.2f}"

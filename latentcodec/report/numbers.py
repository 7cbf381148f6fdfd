"""How a number with its interval is written, the same in every table and sentence: a rate
or a ratio with its 95 % interval, the bound marks (≤, ≥), the † of a wide bracket and the
share of bootstrap replicates that reached a level; and how prose names a codec."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from latentcodec.analysis.readoff import AT_LOWEST_RATE, WIDE_BRACKET

CODEC_NAMES = {"avif": "AVIF", "webp": "WebP", "jpeg": "JPEG"}  # codec or pixel family → name


def reached_note(share: float) -> str:
    """ " [in 87% of resamples]" when some replicates missed the level, else "".

    One decimal, kept off 0 and 100, where whole percents would print 0 % or 100 % for a
    share that is neither.
    """
    if not 0 < share < 1:
        return ""
    percent = f"{100 * share:.0f}"
    if percent in ("0", "100"):
        percent = f"{min(max(round(100 * share, 1), 0.1), 99.9):.1f}"
    return f" [in {percent}% of resamples]"


def interval(row: dict, name: str, spec: str) -> str:
    """ " (low–high)" of estimate `name`, or "" when no replicate gave a value."""
    low, high = row[f"{name}_low"], row[f"{name}_high"]
    return "" if math.isnan(low) else f" ({low:{spec}}–{high:{spec}})"


def wide_mark(row: dict, side: str) -> str:
    """ " †" when `side`'s rate was interpolated across a bracket wider than `WIDE_BRACKET`.

    A missing or NaN flag (no rate read) is no mark.
    """
    flag = row.get(f"{side}_wide_bracket")
    return " †" if isinstance(flag, (bool, np.bool_)) and flag else ""


def wide_note(table: pd.DataFrame) -> str:
    """The footnote for † when a rate in `table` carries it (any `*wide_bracket` column)."""
    flags = table.filter(like="wide_bracket").apply(lambda column: column.eq(True))
    if not flags.to_numpy().any():
        return ""
    return (
        f"\n† read between two measured rates more than {WIDE_BRACKET:g}× apart: the curve "
        "between them is a straight line in log bpp only by assumption.\n"
    )


def ratio_text(row: dict) -> str:
    """The latent ÷ pixel ratio of one operating point, e.g. "6.8× (6.1–7.6)".

    A rate read at its curve's lowest measured point is an upper bound, so the ratio is a
    bound too: "≥" when the pixel rate is, "≤" when the latent rate is (no sign when both
    are: the ratio could then go either way).
    """
    if math.isnan(row["bpp_ratio"]):
        return "—"
    bounds = (row.get("pixel_status") == AT_LOWEST_RATE, row.get("latent_status") == AT_LOWEST_RATE)
    bound = {(True, False): "≥ ", (False, True): "≤ "}.get(bounds, "")
    return f"{bound}{row['bpp_ratio']:.1f}×{interval(row, 'bpp_ratio', '.1f')}" + reached_note(
        row["bpp_ratio_reached"]
    )


def with_interval(row: dict, name: str) -> str:
    """A rate and its interval, three decimals; "—" when there is none."""
    if math.isnan(row[name]):
        return "—"
    return f"{row[name]:.3f}{interval(row, name, '.3f')}"


def pixel_text(row: dict) -> str:
    """The pixel rate with its interval; "≤" when read at the pixel grid's lowest point (the
    pixel codec may need fewer bits still), "†" when read across a wide bracket."""
    text = with_interval(row, "pixel_bpp")
    if text == "—":
        return text
    bound = "≤ " if row.get("pixel_status") == AT_LOWEST_RATE else ""
    return f"{bound}{text}{wide_mark(row, 'pixel')}"


def number_text(value: float, spec: str) -> str:
    """A number as `spec` writes it (e.g. "+.2f" for a signed difference), "—" for NaN: a
    cell with no value, as every table prints it."""
    return "—" if math.isnan(value) else f"{value:{spec}}"


def codec_name(codec: str) -> str:
    """A codec as prose names it: "AVIF" for avif, the registry name where prose has none."""
    return CODEC_NAMES.get(codec, codec)


def markdown_table(
    caption: str, columns: Sequence[str], align: str, rows: Iterable[Sequence[str]]
) -> str:
    """A caption, then a Markdown table: `columns` its header, `align` one letter a column
    (l: left, r: right), and each row's cells as given."""
    rule = {"l": "---", "r": "---:"}
    if len(align) != len(columns) or not set(align) <= set(rule):
        raise ValueError(f"alignment {align!r} does not fit the columns {list(columns)}")
    lines = [caption, "", "| " + " | ".join(columns) + " |"]
    lines.append("|" + "|".join(rule[letter] for letter in align) + "|")
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines) + "\n"

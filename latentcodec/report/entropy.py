"""entropy.md and its figure: the entropy bounds beside the lossless codecs' real rates
(`latentcodec.analysis.lossless.entropy_report`), and the distances between them in sentences.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from latentcodec.analysis.entropy import BOUNDS

BOUND_LABELS = {
    "histogram": "(a) histogram",
    "med": "(b) MED residual",
    "linear": "(c) linear, causal + previous channels",
}


def entropy_markdown(report: pd.DataFrame, distances: pd.DataFrame) -> str:
    """One row per model and bit depth: each bound's bits/value and bpp, each codec's bpp;
    then the distances between codecs and bounds (`entropy_distances`) in sentences."""
    codecs = sorted(set(report.loc[report["kind"] == "codec", "name"]))
    header = ["model", "bit depth"]
    for bound in BOUNDS:
        header += [f"{BOUND_LABELS[bound]} bits/value", f"{BOUND_LABELS[bound]} bpp"]
    header += [f"{name} bpp" for name in codecs] + ["best codec ÷ best bound"]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    for (model, bits), rows in report.groupby(["model", "bitdepth"], sort=True):
        by_name = rows.set_index("name")
        cells = [str(model), str(bits)]
        for bound in BOUNDS:
            row = by_name.loc[bound]
            cells += [f"{row['bits_per_value']:.3f}", f"{row['bpp']:.3f}"]
        rates = [by_name["bpp"].get(name, np.nan) for name in codecs]
        cells += ["—" if np.isnan(rate) else f"{rate:.3f}" for rate in rates]
        best_bound = by_name.loc[list(BOUNDS), "bpp"].min()
        best_codec = np.nanmin(rates) if not np.all(np.isnan(rates)) else np.nan
        cells.append("—" if np.isnan(best_codec) else f"{best_codec / best_bound:.2f}×")
        lines.append("| " + " | ".join(cells) + " |")
    sentences = distance_sentences(distances)
    if sentences:
        lines += ["", *(f"- {sentence}" for sentence in sentences)]
    note = (
        "\nbpp includes the per-channel ranges in both the bounds and the codecs; a codec's "
        "bpp is its whole `.lcf` file, whose header adds ≈ 0.001 bpp more. "
        "The bounds are empirical and model-cost-free: histograms pooled over the run's "
        "images, the cost of describing them (and the linear predictor's coefficients) left "
        "out, so a real coder pays more. At 12 and 16 bits a channel has few values per level "
        "and the plug-in entropy is biased low. A coder that adapts to each image (lac fits "
        "its predictor and scales per image) can come in under a bound that holds one model "
        "for all images.\n"
    )
    return "\n".join(lines) + "\n" + note


def entropy_figure(report: pd.DataFrame):
    """bpp against bit depth, a panel per model: a line per bound, markers per codec."""
    models = list(dict.fromkeys(report["model"]))
    figure, axes = plt.subplots(
        1, len(models), figsize=(4.6 * len(models), 4), squeeze=False, layout="constrained"
    )
    markers = "osD^vP*X"
    codecs = sorted(set(report.loc[report["kind"] == "codec", "name"]))
    for axis, model in zip(axes[0], models, strict=True):
        rows = report[report["model"] == model]
        for bound in BOUNDS:
            line = rows[rows["name"] == bound].sort_values("bitdepth")
            axis.plot(line["bitdepth"], line["bpp"], ".-", label=BOUND_LABELS[bound])
        for index, name in enumerate(codecs):
            points = rows[(rows["kind"] == "codec") & (rows["name"] == name)]
            if len(points):
                axis.plot(
                    points["bitdepth"],
                    points["bpp"],
                    markers[index % len(markers)],
                    color="black",
                    fillstyle="none",
                    label=name,
                )
        axis.set_title(model)
        axis.set_xlabel("latent bit depth")
        axis.set_ylabel("bpp (side bytes included)")
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize="small")
    figure.suptitle("Empirical entropy bounds (model cost not counted) and lossless codecs")
    return figure


def distance_sentences(distances: pd.DataFrame) -> list[str]:
    """Per model and bit depth, how far each image codec is from the codecs that code the
    latent itself and how far those are from the best bound."""
    sentences = []
    for (model, bits), rows in distances.groupby(["model", "bitdepth"], sort=True):
        first = rows.iloc[0]
        name, rate, bound, gap = (
            first["native"],
            first["native_bpp"],
            first["bound"],
            first["bound_gap"],
        )
        above = ", ".join(
            f"{row.codec} {100 * row.change:+.1f} %" for row in rows.itertuples(index=False)
        )
        side = "below" if gap < 0 else "above"
        sentences.append(
            f"`{model}`, {bits} bits: `{name}` {rate:.3f} bpp; the image codecs against it: "
            f"{above}. The best bound ({BOUND_LABELS[bound]}, {first['bound_bpp']:.3f} bpp) is "
            f"{abs(100 * gap):.1f} % {side} `{name}`."
        )
    return sentences

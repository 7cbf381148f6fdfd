"""How far does rate-aware lac's search get in its step budget?

Rate-aware lac (`codecs.lac_rate`) adds `rate_steps` Adam steps on pixel MSE + λ · lac's
estimated bits to a distortion-refined latent. With a constant learning rate the first k steps
of a longer search are the k-step search, so one search of the largest budget gives every
smaller one: for each budget, its best step's objective, pixel PSNR and estimated bits against
the start. Reads a finished run's distortion-refined latents, their 8-bit integers and decoder
sensitivities (`results/<run>/<model>+refined/`), so it needs that run and the model's weights
(LATENTCODEC_MIRROR).

Usage: python bench/rate_steps.py RUN MODEL [--images kodim23] [--qualities 50,75]
                                   [--steps 8,16,32] [--learning-rate 0.02]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import pandas as pd

from latentcodec.io import load_arrays, load_image
from latentcodec.models.refinement import REFINE_THREADS, Refinement
from latentcodec.sources import resolve_mirror
from latentcodec.tables import write_csv
from latentcodec.workflow.encode import load_network
from latentcodec.workflow.rate import load_rate


def searched(network, image: str, route: Path, quality: int, budgets: list[int],
             learning_rate: float) -> list[dict]:  # fmt: skip
    """One image's search at `quality` for the largest budget, read off at every budget."""
    from latentcodec.models.refine import refine_latent  # imports torch

    rate, _, _ = load_rate(
        route / "b8" / "quantized" / f"{image}.npz", route / "sensitivity" / f"{image}.npy", quality
    )
    latent = load_arrays(route / "latents" / f"{image}.npz", "latent")["latent"]
    source = load_image(resolve_mirror(None) / "datasets" / "kodak" / f"{image}.png")
    steps = []  # (loss, estimated bits) of each step's latent

    def record(step, loss, latent):
        steps.append((loss, rate.terms(latent)[1]))

    # constant, so that the first k steps of this search are the k-step search
    stage = Refinement(steps=max(budgets), learning_rate=learning_rate, schedule="constant")
    refine_latent(network, source, latent, stage, rate=rate, label=image, on_step=record)
    rows = []
    for budget in [0, *budgets]:
        loss, bits = min(steps[: budget + 1])
        start_loss, start_bits = steps[0]
        rows.append(dict(
            image=image, quality=f"q{quality}", steps=budget, weight=rate.weight,
            loss_change_pct=100 * (loss / start_loss - 1),
            psnr_gain_db=10 * math.log10((start_loss - rate.weight * start_bits)
                                         / (loss - rate.weight * bits)),
            bits_change_pct=100 * (bits / start_bits - 1),
        ))  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", help="a finished run's results folder, e.g. results/speed0-taesd3")
    parser.add_argument("model", help="its model, e.g. taesd3")
    parser.add_argument("--images", default="kodim23")
    parser.add_argument("--qualities", default="50,75")
    parser.add_argument("--steps", default="8,16,32")
    parser.add_argument("--learning-rate", type=float, default=0.02)
    parser.add_argument("--output", default="results/bench/rate_steps.csv")
    args = parser.parse_args()
    route = Path(args.run) / f"{args.model}+refined"
    if not (route / "b8" / "quantized").is_dir():
        sys.exit(f"{route}: no distortion-refined 8-bit latents there; run the workflow first")
    network = load_network(args.model, None, REFINE_THREADS, {})
    budgets = sorted(int(steps) for steps in args.steps.split(","))
    frame = pd.DataFrame([
        row
        for image in args.images.split(",")
        for quality in map(int, args.qualities.split(","))
        for row in searched(network, image, route, quality, budgets, args.learning_rate)
    ])  # fmt: skip
    write_csv(frame, args.output)
    print(frame.to_markdown(index=False, floatfmt=".3g"))


if __name__ == "__main__":
    main()

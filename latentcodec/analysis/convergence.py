"""How refinement converges, from the convergence tables (`workflow.convergence`): per refined
route and step, the mean over the images of PSNR, its gain over the encoder's latent (step 0)
and SSIMULACRA2, and the seconds a step costs."""

from __future__ import annotations

import pandas as pd

from latentcodec.tables import TableSchema, route_names

CONVERGENCE_TABLE = TableSchema(
    "a convergence table",
    ("model", "encoder", "image", "step", "seconds", "psnr", "ssimulacra2"),
)


def convergence_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per route and scored step: images, mean PSNR, mean gain over step 0 (dB), mean
    SSIMULACRA2, and seconds per step: the mean seconds spent until the step's loss was known,
    over the step + 1 decodes with gradients that took (step 0's is the first)."""
    frame = frame.assign(route=route_names(frame))
    start = frame[frame["step"] == 0].set_index(["route", "image"])["psnr"]
    frame["gain"] = (
        frame["psnr"].to_numpy()
        - start.loc[list(zip(frame["route"], frame["image"], strict=True))].to_numpy()
    )
    summary = (
        frame.groupby(["route", "step"], sort=True)
        .agg(
            images=("image", "count"),
            psnr=("psnr", "mean"),
            gain_db=("gain", "mean"),
            ssimulacra2=("ssimulacra2", "mean"),
            seconds=("seconds", "mean"),
        )
        .reset_index()
    )
    summary["seconds_per_step"] = summary["seconds"] / (summary["step"] + 1)
    return summary

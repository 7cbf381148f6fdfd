"""Snakemake script: crop grid of one image from the results table."""

from latentcodec.jobs import run_step
from latentcodec.plots import plot_crops

figures = snakemake.params.figures
run_step(
    snakemake.log[0],
    plot_crops,
    snakemake.input[0],
    snakemake.output[0],
    image=figures["crop_image"],
    bitdepth=figures["crop_bitdepth"],
    size=figures["crop_size"],
)

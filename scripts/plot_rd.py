"""Snakemake script: rate-distortion figure (PNG and SVG) from the results table."""

from latentcodec.jobs import run_step
from latentcodec.plots import plot_rd

run_step(
    snakemake.log[0],
    plot_rd,
    snakemake.input[0],
    {"png": snakemake.output.png, "svg": snakemake.output.svg},
    title=f"run {snakemake.wildcards.run}",
)

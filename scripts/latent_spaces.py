"""Snakemake script: the latent spaces compared (CSV, Markdown and a figure)."""

from latentcodec.jobs import run_step
from latentcodec.spaces import write_latent_spaces

run_step(
    snakemake.log[0],
    write_latent_spaces,
    snakemake.input.psnr_points,
    snakemake.input.ssimulacra2_points,
    snakemake.input.bitdepth_gain,
    snakemake.output.csv,
    snakemake.output.markdown,
    snakemake.output.figure,
)

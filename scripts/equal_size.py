"""Snakemake script: latent-codec files paired with baselines at the same size."""

from latentcodec.compare import write_equal_size
from latentcodec.jobs import run_step

run_step(
    snakemake.log[0],
    write_equal_size,
    snakemake.input[0],
    snakemake.output[0],
    baselines=snakemake.params.baselines,
)

"""Snakemake script: empirical entropy bounds of one model's quantised latents."""

from latentcodec.analysis.entropy import write_entropy_bounds
from latentcodec.workflow.jobs import run_step

run_step(
    snakemake.log[0],
    write_entropy_bounds,
    snakemake.input.quantized,
    snakemake.output.bounds,
    snakemake.output.channels,
    model=snakemake.params.model,
)

"""Snakemake script: decode the float latents without quantisation (the ceiling)."""

from latentcodec.jobs import run_step
from latentcodec.pipeline import reconstruct_ceiling

run_step(
    snakemake.log[0],
    reconstruct_ceiling,
    snakemake.wildcards.model,
    sources=list(snakemake.input.sources),
    latents=list(snakemake.input.latents),
    recons=list(snakemake.output.recons),
    table=snakemake.output.table,
    perceptual_metrics=snakemake.params.perceptual_metrics,
    mirror=snakemake.params.mirror,
    threads=snakemake.threads,
    **snakemake.params.model_options,
)

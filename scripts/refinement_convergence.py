"""Snakemake script: follow one refined route's refinement step by step on a few images."""

from latentcodec.workflow.convergence import refinement_convergence
from latentcodec.workflow.jobs import model_job_options, run_step

run_step(
    snakemake.log[0],
    refinement_convergence,
    **snakemake.params.latent,
    sources=list(snakemake.input.sources),
    latents=list(snakemake.input.latents),
    table=snakemake.output[0],
    refinement=snakemake.params.refinement,
    steps=snakemake.params.steps,
    **model_job_options(snakemake),
)

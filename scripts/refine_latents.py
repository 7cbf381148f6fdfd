"""Snakemake script: refine one model's latents through its fixed decoder, one model load."""

from latentcodec.workflow.encode import refine_latents
from latentcodec.workflow.jobs import model_job_options, run_step

run_step(
    snakemake.log[0],
    refine_latents,
    **snakemake.params.latent,
    sources=list(snakemake.input.sources),
    latents=list(snakemake.input.latents),
    refined=list(snakemake.output.latents),
    steps=snakemake.output.steps,
    refinement=snakemake.params.refinement,
    **model_job_options(snakemake),
)

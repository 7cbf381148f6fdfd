"""Snakemake script: decode the float latents rounded to a lower float precision."""

from latentcodec.workflow.jobs import decode_job_options, run_step
from latentcodec.workflow.pipeline import reconstruct_ceiling

run_step(
    snakemake.log[0],
    reconstruct_ceiling,
    snakemake.wildcards.model,
    precision=snakemake.wildcards.precision,
    **decode_job_options(snakemake),
)

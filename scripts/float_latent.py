"""Snakemake script: decode the float latents rounded to a lower float precision."""

from latentcodec.workflow.decode import reconstruct_ceiling
from latentcodec.workflow.jobs import decode_job_options, run_step

run_step(
    snakemake.log[0],
    reconstruct_ceiling,
    snakemake.wildcards.model,
    precision=snakemake.wildcards.precision,
    **decode_job_options(snakemake),
)

"""Snakemake script: decode the float latents at the rule's float precision (float32: the
ceiling; float16: the latent stored as it is at 16 bits a value)."""

from latentcodec.workflow.decode import reconstruct_ceiling
from latentcodec.workflow.jobs import decode_job_options, run_step

run_step(
    snakemake.log[0],
    reconstruct_ceiling,
    **snakemake.params.latent,
    precision=snakemake.params.precision,
    **decode_job_options(snakemake),
)

"""Snakemake script: encode images to float latents with one model load."""

from latentcodec.workflow.encode import encode_images
from latentcodec.workflow.jobs import model_job_options, run_step

run_step(
    snakemake.log[0],
    encode_images,
    snakemake.wildcards.model,
    list(snakemake.input),
    list(snakemake.output.latents),
    seconds=snakemake.output.seconds,
    max_pixels=snakemake.params.max_pixels,
    **model_job_options(snakemake),
)

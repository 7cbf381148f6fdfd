"""Snakemake script: place one dataset image as 8-bit RGB PNG (verified or converted)."""

from latentcodec.workflow.jobs import run_step
from latentcodec.workflow.placing import fetch_image

run_step(
    snakemake.log[0],
    fetch_image,
    snakemake.params.settings,
    snakemake.wildcards.image,
    snakemake.output[0],
    mirror=snakemake.params.mirror,
)

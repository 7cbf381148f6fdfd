"""Snakemake script: place one verified dataset image (mirror or network)."""

from latentcodec.datasets import fetch_image
from latentcodec.jobs import run_step

run_step(
    snakemake.log[0],
    fetch_image,
    snakemake.wildcards.dataset,
    snakemake.wildcards.image,
    snakemake.output[0],
    mirror=snakemake.config["mirror"],
)

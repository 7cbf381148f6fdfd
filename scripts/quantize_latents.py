"""Snakemake script: quantise float latents to integers at one bit depth and range."""

from latentcodec.workflow.jobs import run_step
from latentcodec.workflow.store import quantize_latents

run_step(
    snakemake.log[0],
    quantize_latents,
    list(snakemake.input),
    list(snakemake.output),
    bits=int(snakemake.wildcards.bits),
    clip=snakemake.params.clip,
)

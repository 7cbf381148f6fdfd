"""Snakemake script: store integer latents with one codec at one quality."""

from latentcodec.workflow.jobs import run_step
from latentcodec.workflow.pipeline import compress_latents

run_step(
    snakemake.log[0],
    compress_latents,
    list(snakemake.input.quantized),
    list(snakemake.output),
    codec=snakemake.wildcards.codec,
    bits=int(snakemake.wildcards.bits),
    packing=snakemake.wildcards.packing,
    quality_value=snakemake.params.quality_value,
    options=snakemake.params.options,
    sensitivities=list(snakemake.input.sensitivity),
)

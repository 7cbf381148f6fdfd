"""Snakemake script: store integer latents at one setting (codec, packing, quality)."""

from latentcodec.workflow.jobs import run_step
from latentcodec.workflow.setting import Setting
from latentcodec.workflow.store import compress_latents

run_step(
    snakemake.log[0],
    compress_latents,
    list(snakemake.input.quantized),
    list(snakemake.output.files),
    setting=Setting(**snakemake.params.setting),
    options=snakemake.params.options,
    sensitivities=list(snakemake.input.sensitivity),
    encoder=snakemake.params.encoder,
    seconds=snakemake.output.seconds,
)

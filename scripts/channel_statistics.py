"""Snakemake script: per-channel range, entropy and lossless bytes of one model's latents."""

from latentcodec.analysis.channels import write_channel_table
from latentcodec.workflow.jobs import run_step

run_step(
    snakemake.log[0],
    write_channel_table,
    snakemake.input.latents,
    snakemake.input.quantized,
    snakemake.output[0],
    codecs=snakemake.params.codecs,
)

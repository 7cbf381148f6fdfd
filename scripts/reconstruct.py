"""Snakemake script: decode stored latents with the codec and the model, and measure."""

from latentcodec.workflow.jobs import codec_setting, decode_job_options, run_step
from latentcodec.workflow.pipeline import reconstruct

run_step(
    snakemake.log[0],
    reconstruct,
    snakemake.wildcards.model,
    quantized=list(snakemake.input.quantized),
    compressed=list(snakemake.input.compressed),
    **codec_setting(snakemake),
    **decode_job_options(snakemake),
)

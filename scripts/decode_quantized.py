"""Snakemake script: decode the quantised latents as they are (shared by lossless codecs)."""

from latentcodec.workflow.decode import decode_quantized
from latentcodec.workflow.jobs import decode_job_options, run_step

run_step(
    snakemake.log[0],
    decode_quantized,
    **snakemake.params.latent,
    quantized=list(snakemake.input.quantized),
    **decode_job_options(snakemake),
)

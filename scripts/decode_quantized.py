"""Snakemake script: decode the quantised latents as they are (shared by lossless codecs)."""

from latentcodec.jobs import run_step
from latentcodec.pipeline import decode_quantized

run_step(
    snakemake.log[0],
    decode_quantized,
    snakemake.wildcards.model,
    sources=list(snakemake.input.sources),
    latents=list(snakemake.input.latents),
    quantized=list(snakemake.input.quantized),
    recons=list(snakemake.output.recons),
    table=snakemake.output.table,
    perceptual_metrics=snakemake.params.perceptual_metrics,
    mirror=snakemake.params.mirror,
    threads=snakemake.threads,
    **snakemake.params.model_options,
)

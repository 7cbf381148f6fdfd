"""Snakemake script: decode stored latents with the codec and the model, and measure."""

from latentcodec.jobs import run_step
from latentcodec.pipeline import reconstruct

run_step(
    snakemake.log[0],
    reconstruct,
    snakemake.wildcards.model,
    sources=list(snakemake.input.sources),
    latents=list(snakemake.input.latents),
    quantized=list(snakemake.input.quantized),
    compressed=list(snakemake.input.compressed),
    recons=list(snakemake.output.recons),
    table=snakemake.output.table,
    codec=snakemake.wildcards.codec,
    bits=int(snakemake.wildcards.bits),
    packing=snakemake.wildcards.packing,
    quality=snakemake.wildcards.quality,
    quality_value=snakemake.params.quality_value,
    options=snakemake.params.options,
    perceptual_metrics=snakemake.params.perceptual_metrics,
    mirror=snakemake.params.mirror,
    threads=snakemake.threads,
    **snakemake.params.model_options,
)

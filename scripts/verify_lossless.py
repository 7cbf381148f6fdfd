"""Snakemake script: verify lossless files round-trip exactly and reuse their decode."""

from latentcodec.jobs import run_step
from latentcodec.pipeline import verify_lossless

run_step(
    snakemake.log[0],
    verify_lossless,
    quantized=list(snakemake.input.quantized),
    compressed=list(snakemake.input.compressed),
    decoded_table=snakemake.input.decoded,
    table=snakemake.output[0],
    model=snakemake.wildcards.model,
    codec=snakemake.wildcards.codec,
    bits=int(snakemake.wildcards.bits),
    packing=snakemake.wildcards.packing,
    quality=snakemake.wildcards.quality,
    quality_value=snakemake.params.quality_value,
    options=snakemake.params.options,
)

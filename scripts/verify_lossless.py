"""Snakemake script: verify lossless files round-trip exactly and reuse their decode."""

from latentcodec.workflow.jobs import codec_setting, run_step
from latentcodec.workflow.pipeline import verify_lossless

run_step(
    snakemake.log[0],
    verify_lossless,
    quantized=list(snakemake.input.quantized),
    compressed=list(snakemake.input.compressed),
    decoded_table=snakemake.input.decoded,
    table=snakemake.output[0],
    model=snakemake.wildcards.model,
    **codec_setting(snakemake),
)

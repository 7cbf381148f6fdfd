"""Snakemake script: verify lossless files round-trip exactly and reuse their decode."""

from latentcodec.workflow.decode import verify_lossless
from latentcodec.workflow.jobs import run_step
from latentcodec.workflow.setting import Setting

run_step(
    snakemake.log[0],
    verify_lossless,
    quantized=list(snakemake.input.quantized),
    compressed=list(snakemake.input.compressed),
    decoded_table=snakemake.input.decoded,
    table=snakemake.output[0],
    setting=Setting(**snakemake.params.setting),
    options=snakemake.params.options,
)

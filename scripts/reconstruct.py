"""Snakemake script: decode stored latents with the codec and the model, and measure."""

from latentcodec.workflow.decode import reconstruct
from latentcodec.workflow.jobs import decode_job_options, run_step
from latentcodec.workflow.setting import Setting

run_step(
    snakemake.log[0],
    reconstruct,
    Setting(**snakemake.params.setting),
    quantized=list(snakemake.input.quantized),
    compressed=list(snakemake.input.compressed),
    options=snakemake.params.options,
    **decode_job_options(snakemake),
)

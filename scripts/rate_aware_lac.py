"""Snakemake script: one rate-aware lac setting's files, searched through the fixed decoder."""

from latentcodec.workflow.jobs import model_job_options, run_step
from latentcodec.workflow.rate import rate_aware_lac
from latentcodec.workflow.setting import Setting

run_step(
    snakemake.log[0],
    rate_aware_lac,
    **snakemake.params.latent,
    sources=list(snakemake.input.sources),
    latents=list(snakemake.input.latents),
    quantized=list(snakemake.input.quantized),
    sensitivities=list(snakemake.input.sensitivities),
    compressed=list(snakemake.output.compressed),
    table=snakemake.output.table,
    seconds=snakemake.output.seconds,
    search_seconds=snakemake.output.search_seconds,
    setting=Setting(**snakemake.params.setting),
    refinement=snakemake.params.refinement,
    description=snakemake.params.description,
    **model_job_options(snakemake),
)

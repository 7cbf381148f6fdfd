"""Snakemake script: each latent's decoder sensitivity per channel, with one model load."""

from latentcodec.workflow.encode import measure_sensitivity
from latentcodec.workflow.jobs import model_job_options, run_step

run_step(
    snakemake.log[0],
    measure_sensitivity,
    snakemake.params.latent["model"],
    latents=list(snakemake.input),
    sensitivities=list(snakemake.output.sensitivities),
    seconds=snakemake.output.seconds,
    probes=snakemake.params.probes,
    **model_job_options(snakemake),
)

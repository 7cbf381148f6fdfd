"""Snakemake script: the seed study's published numbers (real SDXL VAE) beside this run."""

from latentcodec.report.seed_study import write_seed_study
from latentcodec.workflow.jobs import named_keywords, run_step

run_step(snakemake.log[0], write_seed_study, **named_keywords(snakemake))

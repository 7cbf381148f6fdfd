"""Snakemake script: the seed study's published numbers (real SDXL VAE) beside this run."""

from latentcodec.jobs import named_keywords, run_step
from latentcodec.seed_study import write_seed_study

run_step(snakemake.log[0], write_seed_study, **named_keywords(snakemake))

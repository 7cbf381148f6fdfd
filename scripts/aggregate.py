"""Snakemake script: concatenate the per-job tables into results/<run>/metrics.csv."""

from latentcodec.jobs import run_step
from latentcodec.tables import aggregate

run_step(snakemake.log[0], aggregate, list(snakemake.input), snakemake.output[0])

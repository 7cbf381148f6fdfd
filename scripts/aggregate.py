"""Snakemake script: concatenate the per-job tables into results/<run>/metrics.csv."""

from latentcodec.tables import aggregate
from latentcodec.workflow.jobs import run_step

run_step(snakemake.log[0], aggregate, list(snakemake.input), snakemake.output[0])

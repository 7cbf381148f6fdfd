"""Snakemake script: the mean table per setting, as Markdown."""

from latentcodec.jobs import run_step
from latentcodec.tables import write_summary

run_step(snakemake.log[0], write_summary, snakemake.input[0], snakemake.output[0])

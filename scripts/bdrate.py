"""Snakemake script: BD-rate table with bootstrap intervals (CSV and Markdown)."""

from latentcodec.compare import write_bd_tables
from latentcodec.jobs import run_step

run_step(
    snakemake.log[0],
    write_bd_tables,
    snakemake.input[0],
    snakemake.output.csv,
    snakemake.output.markdown,
    anchor=snakemake.params.anchor,
    resamples=snakemake.params.bootstrap["resamples"],
    seed=snakemake.params.bootstrap["seed"],
)

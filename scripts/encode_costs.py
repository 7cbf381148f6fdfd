"""Snakemake script: the encode seconds per image of every setting."""

from latentcodec.report.costs import write_encode_costs
from latentcodec.workflow.jobs import run_step

run_step(
    snakemake.log[0],
    write_encode_costs,
    snakemake.params.entries,
    snakemake.output.csv,
    snakemake.output.markdown,
)

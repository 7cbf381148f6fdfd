"""Snakemake script: every rate-aware lac setting's search, summarised."""

from latentcodec.report.rate import write_rate_summary
from latentcodec.workflow.jobs import run_step

run_step(
    snakemake.log[0],
    write_rate_summary,
    list(snakemake.input),
    snakemake.output.csv,
    snakemake.output.markdown,
)

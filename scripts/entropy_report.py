"""Snakemake script: every model's entropy bounds beside the lossless codecs (CSV, Markdown,
figure)."""

from latentcodec.report.steps import write_entropy_report
from latentcodec.workflow.jobs import run_step

run_step(
    snakemake.log[0],
    write_entropy_report,
    snakemake.input.bounds,
    snakemake.input.metrics,
    snakemake.output.csv,
    snakemake.output.markdown,
    snakemake.output.figure,
)

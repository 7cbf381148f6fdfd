"""Snakemake script: the refined routes' convergence tables, summary and figure."""

from latentcodec.report.convergence import write_convergence_report
from latentcodec.workflow.jobs import run_step

run_step(
    snakemake.log[0],
    write_convergence_report,
    list(snakemake.input),
    snakemake.output.csv,
    snakemake.output.markdown,
    snakemake.output.figure,
    route_steps=snakemake.params.route_steps,
)

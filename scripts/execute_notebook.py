"""Snakemake script: run the results notebook on this run's table (executed copy + HTML)."""

from latentcodec.report.notebook import execute_notebook
from latentcodec.workflow.jobs import run_step

run_step(
    snakemake.log[0],
    execute_notebook,
    snakemake.input.notebook,
    snakemake.output.notebook,
    {
        "workflow_dir": ".",
        "metrics_csv": snakemake.input.table,
        "equal_size_csv": snakemake.input.pairs,
        **snakemake.params.parameters,
    },
    html=snakemake.output.html,
)

"""Snakemake script: write results/<run>/dataset.csv, the images and where each came from."""

from latentcodec.workflow.jobs import run_step
from latentcodec.workflow.placing import write_dataset_table

run_step(
    snakemake.log[0],
    write_dataset_table,
    snakemake.params.settings,
    snakemake.params.images,
    snakemake.output[0],
    mirror=snakemake.params.mirror,
)

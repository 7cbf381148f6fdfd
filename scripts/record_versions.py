"""Snakemake script: record the software versions and weight sums behind a run."""

from latentcodec.workflow.jobs import run_step
from latentcodec.workflow.provenance import write_versions

run_step(
    snakemake.log[0],
    write_versions,
    snakemake.output[0],
    models=snakemake.params.models,
    codecs=snakemake.params.codecs,
    mirror=snakemake.params.mirror,
)

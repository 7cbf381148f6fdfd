"""Snakemake script: the per-image equal-size tables as one."""

from latentcodec.analysis.equal_size import concatenate_pairs
from latentcodec.workflow.jobs import run_step

run_step(snakemake.log[0], concatenate_pairs, list(snakemake.input), snakemake.output[0])

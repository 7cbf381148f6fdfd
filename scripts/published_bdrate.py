"""Snakemake script: BD-rates of this run's curves against CompressAI's published Kodak curves."""

from latentcodec.report.published import write_published_bdrate
from latentcodec.workflow.jobs import named_keywords, run_step

run_step(snakemake.log[0], write_published_bdrate, **named_keywords(snakemake))

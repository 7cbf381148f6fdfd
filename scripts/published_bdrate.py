"""Snakemake script: BD-rates of this run's curves against CompressAI's published Kodak curves."""

from latentcodec.jobs import named_keywords, run_step
from latentcodec.published import write_published_bdrate

run_step(snakemake.log[0], write_published_bdrate, **named_keywords(snakemake))

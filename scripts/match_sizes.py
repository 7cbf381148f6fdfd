"""Snakemake script: one image's lossy latent files paired with pixel encodings at equal size."""

from latentcodec.analysis.equal_size import match_sizes
from latentcodec.workflow.jobs import named_keywords, run_step

run_step(snakemake.log[0], match_sizes, **named_keywords(snakemake))

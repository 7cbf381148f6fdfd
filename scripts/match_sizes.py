"""Snakemake script: one image's lossy latent files paired with pixel encodings at equal size."""

from latentcodec.equal_size import match_sizes
from latentcodec.jobs import run_step

run_step(
    snakemake.log[0],
    match_sizes,
    source=snakemake.input.source,
    table=snakemake.input.table,
    output=snakemake.output.table,
    files=snakemake.output.files,
    baselines=snakemake.params.baselines,
    bitdepths=snakemake.params.bitdepths,
    max_pixels=snakemake.params.max_pixels,
)

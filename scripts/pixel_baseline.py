"""Snakemake script: one pixel-domain baseline codec at one quality of its grid."""

from latentcodec.workflow.baseline import pixel_baseline
from latentcodec.workflow.jobs import run_step

run_step(
    snakemake.log[0],
    pixel_baseline,
    sources=list(snakemake.input),
    compressed=snakemake.output.compressed,
    recons=snakemake.output.recons,
    table=snakemake.output.table,
    seconds=snakemake.output.seconds,
    name=snakemake.wildcards.baseline,
    max_pixels=snakemake.params.max_pixels,
    perceptual_metrics=snakemake.params.perceptual_metrics,
    **snakemake.params.setting,
)

"""Snakemake script: findings.md from the operating-point, bit-depth and channel tables."""

from latentcodec.findings import write_findings
from latentcodec.jobs import run_step

run_step(
    snakemake.log[0],
    write_findings,
    snakemake.input.metrics,
    snakemake.input.psnr_points,
    snakemake.input.msssim_points,
    snakemake.input.bitdepth_gain,
    snakemake.input.channels,
    snakemake.input.figures,
    snakemake.output[0],
    dataset=snakemake.params.dataset,
    run=snakemake.wildcards.run,
)

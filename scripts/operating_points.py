"""Snakemake script: operating-point tables with bootstrap intervals (PSNR, MS-SSIM,
SSIMULACRA2; CSV and Markdown)."""

from latentcodec.jobs import run_step
from latentcodec.operating_points import write_operating_points

run_step(
    snakemake.log[0],
    write_operating_points,
    snakemake.input[0],
    snakemake.output.psnr_csv,
    snakemake.output.psnr_markdown,
    snakemake.output.msssim_csv,
    snakemake.output.msssim_markdown,
    snakemake.output.ssimulacra2_csv,
    snakemake.output.ssimulacra2_markdown,
    resamples=snakemake.params.bootstrap["resamples"],
    seed=snakemake.params.bootstrap["seed"],
)

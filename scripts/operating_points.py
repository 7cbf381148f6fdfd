"""Snakemake script: operating-point tables (PSNR and MS-SSIM, CSV and Markdown)."""

from latentcodec.findings import write_operating_points
from latentcodec.jobs import run_step

run_step(
    snakemake.log[0],
    write_operating_points,
    snakemake.input[0],
    snakemake.output.psnr_csv,
    snakemake.output.psnr_markdown,
    snakemake.output.msssim_csv,
    snakemake.output.msssim_markdown,
)

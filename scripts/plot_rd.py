"""Snakemake script: the rate-distortion figures (PSNR as PNG and SVG, SSIMULACRA2 and MS-SSIM
as PNG) from the results table."""

from latentcodec.jobs import run_step
from latentcodec.plots import plot_rd

output = snakemake.output
run_step(
    snakemake.log[0],
    plot_rd,
    snakemake.input[0],
    {
        "psnr": {"png": output.png, "svg": output.svg},
        "ssimulacra2": {"png": output.ssimulacra2},
        "msssim": {"png": output.msssim},
    },
    title=f"run {snakemake.wildcards.run}",
)

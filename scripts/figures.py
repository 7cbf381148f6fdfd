"""Snakemake script: the figures drawn from metrics.csv alone, in one process (the
rate-distortion figures: PSNR as PNG and SVG, SSIMULACRA2 and MS-SSIM as PNG, with
CompressAI's published Kodak curves in the pixel panels when the rule says so; the crops)."""

from latentcodec.analysis.published import published_curves
from latentcodec.report.plots import plot_crops, plot_rd
from latentcodec.report.rd import pixel_colors
from latentcodec.workflow.jobs import run_step


def draw_figures(table, output, figures, baselines, title: str, compressai: bool) -> None:
    plot_rd(
        table,
        {
            "psnr": {"png": output.png, "svg": output.svg},
            "ssimulacra2": {"png": output.ssimulacra2},
            "msssim": {"png": output.msssim},
        },
        title=title,
        references=published_curves() if compressai else None,
        colors=pixel_colors(baselines),
    )
    plot_crops(
        table,
        output.crops,
        image=figures["crop_image"],
        bitdepth=figures["crop_bitdepth"],
        size=figures["crop_size"],
    )


run_step(
    snakemake.log[0],
    draw_figures,
    snakemake.input[0],
    snakemake.output,
    snakemake.params.figures,
    snakemake.params.baselines,
    title=f"run {snakemake.wildcards.run}",
    compressai=snakemake.params.compressai,
)

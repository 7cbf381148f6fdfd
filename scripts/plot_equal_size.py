"""Snakemake script: equal-size crop grid from the equal-size table."""

from latentcodec.report.steps import plot_equal_size
from latentcodec.workflow.jobs import run_step

figures = snakemake.params.figures
run_step(
    snakemake.log[0],
    plot_equal_size,
    snakemake.input.pairs,
    snakemake.output[0],
    baselines=snakemake.params.baselines,
    images=figures["equal_size_images"],
    models=figures["equal_size_models"],
    crop_image=figures["crop_image"],
    setting=figures["equal_size_setting"],
    bitdepth=figures["crop_bitdepth"],
    size=figures["crop_size"],
)

"""Snakemake script: the lead model's designed sweep beside pixel AVIF (CSV and Markdown)."""

from latentcodec.jobs import run_step
from latentcodec.spaces import write_lead_table

run_step(
    snakemake.log[0],
    write_lead_table,
    snakemake.input[0],
    snakemake.output.csv,
    snakemake.output.markdown,
    model=snakemake.params.model,
    settings=snakemake.params.settings,
    pixel_codecs=snakemake.params.pixel_codecs,
    resamples=snakemake.params.bootstrap["resamples"],
    seed=snakemake.params.bootstrap["seed"],
)

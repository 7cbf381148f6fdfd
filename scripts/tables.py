"""Snakemake script: every table derived from metrics.csv alone, in one process (summary,
BD-rate, operating points, PSNR per bit depth, lead table, latent spaces and its figure)."""

from latentcodec.report.steps import write_findings_tables
from latentcodec.workflow.jobs import run_step

run_step(
    snakemake.log[0],
    write_findings_tables,
    snakemake.input[0],
    dict(snakemake.output.items()),
    anchor=snakemake.params.anchor,
    latent_anchor=snakemake.params.latent_anchor,
    bootstrap=snakemake.params.bootstrap,
    lead_model=snakemake.params.lead_model,
    lead_settings=snakemake.params.lead_settings,
    pixel_codecs=snakemake.params.pixel_codecs,
    reference_routes=snakemake.params.reference_routes,
)

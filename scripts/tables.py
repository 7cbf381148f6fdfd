"""Snakemake script: every table derived from metrics.csv alone, in one process (summary,
BD-rate, operating points, PSNR per bit depth, lead table, latent spaces and its figure)."""

from latentcodec.analysis.bitdepth import write_bitdepth_gain
from latentcodec.analysis.compare import write_bd_tables
from latentcodec.analysis.lead import write_lead_table
from latentcodec.analysis.operating_points import write_operating_points
from latentcodec.analysis.spaces import write_latent_spaces
from latentcodec.tables import write_summary
from latentcodec.workflow.jobs import run_step


def write_tables(table, output, params) -> None:
    """The tables in dependency order: latent spaces read the operating points and gains."""
    bootstrap = {"resamples": params.bootstrap["resamples"], "seed": params.bootstrap["seed"]}
    write_summary(table, output.summary)
    write_bd_tables(
        table,
        output.bdrate_csv,
        output.bdrate_markdown,
        anchor=params.anchor,
        latent_anchor=params.latent_anchor,
        **bootstrap,
    )
    write_operating_points(
        table,
        output.psnr_csv,
        output.psnr_markdown,
        output.msssim_csv,
        output.msssim_markdown,
        output.ssimulacra2_csv,
        output.ssimulacra2_markdown,
        **bootstrap,
    )
    write_bitdepth_gain(table, output.bitdepth_gain)
    write_lead_table(
        table,
        output.lead_csv,
        output.lead_markdown,
        model=params.lead_model,
        settings=params.lead_settings,
        pixel_codecs=params.pixel_codecs,
        **bootstrap,
    )
    write_latent_spaces(
        output.psnr_csv,
        output.ssimulacra2_csv,
        output.bitdepth_gain,
        output.spaces_csv,
        output.spaces_markdown,
        output.spaces_figure,
    )


run_step(snakemake.log[0], write_tables, snakemake.input[0], snakemake.output, snakemake.params)

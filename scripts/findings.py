"""Snakemake script: findings.md from the run's tables."""

from latentcodec.report.findings import write_findings
from latentcodec.workflow.jobs import run_step

run_step(
    snakemake.log[0],
    write_findings,
    metrics=snakemake.input.metrics,
    lead=snakemake.input.lead,
    spaces=snakemake.input.spaces,
    points={
        "psnr": snakemake.input.psnr_points,
        "msssim_db": snakemake.input.msssim_points,
        "ssimulacra2": snakemake.input.ssimulacra2_points,
    },
    bdrate=snakemake.input.bdrate,
    pairs=snakemake.input.pairs,
    bitdepth_gain=snakemake.input.bitdepth_gain,
    entropy=snakemake.input.entropy,
    channels=snakemake.input.channels,
    figures=snakemake.input.figures,
    output=snakemake.output[0],
    dataset=snakemake.params.dataset,
    run=snakemake.wildcards.run,
)

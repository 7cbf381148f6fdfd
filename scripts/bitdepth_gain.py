"""Snakemake script: PSNR of the quantised latent per bit depth against the ceiling."""

from latentcodec.bitdepth import write_bitdepth_gain
from latentcodec.jobs import run_step

run_step(snakemake.log[0], write_bitdepth_gain, snakemake.input[0], snakemake.output[0])

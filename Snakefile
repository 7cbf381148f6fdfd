# latentcodec: are diffusion-VAE latents image-like enough for ordinary image codecs?
# Table of contents; the rules live in rules/, the logic in the latentcodec package.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "rules/common.smk"
include: "rules/dataset.smk"
include: "rules/encode.smk"
include: "rules/compress.smk"
include: "rules/evaluate.smk"
include: "rules/plots.smk"


rule all:
    default_target: True
    input:
        get_final_output(),

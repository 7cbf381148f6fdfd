# latentcodec: are diffusion-VAE latents image-like enough for ordinary image codecs?
# Table of contents; the rules live in rules/, the logic in the latentcodec package.
from snakemake.utils import min_version

min_version("9.0")


# config.yaml is the default experiment. A --configfile replaces it whole (the schema fills
# every key it leaves out) rather than being merged over it, on this host and inside cluster
# jobs alike: Snakemake does not pass --replace-workflow-config on to cluster jobs. Several
# --configfile are laid over each other in order, each key replacing the one before it
# (configs/overlays/: one model of the speed-0 run).
if not workflow.overwrite_configfiles:

    configfile: "config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/dataset.smk"
include: "rules/encode.smk"
include: "rules/compress.smk"
include: "rules/evaluate.smk"
include: "rules/plots.smk"
include: "rules/findings.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        EXPERIMENT.final_outputs(),

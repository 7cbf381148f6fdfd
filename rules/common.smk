# Validation first; then the one Experiment every rule asks, and the input functions that
# ask it about a job's wildcards.
import re
from dataclasses import asdict

from snakemake.utils import validate

from latentcodec.codecs.lcf import SENSITIVITY_PROBES
from latentcodec.models.refinement import REFINE_THREADS
from latentcodec.workflow.config import check_config
from latentcodec.workflow.experiment import Experiment

validate(config, workflow.source_path("../schemas/config.schema.yaml"))
check_config(config)

EXPERIMENT = Experiment(config)
DATASET = EXPERIMENT.dataset
IMAGES = EXPERIMENT.images
MODELS = EXPERIMENT.models
ROUTES = EXPERIMENT.routes
REFINED_ROUTES = EXPERIMENT.refined_routes()
RATE_ROUTES = EXPERIMENT.rate_routes()
MODEL_OPTIONS = EXPERIMENT.model_options
GPUS = EXPERIMENT.model_gpus()


wildcard_constraints:
    **EXPERIMENT.wildcard_constraints(),


def setting_of(wildcards):
    return EXPERIMENT.setting(
        wildcards.route,
        wildcards.bits,
        wildcards.packing,
        wildcards.codec,
        wildcards.quality,
    )


def get_source(wildcards):
    return EXPERIMENT.source(wildcards.image)


def get_sources(wildcards):
    return EXPERIMENT.sources()


def get_latents(wildcards):
    return EXPERIMENT.latents(wildcards.route)


def get_direct_latents(wildcards):
    return EXPERIMENT.direct_latents(wildcards.route)


def latent_source(wildcards):
    return EXPERIMENT.latent_source(wildcards.route)


def get_convergence_inputs(wildcards):
    return EXPERIMENT.convergence_inputs(wildcards.route)


def encoder_description(wildcards):
    return EXPERIMENT.encoder_description(wildcards.route)


def refinement(wildcards):
    return EXPERIMENT.refinement(wildcards.route)


def rate_refinement(wildcards):
    return EXPERIMENT.rate_refinement(wildcards.route)


def get_quantized(wildcards):
    return EXPERIMENT.quantized(wildcards.route, wildcards.bits)


def get_quantized_all_depths(wildcards):
    return EXPERIMENT.quantized_all_depths(wildcards.route)


def get_sensitivity(wildcards):
    return EXPERIMENT.sensitivities(setting_of(wildcards))


def get_compressed(wildcards):
    return EXPERIMENT.compressed(setting_of(wildcards))


def get_decoded_table(wildcards):
    return EXPERIMENT.decoded_table(wildcards.route, wildcards.bits)


def get_metric_tables(wildcards):
    return EXPERIMENT.metric_tables()


def get_equal_size_tables(wildcards):
    return EXPERIMENT.per_image_pairs(".csv")


def get_equal_size_files(wildcards):
    return EXPERIMENT.per_image_pairs("")


def setting_params(wildcards):
    return asdict(setting_of(wildcards))


def codec_options(wildcards):
    return EXPERIMENT.codec_options(wildcards.codec)


def baseline_params(wildcards):
    return EXPERIMENT.baseline_params(wildcards.baseline, wildcards.value)

# Validation first, then the values every rule file uses, then input functions.
import re
import shutil

from snakemake.utils import validate

from latentcodec.codecs.image import CODECS
from latentcodec.workflow.config import (
    baseline_jobs,
    check_config,
    codec_jobs,
    model_options,
)
from latentcodec.workflow.datasets import (
    dataset_from_config,
    dataset_key,
    select_images,
)
from latentcodec.codecs.packing import NO_PACKING, PACKINGS
from latentcodec.workflow.pipeline import SENSITIVITY_PROBES
from latentcodec.analysis.published import shows_compressai
from latentcodec.analysis.seed_study import shows_seed_study

validate(config, workflow.source_path("../schemas/config.schema.yaml"))
check_config(config)

RUN = config["run"]
_dataset = dataset_from_config(config["dataset"], mirror=config["mirror"])
# A path-safe key: kodak, flickr8k, folder-<digest of the path>; kodak-max1024 when shrunk.
DATASET = dataset_key(_dataset, config["dataset"]["max_side"])
IMAGES = select_images(_dataset, config["dataset"]["images"])
MODELS = config["models"]
MODEL_OPTIONS = model_options(config)
JOBS = codec_jobs(config)  # the union over models: wildcards and quality values
JOBS_BY_MODEL = {model: codec_jobs(config, model) for model in MODELS}
BASELINES = {job.name: job for job in baseline_jobs(config)}
CODECS_USED = sorted(
    {job.codec for job in JOBS} | {job.codec for job in BASELINES.values()}
)
QUALITY_VALUES = {(job.codec, job.quality): job.quality_value for job in JOBS}
USES_GPU = config["device"] == "cuda" or (
    config["device"] == "auto" and shutil.which("nvidia-smi") is not None
)


wildcard_constraints:
    run=RUN,
    dataset=re.escape(DATASET),
    image="|".join(map(re.escape, IMAGES)),
    model="|".join(MODELS),
    bits=r"\d+",
    packing="|".join((*PACKINGS, NO_PACKING)),
    codec="|".join(sorted({job.codec for job in JOBS})),
    quality=r"[a-z0-9_]+",
    baseline="|".join(BASELINES) or "none",
    precision="|".join(config["float_precisions"]) or "none",


def gpu_count():
    """Model jobs hold one GPU when the models run on CUDA, none on the CPU."""
    return 1 if USES_GPU else 0


def source_image(image):
    return f"resources/datasets/{DATASET}/{image}.png"


def get_source(wildcards):
    return source_image(wildcards.image)


def get_sources(wildcards):
    return [source_image(image) for image in IMAGES]


def get_latents(wildcards):
    return expand(
        "results/{run}/{model}/latents/{image}.npz",
        run=RUN,
        model=wildcards.model,
        image=IMAGES,
    )


def get_quantized(wildcards):
    return expand(
        "results/{run}/{model}/b{bits}/quantized/{image}.npz",
        run=RUN,
        model=wildcards.model,
        bits=wildcards.bits,
        image=IMAGES,
    )


def get_sensitivity(wildcards):
    """The decoder sensitivities a lossy codec that spends rate by them (lac) takes; else none."""
    codec_class = CODECS[wildcards.codec]
    if not codec_class.uses_sensitivity or codec_class.is_lossless(
        quality_value(wildcards)
    ):
        return []
    return expand(
        "results/{run}/{model}/sensitivity/{image}.npy",
        run=RUN,
        model=wildcards.model,
        image=IMAGES,
    )


def model_bitdepths(model):
    """The bit depths the config sweeps for one model, over all its codecs."""
    return sorted({job.bits for job in JOBS_BY_MODEL[model]})


def get_quantized_all_depths(wildcards):
    """One model's integer latents at every bit depth the config sweeps for it."""
    return expand(
        "results/{run}/{model}/b{bits}/quantized/{image}.npz",
        run=RUN,
        model=wildcards.model,
        bits=model_bitdepths(wildcards.model),
        image=IMAGES,
    )


def configured_codec_options():
    """Each configured latent codec's options (e.g. AVIF speed), by name."""
    return {name: spec.get("options", {}) for name, spec in config["codecs"].items()}


def get_compressed(wildcards):
    return expand(
        "results/{run}/{model}/b{bits}/{packing}/{codec}-{quality}/compressed/{image}.lcf",
        image=IMAGES,
        **wildcards,
    )


def get_decoded_table(wildcards):
    return f"results/{RUN}/{wildcards.model}/b{wildcards.bits}/quantized/metrics.csv"


def quality_value(wildcards):
    return QUALITY_VALUES[(wildcards.codec, wildcards.quality)]


def codec_options(wildcards):
    return config["codecs"][wildcards.codec].get("options", {})


def baseline_setting(wildcards):
    """The codec, quality values and options of one pixel baseline, as rule parameters."""
    job = BASELINES[wildcards.baseline]
    return {
        "codec": job.codec,
        "quality_values": list(job.quality_values),
        "options": job.options,
    }


def sweep_table(model, job):
    """Lossless settings reuse the decode of the quantised latent; lossy ones decode."""
    name = "lossless.csv" if job.lossless else "metrics.csv"
    return f"results/{RUN}/{model}/b{job.bits}/{job.packing}/{job.codec}-{job.quality}/{name}"


def get_metric_tables(wildcards):
    ceilings = expand(
        "results/{run}/{model}/ceiling/metrics.csv", run=RUN, model=MODELS
    ) + expand(
        "results/{run}/{model}/{precision}/metrics.csv",
        run=RUN,
        model=MODELS,
        precision=config["float_precisions"],
    )
    decoded = [
        f"results/{RUN}/{model}/b{bits}/quantized/metrics.csv"
        for model in MODELS
        for bits in model_bitdepths(model)
    ]
    sweeps = [
        sweep_table(model, job) for model in MODELS for job in JOBS_BY_MODEL[model]
    ]
    baselines = expand(
        "results/{run}/baselines/{name}/metrics.csv", run=RUN, name=BASELINES
    )
    return ceilings + decoded + sweeps + baselines


def lead_model():
    """The model the lead table is about: findings.lead_model, else the first model."""
    return config["findings"]["lead_model"] or MODELS[0]


def pixel_avif_baselines():
    """What the lead table compares with at equal PSNR: the AVIF baselines, else the anchor."""
    avif = [name for name, job in BASELINES.items() if job.codec == "avif"]
    return avif or [config["comparison"]["anchor"]]


def equal_size_baselines():
    """Codec and options of each baseline matched in size to the latent files."""
    return {
        name: {"codec": BASELINES[name].codec, "options": BASELINES[name].options}
        for name in config["comparison"]["equal_size"]
    }


def get_equal_size_tables(wildcards):
    return expand("results/{run}/equal_size/{image}.csv", run=RUN, image=IMAGES)


def get_equal_size_files(wildcards):
    """The folders of matched pixel encodings, which the equal-size figure decodes."""
    return expand("results/{run}/equal_size/{image}", run=RUN, image=IMAGES)


def notebook_parameters():
    """The config values the results notebook takes (its 'parameters' cell names them)."""
    return {
        "anchor": config["comparison"]["anchor"],
        "equal_size": config["comparison"]["equal_size"],
        "figures": config["figures"],
    }


def get_final_output():
    return expand(
        "results/{run}/{name}",
        run=RUN,
        name=[
            "dataset.csv",
            "metrics.csv",
            "summary.md",
            "bdrate.csv",
            "bdrate.md",
            "equal_size.csv",
            "versions.json",
            "figures/rd.png",
            "figures/rd.svg",
            "figures/rd_ssimulacra2.png",
            "figures/rd_msssim.png",
            "figures/crops.png",
            "figures/equal_size.png",
            "notebook.ipynb",
            "notebook.html",
            "operating_points.csv",
            "operating_points.md",
            "operating_points_msssim.csv",
            "operating_points_msssim.md",
            "operating_points_ssimulacra2.csv",
            "operating_points_ssimulacra2.md",
            "bitdepth_gain.csv",
            "lead.csv",
            "lead.md",
            "latent_spaces.csv",
            "latent_spaces.md",
            "figures/latent_spaces.png",
            "entropy.csv",
            "entropy.md",
            "figures/entropy.png",
            "findings.md",
            *(
                ["published_bdrate.csv", "published_bdrate.md"]
                if shows_compressai(config, DATASET, IMAGES)
                else []
            ),
            *(
                [
                    "seed_study.csv",
                    "seed_study_pixels.csv",
                    "seed_study_space.csv",
                    "seed_study.md",
                ]
                if shows_seed_study(config, DATASET, IMAGES)
                else []
            ),
        ],
    )

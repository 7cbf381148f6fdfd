"""The experiment a validated config describes, built once (`rules/common.smk`), which answers
every question the rules ask: which settings exist for each model, which need the decoder's
sensitivity, where each setting's rows come from, which pixel baseline each comparison uses,
each codec's options, the wildcards' values and the run's final outputs.

Paths are the workflow's, relative to its directory: `results/<run>/…` and the dataset's
images under `resources/datasets/<dataset>/`.
"""

from __future__ import annotations

import re
import shutil

from latentcodec.analysis.published import shows_compressai, shows_seed_study
from latentcodec.codecs.packing import NO_PACKING, PACKINGS
from latentcodec.codecs.registry import latent_codec_class
from latentcodec.workflow.config import baseline_jobs, is_lossless, model_options, sweep
from latentcodec.workflow.datasets import dataset_from_config, dataset_key, select_images
from latentcodec.workflow.setting import Setting

# Every run's outputs; a run on all 24 Kodak images adds the published comparisons.
FINAL_OUTPUTS = (
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
)
PUBLISHED_BDRATE_OUTPUTS = ("published_bdrate.csv", "published_bdrate.md")
SEED_STUDY_OUTPUTS = (
    "seed_study.csv",
    "seed_study_pixels.csv",
    "seed_study_space.csv",
    "seed_study.md",
)
AVIF = "avif"  # the codec the lead table's pixel comparison is made with


class Experiment:
    """One run of the workflow: a config already validated by the schema and `check_config`."""

    def __init__(self, config: dict):
        self.config = config
        self.run = config["run"]
        dataset = dataset_from_config(config["dataset"], mirror=config["mirror"])
        # A path-safe key: kodak, flickr8k, folder-<digest of the path>; kodak-max1024 when
        # shrunk.
        self.dataset = dataset_key(dataset, config["dataset"]["max_side"])
        self.images = select_images(dataset, config["dataset"]["images"])
        self.models = list(config["models"])
        self.model_options = model_options(config)
        self.baselines = {job.name: job for job in baseline_jobs(config)}
        self.settings = {model: sweep(config, model) for model in self.models}
        self._by_wildcards = {
            (s.model, s.bits, s.packing, s.codec, s.quality): s for s in self.all_settings()
        }

    # The settings.

    def all_settings(self) -> list[Setting]:
        return [setting for model in self.models for setting in self.settings[model]]

    def setting(self, model: str, bits: str | int, packing: str, codec: str, quality: str):
        """The setting a job's wildcards name."""
        return self._by_wildcards[(model, int(bits), packing, codec, quality)]

    def bit_depths(self, model: str) -> list[int]:
        """The bit depths the config sweeps for one model, over all its codecs."""
        return sorted({setting.bits for setting in self.settings[model]})

    def needs_sensitivity(self, setting: Setting) -> bool:
        """Whether storing at the setting takes the decoder's sensitivity (lossy lac)."""
        return latent_codec_class(setting.codec).needs_sensitivity(setting.quality_value)

    def codec_options(self, codec: str) -> dict:
        """A configured latent codec's options (e.g. AVIF speed)."""
        return self.config["codecs"][codec].get("options", {})

    def all_codec_options(self) -> dict[str, dict]:
        """Each configured latent codec's options, by name."""
        return {name: self.codec_options(name) for name in self.config["codecs"]}

    def codecs_used(self) -> list[str]:
        """The codecs any job of the run builds, latent or pixel: their versions are recorded."""
        latent = {setting.codec for setting in self.all_settings()}
        return sorted(latent | {job.codec for job in self.baselines.values()})

    def model_gpus(self) -> int:
        """The GPUs a model job holds: one when the models run on CUDA (configured, or
        `auto` on a host with a GPU), none on the CPU."""
        device = self.config["device"]
        return int(
            device == "cuda" or (device == "auto" and shutil.which("nvidia-smi") is not None)
        )

    # The paths of the files jobs share.

    def path(self, relative: str) -> str:
        """A file of this run's results."""
        return f"results/{self.run}/{relative}"

    def source(self, image: str) -> str:
        return f"resources/datasets/{self.dataset}/{image}.png"

    def sources(self) -> list[str]:
        return [self.source(image) for image in self.images]

    def per_image(self, folder: str, suffix: str) -> list[str]:
        """One file per image of the run in a folder of this run's results."""
        return [self.path(f"{folder}/{image}{suffix}") for image in self.images]

    def latents(self, model: str) -> list[str]:
        return self.per_image(f"{model}/latents", ".npz")

    def quantized(self, model: str, bits: str | int) -> list[str]:
        return self.per_image(f"{model}/b{bits}/quantized", ".npz")

    def quantized_all_depths(self, model: str) -> list[str]:
        """One model's integer latents at every bit depth the config sweeps for it."""
        return [path for bits in self.bit_depths(model) for path in self.quantized(model, bits)]

    def sensitivities(self, setting: Setting) -> list[str]:
        """The decoder sensitivities storing at the setting takes; none for most settings."""
        if not self.needs_sensitivity(setting):
            return []
        return self.per_image(f"{setting.model}/sensitivity", ".npy")

    @staticmethod
    def branch(setting: Setting) -> str:
        """The folder of one setting's files and rows, within the run's results."""
        return (
            f"{setting.model}/b{setting.bits}/{setting.packing}/{setting.codec}-{setting.quality}"
        )

    def compressed(self, setting: Setting) -> list[str]:
        return self.per_image(f"{self.branch(setting)}/compressed", ".lcf")

    def decoded_table(self, model: str, bits: str | int) -> str:
        """The rows of the integer latents decoded as they are, which lossless settings share."""
        return self.path(f"{model}/b{bits}/quantized/metrics.csv")

    def sweep_table(self, setting: Setting) -> str:
        """Where a setting's rows come from: a lossless one reuses the decode of the quantised
        latent (`verify_lossless`), a lossy one decodes its own files (`reconstruct`)."""
        name = "lossless.csv" if is_lossless(setting) else "metrics.csv"
        return self.path(f"{self.branch(setting)}/{name}")

    def metric_tables(self) -> list[str]:
        """Every job's table that metrics.csv gathers."""
        floats = ["ceiling", *self.config["float_precisions"]]
        depths = [(model, bits) for model in self.models for bits in self.bit_depths(model)]
        return [
            *(self.path(f"{model}/{kind}/metrics.csv") for kind in floats for model in self.models),
            *(self.decoded_table(model, bits) for model, bits in depths),
            *(self.sweep_table(setting) for setting in self.all_settings()),
            *(self.path(f"baselines/{name}/metrics.csv") for name in self.baselines),
        ]

    def per_image_pairs(self, suffix: str) -> list[str]:
        """The equal-size pairs of each image: its table (".csv") or its folder of files ("")."""
        return self.per_image("equal_size", suffix)

    # The comparisons.

    def lead_model(self) -> str:
        """The model the lead table is about: findings.lead_model, else the first model."""
        return self.config["findings"]["lead_model"] or self.models[0]

    def pixel_avif_baselines(self) -> list[str]:
        """What the lead table and the published comparison set against at equal PSNR: the
        AVIF baselines, else the anchor."""
        avif = [name for name, job in self.baselines.items() if job.codec == AVIF]
        return avif or [self.config["comparison"]["anchor"]]

    def pixel_baselines(self) -> dict[str, dict]:
        """Codec and options of each pixel baseline, by label."""
        return {
            name: {"codec": job.codec, "options": job.options}
            for name, job in self.baselines.items()
        }

    def equal_size_baselines(self) -> dict[str, dict]:
        """Codec and options of each baseline matched in size to the latent files."""
        every = self.pixel_baselines()
        return {name: every[name] for name in self.config["comparison"]["equal_size"]}

    def baseline_codecs(self) -> dict[str, str]:
        """Each pixel baseline's codec, by label."""
        return {name: job.codec for name, job in self.baselines.items()}

    def baseline_params(self, name: str) -> dict:
        """The codec, quality values and options of one pixel baseline, as rule parameters."""
        job = self.baselines[name]
        return {
            "codec": job.codec,
            "quality_values": list(job.quality_values),
            "options": job.options,
        }

    def notebook_parameters(self) -> dict:
        """The config values the results notebook takes (its 'parameters' cell names them)."""
        comparison = self.config["comparison"]
        return {
            "anchor": comparison["anchor"],
            "equal_size": comparison["equal_size"],
            "figures": self.config["figures"],
            "baselines": self.pixel_baselines(),
        }

    def shows_compressai(self) -> bool:
        """Whether the run draws CompressAI's curves and writes published_bdrate.*."""
        return shows_compressai(self.config, self.dataset, self.images)

    def final_outputs(self) -> list[str]:
        """What a whole run writes: every table, figure and report of the run."""
        names = list(FINAL_OUTPUTS)
        if self.shows_compressai():
            names += PUBLISHED_BDRATE_OUTPUTS
        if shows_seed_study(self.config, self.dataset, self.images):
            names += SEED_STUDY_OUTPUTS
        return [self.path(name) for name in names]

    def wildcard_constraints(self) -> dict[str, str]:
        """A regular expression for each wildcard of the rules: only the run's values."""
        return {
            "run": re.escape(self.run),
            "dataset": re.escape(self.dataset),
            "image": _any_of(self.images),
            "model": _any_of(self.models),
            "bits": r"\d+",
            "packing": _any_of((*PACKINGS, NO_PACKING)),
            "codec": _any_of(sorted({setting.codec for setting in self.all_settings()})),
            "quality": r"[a-z0-9_]+",
            "baseline": _any_of(self.baselines) or "none",
            "precision": _any_of(self.config["float_precisions"]) or "none",
        }


def _any_of(values) -> str:
    return "|".join(map(re.escape, values))

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
from dataclasses import asdict

from latentcodec.analysis.published import shows_compressai, shows_seed_study
from latentcodec.codecs.packing import NO_PACKING, PACKINGS
from latentcodec.codecs.registry import get_codec, latent_codec_class
from latentcodec.errors import LatentCodecError
from latentcodec.models.refinement import encoder_description
from latentcodec.routes import DIRECT_ENCODER, latent_route
from latentcodec.workflow.config import (
    baseline_jobs,
    is_lossless,
    latent_sources,
    model_options,
    rate_start,
    refinement_of,
    sweep,
)
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
    "encode_seconds.csv",
    "encode_seconds.md",
    "findings.md",
)
PUBLISHED_BDRATE_OUTPUTS = ("published_bdrate.csv", "published_bdrate.md")
SEED_STUDY_OUTPUTS = (
    "seed_study.csv",
    "seed_study_pixels.csv",
    "seed_study_space.csv",
    "seed_study.md",
)
CONVERGENCE_OUTPUTS = ("convergence.csv", "convergence.md", "figures/convergence.png")
RATE_OUTPUTS = ("rate_search.csv", "rate_search.md")
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
        # A latent route: a model's latents made one way (`tables.latent_route`), the folder
        # of their files: the model's name for its direct latents, `<model>+<label>` refined.
        self.route_sources = {latent_route(*pair): pair for pair in latent_sources(config)}
        self.routes = list(self.route_sources)
        # A rate-aware route (`rate_steps`) reads the latents of the route it starts from.
        starts = {route: rate_start(config, *pair) for route, pair in self.route_sources.items()}
        self.rate_starts = {
            route: latent_route(self.route_sources[route][0], start)
            for route, start in starts.items()
            if start is not None
        }
        self.settings = {route: sweep(config, *self.route_sources[route]) for route in self.routes}
        self._by_wildcards = {
            (s.route, s.bits, s.packing, s.codec, s.quality): s for s in self.all_settings()
        }

    # The settings.

    def all_settings(self) -> list[Setting]:
        return [setting for route in self.routes for setting in self.settings[route]]

    def setting(self, route: str, bits: str | int, packing: str, codec: str, quality: str):
        """The setting a job's wildcards name."""
        return self._by_wildcards[(route, int(bits), packing, codec, quality)]

    def latent_source(self, route: str) -> dict[str, str]:
        """The model and the encoder of a route, as a job's keywords."""
        model, encoder = self.route_sources[route]
        return {"model": model, "encoder": encoder}

    def refined_routes(self) -> list[str]:
        """The routes a refinement job makes the latents of (not the rate-aware ones)."""
        return [r for r in self.routes if r not in self.models and r not in self.rate_starts]

    def codec_routes(self) -> list[str]:
        """The routes whose files a codec job stores (`compress_latents`): all but the
        rate-aware ones."""
        return [route for route in self.routes if route not in self.rate_starts]

    def rate_routes(self) -> list[str]:
        """The rate-aware routes: lac's files made by a model job each (`rate_aware_lac`)."""
        return list(self.rate_starts)

    def latent_home(self, route: str) -> str:
        """The route whose latents a route reads: its own, or a rate-aware route's start."""
        return self.rate_starts.get(route, route)

    def refinement(self, route: str) -> dict:
        """The refinement a refined route's job runs, as its keywords: the steps on the
        decoded image alone (a rate-aware route's rate steps are `rate_refinement`'s)."""
        keywords = self.rate_refinement(route)
        del keywords["rate_steps"]
        return keywords

    def rate_refinement(self, route: str) -> dict:
        """A route's whole refinement, rate steps included, as keywords."""
        return asdict(refinement_of(self.config, self.route_sources[route][1]))

    def route_steps(self) -> dict[str, int]:
        """Each refined route's step count."""
        return {route: self.refinement(route)["steps"] for route in self.refined_routes()}

    def convergence_images(self) -> list[str]:
        """The images each refined route's convergence is followed on (none without one)."""
        return list(self.config["findings"]["convergence_images"]) if self.refined_routes() else []

    def convergence_inputs(self, route: str) -> dict[str, list[str]]:
        """The sources and direct latents of the convergence images of a refined route."""
        images = self.convergence_images()
        model = self.route_sources[route][0]
        return {
            "sources": [self.source(image) for image in images],
            "latents": [self.path(f"{model}/latents/{image}.npz") for image in images],
        }

    def encoder_description(self, route: str) -> str:
        """How a route's latents were made, as its `.lcf` files record it."""
        encoder = self.route_sources[route][1]
        if encoder == DIRECT_ENCODER:
            return DIRECT_ENCODER
        return encoder_description(refinement_of(self.config, encoder))

    def bit_depths(self, route: str) -> list[int]:
        """The bit depths the config sweeps for one route, over all its codecs."""
        return sorted({setting.bits for setting in self.settings[route]})

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

    def placement_settings(self) -> dict:
        """The dataset settings an image's bytes depend on: not `images`, which only selects
        them, so that a run of fewer images (the smoke test) does not re-place the shared
        files under resources/ and with them rerun every run that reads them."""
        return {key: value for key, value in self.config["dataset"].items() if key != "images"}

    def sources(self) -> list[str]:
        return [self.source(image) for image in self.images]

    def per_image(self, folder: str, suffix: str) -> list[str]:
        """One file per image of the run in a folder of this run's results."""
        return [self.path(f"{folder}/{image}{suffix}") for image in self.images]

    def latents(self, route: str) -> list[str]:
        return self.per_image(f"{self.latent_home(route)}/latents", ".npz")

    def direct_latents(self, route: str) -> list[str]:
        """The encoder's latents a route starts from (a refined route refines them)."""
        return self.latents(self.route_sources[route][0])

    def quantized(self, route: str, bits: str | int) -> list[str]:
        return self.per_image(f"{self.latent_home(route)}/b{bits}/quantized", ".npz")

    def quantized_all_depths(self, route: str) -> list[str]:
        """One route's integer latents at every bit depth the config sweeps for it."""
        return [path for bits in self.bit_depths(route) for path in self.quantized(route, bits)]

    def sensitivities(self, setting: Setting) -> list[str]:
        """The decoder sensitivities storing at the setting takes; none for most settings."""
        if not self.needs_sensitivity(setting):
            return []
        return self.per_image(f"{self.latent_home(setting.route)}/sensitivity", ".npy")

    @staticmethod
    def branch(setting: Setting) -> str:
        """The folder of one setting's files and rows, within the run's results."""
        return (
            f"{setting.route}/b{setting.bits}/{setting.packing}/{setting.codec}-{setting.quality}"
        )

    def compressed(self, setting: Setting) -> list[str]:
        return self.per_image(f"{self.branch(setting)}/compressed", ".lcf")

    def decoded_table(self, route: str, bits: str | int) -> str:
        """The rows of the integer latents decoded as they are, which lossless settings share."""
        return self.path(f"{route}/b{bits}/quantized/metrics.csv")

    def sweep_table(self, setting: Setting) -> str:
        """Where a setting's rows come from: a lossless one reuses the decode of the quantised
        latent (`verify_lossless`), a lossy one decodes its own files (`reconstruct`)."""
        name = "lossless.csv" if is_lossless(setting) else "metrics.csv"
        return self.path(f"{self.branch(setting)}/{name}")

    def metric_tables(self) -> list[str]:
        """Every job's table that metrics.csv gathers."""
        floats = ["ceiling", *self.config["float_precisions"]]
        depths = [(route, bits) for route in self.routes for bits in self.bit_depths(route)]
        return [
            *(self.path(f"{route}/{kind}/metrics.csv") for kind in floats for route in self.routes),
            *(self.decoded_table(route, bits) for route, bits in depths),
            *(self.sweep_table(setting) for setting in self.all_settings()),
            *(f"{folder}/metrics.csv" for folder in self.baseline_folders()),
        ]

    def baseline_folders(self) -> list[str]:
        """Each pixel baseline quality's folder (its own `pixel_baseline` job)."""
        return [
            self.path(f"baselines/{name}/q{value}")
            for name, job in self.baselines.items()
            for value in job.quality_values
        ]

    def encode_cost_entries(self) -> dict[str, list[dict]]:
        """What `analysis.costs.encode_costs` takes: each setting, latent and pixel, with the
        seconds tables of what made its files."""
        latent = []
        for setting in self.all_settings():
            home = self.latent_home(setting.route)
            refined = home in self.refined_routes()
            sensitivity = self.needs_sensitivity(setting)
            paths = {
                "model": self.path(f"{setting.model}/latents/seconds.csv"),
                "refine": self.path(f"{home}/refinement.csv") if refined else None,
                "sensitivity": (
                    self.path(f"{home}/sensitivity/seconds.csv") if sensitivity else None
                ),
                "search": (
                    self.path(f"{self.branch(setting)}/search_seconds.csv")
                    if setting.route in self.rate_starts
                    else None
                ),
                "codec": self.path(f"{self.branch(setting)}/compressed/seconds.csv"),
            }
            latent.append(asdict(setting) | {"bitdepth": setting.bits, "paths": paths})
        pixel = [
            {
                "name": name,
                "effort": get_codec(job.codec, **job.options).effort_setting,
                "codec": self.path(f"baselines/{name}/q{value}/seconds.csv"),
            }
            for name, job in self.baselines.items()
            for value in job.quality_values
        ]
        return {"latent": latent, "pixel": pixel}

    def encode_cost_tables(self) -> list[str]:
        """Every seconds table `encode_cost_entries` names."""
        entries = self.encode_cost_entries()
        paths = {path for entry in entries["latent"] for path in entry["paths"].values()}
        paths |= {entry["codec"] for entry in entries["pixel"]}
        return sorted(path for path in paths if path is not None)

    def rate_tables(self) -> list[str]:
        """Each rate-aware setting's search table (`rate_aware_lac`)."""
        return [
            self.path(f"{self.branch(setting)}/rate.csv")
            for route in self.rate_routes()
            for setting in self.settings[route]
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

    def baseline_params(self, name: str, quality_value: str) -> dict:
        """The codec, quality value and options of one pixel baseline job, as rule parameters;
        a quality value outside the baseline's grid is refused (`q<value>` in a path)."""
        job = self.baselines[name]
        if int(quality_value) not in job.quality_values:
            raise LatentCodecError(
                f"baselines.{name}: quality {quality_value} is not in its grid "
                f"{list(job.quality_values)}"
            )
        return {"codec": job.codec, "quality_value": int(quality_value), "options": job.options}

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
        if self.convergence_images():
            names += CONVERGENCE_OUTPUTS
        if self.rate_routes():
            names += RATE_OUTPUTS
        return [self.path(name) for name in names]

    def wildcard_constraints(self) -> dict[str, str]:
        """A regular expression for each wildcard of the rules: only the run's values."""
        return {
            "run": re.escape(self.run),
            "dataset": re.escape(self.dataset),
            "image": _any_of(self.images),
            "model": _any_of(self.models),
            "route": _any_of(self.routes),
            "bits": r"\d+",
            "packing": _any_of((*PACKINGS, NO_PACKING)),
            "codec": _any_of(sorted({setting.codec for setting in self.all_settings()})),
            "quality": r"[a-z0-9_]+",
            "baseline": _any_of(self.baselines) or "none",
            "value": r"\d+",
            "precision": _any_of(self.config["float_precisions"]) or "none",
        }


def _any_of(values) -> str:
    return "|".join(map(re.escape, values))

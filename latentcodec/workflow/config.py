"""Checks a config beyond its JSON schema, and expands it into the sweep of settings.

The schema (`schemas/config.schema.yaml`) checks types and fills defaults; what needs the
registries is checked here: known models, datasets and codecs, and whether each codec can
store each requested bit depth at each requested quality, and whether the tool of each
requested perceptual metric is installed. Every error names the key.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from latentcodec.codecs.lac import Lac
from latentcodec.codecs.registry import (
    CODECS,
    get_codec,
    image_codec_class,
    latent_codec_class,
)
from latentcodec.errors import LatentCodecError, prefix_errors
from latentcodec.measure.perceptual import check_tools
from latentcodec.models.refinement import Refinement
from latentcodec.models.registry import MODELS, check_dtype
from latentcodec.quantize import check_clip
from latentcodec.routes import DIRECT_ENCODER
from latentcodec.workflow.datasets import dataset_from_config, select_images
from latentcodec.workflow.setting import Setting

LOSSLESS_LABEL = "lossless"


@dataclass(frozen=True)
class BaselineJob:
    """One pixel-domain baseline: a named codec setting over a grid of quality values."""

    name: str  # label in paths and tables, e.g. "avif444"
    codec: str
    quality_values: tuple[int, ...]  # the codec's own numbers (config key `qualities`)
    options: dict


def model_options(config: dict) -> dict:
    """The settings every model job runs with (`latentcodec.models.autoencoders.load_model`)."""
    return {
        "device": config["device"],
        "dtype": config["dtype"],
        "batch_size": config["batch_size"],
        "tile": config["tiling"]["tile"],
        "overlap": config["tiling"]["overlap"],
    }


def check_config(config: dict) -> None:
    """Raise LatentCodecError naming the key of the first problem found."""
    _check_models(config["models"], config["dtype"])
    tiling = config["tiling"]
    if tiling["tile"] is not None and tiling["overlap"] >= tiling["tile"]:
        raise LatentCodecError(
            f"tiling: overlap ({tiling['overlap']}) must be smaller than tile ({tiling['tile']})"
        )
    dataset = dataset_from_config(config["dataset"], mirror=config["mirror"])
    images = select_images(dataset, config["dataset"]["images"])
    with prefix_errors("quantization.clip"):
        check_clip(config["quantization"]["clip"])
    for label, entry in config["encoders"].items():
        with prefix_errors(f"encoders.{label}"):
            refinement_of(config, label)
        unknown = sorted(set(entry.get("models") or ()) - set(config["models"]))
        if unknown:
            raise LatentCodecError(f"encoders.{label}.models: {unknown} are not configured models")
    _check_rate_routes(config)
    for name, settings in config["codecs"].items():
        _check_codec(name, settings)
    if not sweep(config):
        raise LatentCodecError("codecs: no codec job configured (every bitdepths list is empty)")
    for job in baseline_jobs(config):
        _check_baseline(job)
    _check_findings(config, images)
    _check_figures(config["figures"], images)
    check_equal_effort(config)
    check_tools(config["perceptual_metrics"])
    comparison = config["comparison"]
    if comparison["latent_anchor"] not in CODECS:
        raise LatentCodecError(
            f"comparison.latent_anchor: {comparison['latent_anchor']!r} is not a latent codec "
            f"({', '.join(sorted(CODECS))})"
        )
    for key, names in (
        ("anchor", [comparison["anchor"]]),
        ("equal_size", comparison["equal_size"]),
    ):
        unknown = [name for name in names if name not in config["baselines"]]
        if unknown:
            raise LatentCodecError(
                f"comparison.{key}: {unknown} not among the configured baselines "
                f"({', '.join(config['baselines']) or 'none'})"
            )


def check_equal_effort(config: dict) -> None:
    """Refuse a latent codec and a pixel baseline on the same encoder library (latent AVIF and
    an AVIF baseline; latent WebP lossless and WebP) at different effort settings: the side
    with more effort would win bytes that say nothing about latents against pixels."""
    latent = [
        (name, get_codec(name, **settings.get("options", {})))
        for name, settings in config["codecs"].items()
        if settings["bitdepths"] or any(settings.get("model_bitdepths", {}).values())
    ]
    for job in baseline_jobs(config):
        pixel = get_codec(job.codec, **job.options)
        for name, coder in latent:
            if coder.encoder == pixel.encoder and coder.effort_setting != pixel.effort_setting:
                raise LatentCodecError(
                    f"codecs.{name}.options.{coder.effort_option} = {_value(coder)} but "
                    f"baselines.{job.name}.options.{pixel.effort_option} = {_value(pixel)}: "
                    f"a latent codec and a pixel baseline on the same encoder ({coder.encoder}) "
                    "must use the same effort; set both to the same value"
                )


def _value(coder) -> str:
    return coder.effort_setting.partition("=")[2]


def codec_bitdepths(settings: dict, model: str) -> list[int]:
    """The bit depths one codec entry sweeps for `model` (`model_bitdepths` overrides)."""
    return settings.get("model_bitdepths", {}).get(model, settings["bitdepths"])


def latent_sources(config: dict) -> list[tuple[str, str]]:
    """(model, encoder) of every latent route: each model's direct latents, then each
    refinement of `encoders` for the models it names (all when it names none)."""
    routes = [(model, DIRECT_ENCODER) for model in config["models"]]
    for label, entry in config.get("encoders", {}).items():
        models = entry.get("models") or config["models"]
        routes += [(model, label) for model in config["models"] if model in models]
    return routes


# An `encoders` entry's keys that say which latents a route covers, not how they are refined.
ROUTE_KEYS = ("models", "qualities")


def refinement_of(config: dict, encoder: str) -> Refinement:
    """The refinement an `encoders` label names, on the grid of quantization.clip."""
    entry = config["encoders"][encoder]
    options = {key: value for key, value in entry.items() if key not in ROUTE_KEYS}
    return Refinement(**options, clip=config["quantization"]["clip"])


def is_rate_aware(config: dict, encoder: str) -> bool:
    """Whether an encoder takes rate steps (rate-aware lac), the direct one never."""
    return encoder != DIRECT_ENCODER and bool(config["encoders"][encoder].get("rate_steps"))


def rate_start(config: dict, model: str, encoder: str) -> str | None:
    """The encoder whose latents a rate-aware route (`rate_steps`) starts from: the entry
    that refines `model` the same way without rate steps; None when there is none, or when
    `encoder` takes no rate steps."""
    if not is_rate_aware(config, encoder):
        return None
    start = dataclasses.replace(refinement_of(config, encoder), rate_steps=0)
    for other_model, other in latent_sources(config):
        if other_model == model and other != DIRECT_ENCODER and other != encoder:
            if refinement_of(config, other) == start:
                return other
    return None


def _check_rate_routes(config: dict) -> None:
    """A rate-aware route needs its start and lac's lossy qualities to sweep."""
    for encoder, entry in config["encoders"].items():
        if entry.get("qualities"):
            _check_rate_qualities(config, encoder)
    for model, encoder in latent_sources(config):
        if not is_rate_aware(config, encoder):
            continue
        if rate_start(config, model, encoder) is None:
            raise LatentCodecError(
                f"encoders.{encoder}: rate steps start from the latents of an entry refined "
                f"the same way without them, and none refines {model} so; add one"
            )
        if not sweep(config, model, encoder):
            raise LatentCodecError(
                f"encoders.{encoder}: rate steps estimate lac's bits, but codecs sweep no "
                f"lossy lac quality for {model}"
            )


def _check_rate_qualities(config: dict, encoder: str) -> None:
    """A route's `qualities` pick among lac's lossy ones, and only a rate-aware route picks."""
    if not is_rate_aware(config, encoder):
        raise LatentCodecError(
            f"encoders.{encoder}.qualities: only a rate-aware route (rate_steps) picks lac "
            "qualities; every other route sweeps every codec's"
        )
    entry = config["encoders"][encoder]
    for model in entry.get("models") or config["models"]:
        qualities = codec_qualities(config["codecs"].get(Lac.name, {}), model)
        lossy = [label for label, value in qualities.items() if not Lac.is_lossless(value)]
        unknown = [label for label in entry["qualities"] if label not in lossy]
        if unknown:
            raise LatentCodecError(
                f"encoders.{encoder}.qualities: {unknown} are not lossy lac qualities for "
                f"{model} (codecs.lac sweeps {lossy})"
            )


def sweep(config: dict, model: str | None = None, encoder: str = DIRECT_ENCODER) -> list[Setting]:
    """Every setting (codec, bit depth, packing, quality) the config asks for `model`'s
    latents made by `encoder`, in config order; with no model, those of every latent route.
    A rate-aware encoder (`rate_steps`) takes lac's lossy settings only (its `qualities`)."""
    if model is None:
        return [setting for route in latent_sources(config) for setting in sweep(config, *route)]
    rate_aware = is_rate_aware(config, encoder)
    chosen = config["encoders"][encoder].get("qualities") if rate_aware else None
    settings = []
    for name, entry in config["codecs"].items():
        if rate_aware and name != Lac.name:
            continue
        qualities = codec_qualities(entry, model)
        effort = get_codec(name, **entry.get("options", {})).effort_setting
        codec = dict(model=model, encoder=encoder, codec=name, effort=effort)
        for bits in codec_bitdepths(entry, model):
            for packing in codec_packings(name, entry):
                settings.extend(
                    Setting(**codec, bits=bits, packing=packing, quality=label, quality_value=value)
                    for label, value in qualities.items()
                    if not (rate_aware and Lac.is_lossless(value))
                    and (chosen is None or label in chosen)
                )
    return settings


def is_lossless(setting: Setting) -> bool:
    """Whether the setting's files give back the exact integers (its codec class says)."""
    return CODECS[setting.codec].is_lossless(setting.quality_value)


def codec_qualities(settings: dict, model: str) -> dict[str, int | None]:
    """Quality label → value one codec entry sweeps for `model` (`model_qualities` picks)."""
    qualities = settings.get("qualities") or {LOSSLESS_LABEL: None}
    chosen = settings.get("model_qualities", {}).get(model)
    if chosen is None:
        return qualities
    return {label: value for label, value in qualities.items() if label in chosen}


def codec_packings(name: str, settings: dict) -> list[str]:
    """The packings one codec entry sweeps: its `packing` list, or the codec's default
    (interleaved; NO_PACKING for a codec that takes the latent itself)."""
    return settings.get("packing", [latent_codec_class(name).default_packing])


def baseline_jobs(config: dict) -> list[BaselineJob]:
    return [
        BaselineJob(name, spec["codec"], tuple(spec["qualities"]), spec.get("options", {}))
        for name, spec in config["baselines"].items()
    ]


def _check_models(models: list[str], dtype: str) -> None:
    for model in models:
        if model not in MODELS:
            known = ", ".join(sorted(MODELS))
            raise LatentCodecError(f"models: unknown model {model!r}; known: {known}")
        with prefix_errors("dtype"):
            check_dtype(MODELS[model], dtype)


def _check_codec(name: str, settings: dict) -> None:
    """Every setting the entry sweeps, checked by the codec class under its config key."""
    key = f"codecs.{name}"
    if name not in CODECS:
        raise LatentCodecError(f"{key}: unknown codec {name!r}; known: {', '.join(sorted(CODECS))}")
    codec_class = CODECS[name]
    unknown = sorted(set(settings.get("model_bitdepths", {})) - set(MODELS))
    if unknown:
        raise LatentCodecError(
            f"{key}.model_bitdepths: unknown model(s) {unknown}; known: {', '.join(sorted(MODELS))}"
        )
    for model, labels in settings.get("model_qualities", {}).items():
        if model not in MODELS:
            raise LatentCodecError(
                f"{key}.model_qualities: unknown model {model!r}; "
                f"known: {', '.join(sorted(MODELS))}"
            )
        missing = sorted(set(labels) - set(settings.get("qualities") or {}))
        if missing:
            raise LatentCodecError(
                f"{key}.model_qualities.{model}: {missing} not among {key}.qualities"
            )
    depth_lists = {"bitdepths": settings["bitdepths"]} | {
        f"model_bitdepths.{model}": depths
        for model, depths in settings.get("model_bitdepths", {}).items()
    }
    for field, depths in depth_lists.items():
        for bits in depths:
            with prefix_errors(f"{key}.{field}"):
                codec_class.check_bits(bits)
    qualities = settings.get("qualities")
    if qualities:
        for label, value in qualities.items():
            with prefix_errors(f"{key}.qualities.{label}"):
                codec_class.check_quality(value)
    else:
        with prefix_errors(f"{key}.qualities"):
            codec_class.check_quality(None)
    for packing in codec_packings(name, settings):
        with prefix_errors(f"{key}.packing"):
            latent_codec_class(name).check_packing(packing)
    _build(key, name, settings.get("options", {}))


def _check_baseline(job: BaselineJob) -> None:
    """A pixel baseline stores 8-bit RGB images at a grid of lossy quality values."""
    key = f"baselines.{job.name}"
    if job.codec not in CODECS:
        raise LatentCodecError(f"{key}.codec: unknown codec {job.codec!r}")
    with prefix_errors(f"{key}.codec"):
        codec_class = image_codec_class(job.codec)
        codec_class.check_bits(8)
        codec_class.check_planes(3)
    if codec_class.quality_range is None:
        raise LatentCodecError(
            f"{key}.codec: {job.codec} is lossless only; a baseline needs a rate"
        )
    for quality_value in job.quality_values:
        with prefix_errors(f"{key}.qualities"):
            codec_class.check_quality(quality_value)
    _build(key, job.codec, job.options)


def _build(key: str, name: str, options: dict) -> None:
    try:
        get_codec(name, **options)
    except (TypeError, LatentCodecError) as error:  # TypeError: an option it does not take
        raise LatentCodecError(f"{key}.options: {error}") from None


def _check_figures(figures: dict, images: list[str]) -> None:
    """The images the crop grids show are the run's: another has no rows to draw, and the
    figures job would fail at the end of a run instead of at its start."""
    if figures["crop_image"] is not None:
        _check_run_images("figures.crop_image", figures["crop_image"], images)
    _check_run_images("figures.equal_size_images", figures["equal_size_images"], images)


def _check_run_images(key: str, chosen: str | list[str], images: list[str]) -> None:
    """Refuse `chosen` (one image id, or a list of them) where it names an image the run
    does not select, listing the run's images."""
    single = isinstance(chosen, str)
    unknown = sorted(set([chosen] if single else chosen) - set(images))
    if unknown:
        named = f"{chosen!r} is" if single else f"{unknown} are"
        shown = 8
        listed = ", ".join(images[:shown])
        listed += f", … {len(images) - shown} more" if len(images) > shown else ""
        raise LatentCodecError(f"{key}: {named} not among the run's images ({listed})")


def _check_findings(config: dict, images: list[str]) -> None:
    """The lead table's model is a configured one and its codecs exist (a codec the
    config does not sweep simply has no rows there); the convergence images are the run's."""
    findings = config["findings"]
    _check_run_images("findings.convergence_images", findings["convergence_images"], images)
    if findings["lead_model"] is not None and findings["lead_model"] not in config["models"]:
        raise LatentCodecError(
            f"findings.lead_model: {findings['lead_model']!r} is not among the configured "
            f"models ({', '.join(config['models'])})"
        )
    unknown = [codec for codec in findings["lead_settings"] if codec not in CODECS]
    if unknown:
        raise LatentCodecError(
            f"findings.lead_settings: unknown codec(s) {unknown}; "
            f"known: {', '.join(sorted(CODECS))}"
        )

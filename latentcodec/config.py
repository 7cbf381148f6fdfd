"""Checks a config beyond its JSON schema, and expands it into the sweep of codec jobs.

The schema (`schemas/config.schema.yaml`) checks types and fills defaults; what needs the
registries is checked here: known models, datasets and codecs, and whether each codec can
store each requested bit depth at each requested quality. Every error names the key.
"""

from __future__ import annotations

from dataclasses import dataclass

from latentcodec.codecs import CODECS, get_codec
from latentcodec.datasets import get_dataset, select_images
from latentcodec.errors import LatentCodecError
from latentcodec.models import MODELS

LOSSLESS_LABEL = "lossless"


@dataclass(frozen=True)
class CodecJob:
    """One point of the sweep for a model: a codec at a bit depth and a named quality."""

    codec: str
    bits: int
    quality: str  # label used in paths, e.g. "medium", or "lossless"
    quality_value: int | None  # the codec's own quality number; None for lossless-only codecs


def check_config(config: dict) -> None:
    """Raise LatentCodecError naming the key of the first problem found."""
    _check_models(config["models"])
    select_images(get_dataset(config["dataset"]["name"]), config["dataset"]["images"])
    for name, settings in config["codecs"].items():
        _check_codec(name, settings)
    if not codec_jobs(config):
        raise LatentCodecError("codecs: no codec job configured (every bitdepths list is empty)")


def codec_jobs(config: dict) -> list[CodecJob]:
    """Every (codec, bit depth, quality) the config asks for, in config order."""
    jobs = []
    for name, settings in config["codecs"].items():
        qualities = settings.get("qualities") or {LOSSLESS_LABEL: None}
        for bits in settings["bitdepths"]:
            jobs.extend(CodecJob(name, bits, label, value) for label, value in qualities.items())
    return jobs


def _check_models(models: list[str]) -> None:
    for model in models:
        if model not in MODELS:
            known = ", ".join(sorted(MODELS))
            raise LatentCodecError(f"models: unknown model {model!r}; known: {known}")


def _check_codec(name: str, settings: dict) -> None:
    key = f"codecs.{name}"
    if name not in CODECS:
        raise LatentCodecError(f"{key}: unknown codec {name!r}; known: {', '.join(sorted(CODECS))}")
    codec_class = CODECS[name]
    unsupported = [bits for bits in settings["bitdepths"] if bits not in codec_class.bit_depths]
    if unsupported:
        supported = ", ".join(map(str, sorted(codec_class.bit_depths)))
        raise LatentCodecError(
            f"{key}.bitdepths: {name} cannot store {unsupported} -bit samples "
            f"(it supports {supported}); remove them from {key}.bitdepths"
        )
    qualities = settings.get("qualities") or {}
    if codec_class.quality_range is None and qualities:
        raise LatentCodecError(f"{key}.qualities: {name} is lossless only and takes no quality")
    if codec_class.quality_range is not None:
        if not qualities:
            raise LatentCodecError(f"{key}.qualities: {name} needs at least one named quality")
        low, high = codec_class.quality_range
        for label, value in qualities.items():
            if not low <= value <= high:
                raise LatentCodecError(
                    f"{key}.qualities.{label}: {value} is outside {name}'s range {low} … {high}"
                )
    try:
        get_codec(name, **settings.get("options", {}))
    except TypeError as error:
        raise LatentCodecError(f"{key}.options: {error}") from None

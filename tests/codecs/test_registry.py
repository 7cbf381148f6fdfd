"""The registry (latentcodec.codecs.registry): every codec under its own name, each name's
latent codec, and the questions callers ask a class instead of its kind."""

import numpy as np
import pytest

from latentcodec.codecs.base import Codec, ImageCodec, LatentCodec
from latentcodec.codecs.lac import Lac
from latentcodec.codecs.latent import PackedLatentCodec
from latentcodec.codecs.packing import NO_PACKING
from latentcodec.codecs.registry import (
    CODECS,
    IMAGE_CODECS,
    LATENT_CODECS,
    NATIVE_LATENT_CODECS,
    get_codec,
    image_codec_class,
    latent_codec,
    latent_codec_class,
)
from latentcodec.errors import LatentCodecError

# The names the workflow config, the CLI and stored files use.
NAMES = {"png", "avif", "jxl", "jxld", "j2k", "webpll", "palette", "lac", "npy", "npz"}
NAMES |= {"jpeg", "webp"}


def test_registry_is_keyed_by_each_codecs_own_name():
    assert set(CODECS) == set(LATENT_CODECS) == NAMES
    for name, codec_class in CODECS.items():
        assert type(get_codec(name)) is codec_class and codec_class.name == name
        assert issubclass(codec_class, Codec) and codec_class.library()
    for codec_class in IMAGE_CODECS.values():
        assert issubclass(codec_class, ImageCodec)
        assert codec_class.interleaved_planes in codec_class.planes


def test_every_name_has_a_latent_codec_that_answers_for_its_setting():
    for name, codec_class in LATENT_CODECS.items():
        assert issubclass(codec_class, LatentCodec) and codec_class.name == name
        assert latent_codec_class(name) is codec_class
        coder = latent_codec(name, codec_class.default_packing)
        assert coder.packing == codec_class.default_packing
        assert coder.library() == CODECS[name].library()
        assert coder.effort_setting == get_codec(name).effort_setting
    assert issubclass(LATENT_CODECS["avif"], PackedLatentCodec)
    assert latent_codec("avif", "interleaved", speed=4).effort_setting == "speed=4"


def test_lac_codes_the_latent_itself_and_takes_no_packing():
    assert LATENT_CODECS["lac"] is Lac and NATIVE_LATENT_CODECS == {"lac": Lac}
    assert Lac.default_packing == NO_PACKING and Lac.is_lossless(100) and not Lac.is_lossless(99)
    for packing in ("interleaved", "planar"):
        with pytest.raises(LatentCodecError, match="lac codes the .* no packing"):
            latent_codec("lac", packing)
    with pytest.raises(LatentCodecError, match=r"\(C, h, w\) latents"):
        Lac().encode(np.zeros((4, 4), np.uint8), 8, 100)


def test_only_lossy_lac_needs_the_decoders_sensitivity():
    assert Lac.needs_sensitivity(99) and not Lac.needs_sensitivity(100)
    for name in set(IMAGE_CODECS):
        quality_range = CODECS[name].quality_range
        for quality in [None] if quality_range is None else quality_range:
            assert not latent_codec_class(name).needs_sensitivity(quality)


def test_unknown_codec_is_named():
    for lookup in (get_codec, latent_codec_class, image_codec_class):
        with pytest.raises(LatentCodecError, match="unknown codec 'gif'; known: avif, j2k"):
            lookup("gif")


def test_a_latent_codec_is_not_an_image_codec():
    assert image_codec_class("webp") is IMAGE_CODECS["webp"] is CODECS["webp"]
    with pytest.raises(LatentCodecError, match="lac codes latents, not RGB images"):
        image_codec_class("lac")


def test_the_same_encoder_has_the_same_default_effort_in_every_codec_class():
    """A minimal config with the same library on both sides keeps equal effort."""
    defaults = {}
    for name, codec_class in CODECS.items():
        if codec_class.effort_option is not None:
            defaults.setdefault(codec_class.encoder, set()).add(get_codec(name).effort_setting)
    assert defaults and all(len(settings) == 1 for settings in defaults.values()), defaults

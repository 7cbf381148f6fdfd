"""One latent to one `.lcf` container and back (latentcodec.codecs.lcf), without a model:
round trips through an image codec and through lac, the sensitivity lossy lac requires, and
containers that do not fit the model they name."""

import dataclasses

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from latentcodec.codecs.container import container_from_bytes, container_to_bytes
from latentcodec.codecs.lcf import read_latent, sensitivity_per_integer, store_latent
from latentcodec.codecs.registry import latent_codec, latent_codec_class
from latentcodec.errors import LatentCodecError
from latentcodec.models.registry import MODELS, get_spec
from latentcodec.quantize import quantize

MODEL = "taesdxl"  # 4 channels, 8× downsampling: a 60×75 image pads to 64×80, an (4, 8, 10) latent
HEIGHT, WIDTH = 60, 75


@pytest.fixture
def latent():
    rng = np.random.default_rng(0)
    return quantize(rng.normal(0, 1.5, (4, 8, 10)), 8)


def stored(latent, coder, quality_value, sensitivity=None):
    """The container of `latent` as a reader gets it: through its bytes."""
    image = {"model": MODEL, "height": HEIGHT, "width": WIDTH}
    container = store_latent(
        latent, coder=coder, quality_value=quality_value, sensitivity=sensitivity, **image
    )
    return container_from_bytes(container_to_bytes(container))


@pytest.mark.parametrize(
    ("name", "packing", "quality_value"),
    [
        ("png", "interleaved", None),
        ("png", "planar", None),
        ("jxl", "interleaved", 100),
        ("lac", "none", 100),
    ],
)
def test_a_lossless_setting_round_trips_exactly(latent, name, packing, quality_value):
    coder = latent_codec(name, packing)
    container = stored(latent, coder, quality_value)
    assert (container.codec, container.packing, container.quality) == (name, packing, quality_value)
    assert container.padding == (4, 5)
    assert container.payload == coder.encode(latent.values, 8, quality_value)
    read = read_latent(container, coder, get_spec(MODEL), "x.lcf")
    np.testing.assert_array_equal(read.values, latent.values)
    np.testing.assert_array_equal(read.lo, latent.lo)
    assert read.bits == 8 and read.clip is None


def test_a_lossy_image_codec_reads_back_in_the_bit_range(latent):
    coder = latent_codec("avif", "interleaved")
    read = read_latent(stored(latent, coder, 30), coder, get_spec(MODEL), "x.lcf")
    assert read.values.shape == latent.values.shape and read.values.dtype == np.uint8


def test_lossy_lac_needs_the_decoders_sensitivity_and_stores_with_it(latent):
    lac = latent_codec("lac", "none")
    with pytest.raises(LatentCodecError, match="lac at quality 40 needs a sensitivity"):
        stored(latent, lac, 40)
    sensitivity = np.array([4.0, 1.0, 1.0, 0.25])
    container = stored(latent, lac, 40, sensitivity)
    per_integer = sensitivity_per_integer(sensitivity, latent)
    assert container.payload == lac.encode(latent.values, 8, 40, per_integer)
    read = read_latent(container, lac, get_spec(MODEL), "x.lcf")
    assert read.values.shape == (4, 8, 10)
    assert stored(latent, lac, 100).payload == lac.encode(latent.values, 8, 100)  # lossless: none


def test_a_container_that_does_not_fit_its_model_is_refused_naming_the_file(latent):
    coder = latent_codec("png", "interleaved")
    container = stored(latent, coder, None)
    with pytest.raises(LatentCodecError, match="x.lcf: holds 4 channel ranges, but taef2"):
        read_latent(container, coder, get_spec("taef2"), "x.lcf")
    wider = dataclasses.replace(container, width=WIDTH + 16)
    with pytest.raises(LatentCodecError, match=r"x.lcf: the payload decodes to .* \(4, 8, 12\)"):
        read_latent(wider, coder, get_spec(MODEL), "x.lcf")
    unpadded = dataclasses.replace(container, padding=(0, 0))
    with pytest.raises(LatentCodecError, match="x.lcf: image 60×75 padded by"):
        read_latent(unpadded, coder, get_spec(MODEL), "x.lcf")
    damaged = dataclasses.replace(container, payload=container.payload[:40])
    with pytest.raises(LatentCodecError, match="x.lcf: png: cannot decode"):
        read_latent(damaged, coder, get_spec(MODEL), "x.lcf")


@settings(max_examples=60, deadline=None)
@given(
    model=st.sampled_from(sorted(MODELS)),
    coder_name=st.sampled_from(["png", "lac", "npz"]),
    bits=st.integers(1, 16),
    size=st.tuples(st.integers(1, 40), st.integers(1, 40)),
    clip=st.none() | st.floats(0.5, 8.0, width=32),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_latent_of_any_model_round_trips_through_its_lcf_bytes_losslessly(
    model, coder_name, bits, size, clip, seed
):
    spec = get_spec(model)
    coder_class = latent_codec_class(coder_name)
    assume(bits in coder_class.bit_depths)
    height, width = size
    bottom, right = spec.padding(height, width)
    scale = spec.downsample
    shape = (spec.channels, (height + bottom) // scale, (width + right) // scale)
    latent = quantize(np.random.default_rng(seed).normal(0, 2, shape), bits, clip)
    coder = coder_class(coder_class.default_packing)
    container = store_latent(
        latent, model=model, height=height, width=width, coder=coder,
        quality_value=coder_class.lossless_quality,
    )  # fmt: skip
    read = read_latent(container_from_bytes(container_to_bytes(container)), coder, spec, "x.lcf")
    assert read.bits == bits and read.clip == latent.clip
    np.testing.assert_array_equal(read.values, latent.values)
    np.testing.assert_array_equal(read.lo, latent.lo)
    np.testing.assert_array_equal(read.hi, latent.hi)

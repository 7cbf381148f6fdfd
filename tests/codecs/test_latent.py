"""The packing adapter (latentcodec.codecs.latent): an image codec as a latent codec stores
exactly the bytes of packing the channels and storing the mosaic, and reads them back."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from latentcodec.codecs.image import Avif, Png
from latentcodec.codecs.latent import PackedLatentCodec
from latentcodec.codecs.packing import pack, unpack
from latentcodec.codecs.registry import IMAGE_CODECS, LATENT_CODECS, latent_codec
from latentcodec.errors import LatentCodecError
from tests.helpers import smooth_latent


@pytest.mark.parametrize(
    ("name", "packing", "quality"),
    [
        ("png", "interleaved", None),
        ("png", "planar", None),
        ("avif", "interleaved", 50),
        ("jxl", "planar", 60),
        ("j2k", "interleaved", 100),
        ("webpll", "interleaved", None),
        ("npz", "planar", None),
    ],
)
def test_the_adapter_stores_what_pack_and_the_image_codec_give(name, packing, quality):
    latent = smooth_latent(8, (5, 12, 10))
    image_codec = IMAGE_CODECS[name]()
    planes = {"interleaved": image_codec.interleaved_planes, "planar": 1}[packing]
    expected = image_codec.encode(pack(latent, planes), 8, quality)
    coder = latent_codec(name, packing)
    data = coder.encode(latent, 8, quality)
    assert data == expected
    decoded = coder.decode(data, 5)
    np.testing.assert_array_equal(decoded, unpack(image_codec.decode(expected), 5, planes))
    if coder.is_lossless(quality):
        np.testing.assert_array_equal(decoded, latent)


LOSSLESS_ADAPTERS = sorted(
    name
    for name, codec_class in LATENT_CODECS.items()
    if issubclass(codec_class, PackedLatentCodec) and codec_class.can_be_lossless()
)


@settings(max_examples=80, deadline=None)
@given(
    name=st.sampled_from(LOSSLESS_ADAPTERS),
    packing=st.sampled_from(["interleaved", "planar"]),
    bits=st.integers(1, 16),
    shape=st.tuples(st.integers(1, 40), st.integers(1, 8), st.integers(1, 8)),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_lossless_adapter_round_trips_every_latent_it_can_store(
    name, packing, bits, shape, seed
):
    codec_class = LATENT_CODECS[name]
    planes = codec_class.tile_planes(packing)
    assume(bits in codec_class.bit_depths)
    assume(codec_class.image_codec.stores_losslessly(bits, planes))
    dtype = np.uint8 if bits <= 8 else np.uint16
    latent = np.random.default_rng(seed).integers(0, 2**bits, shape).astype(dtype)
    coder = codec_class(packing)
    decoded = coder.decode(coder.encode(latent, bits, codec_class.lossless_quality), shape[0])
    assert decoded.dtype == latent.dtype
    np.testing.assert_array_equal(decoded, latent)


@pytest.mark.parametrize("channels", [4, 16, 32])
@pytest.mark.parametrize("name", ["png", "jxl", "j2k", "webpll"])
def test_lossless_codecs_store_4_16_and_32_channel_latents(name, channels):
    latent = np.random.default_rng(channels).integers(0, 256, (channels, 6, 9), dtype=np.uint8)
    codec_class = LATENT_CODECS[name]
    for packing in ("interleaved", "planar"):
        if codec_class.tile_planes(packing) not in IMAGE_CODECS[name].planes:
            continue
        coder = codec_class(packing)
        stored = coder.encode(latent, 8, codec_class.lossless_quality)
        np.testing.assert_array_equal(coder.decode(stored, channels), latent)


def test_planar_packing_needs_a_codec_that_stores_one_plane():
    packed_png, packed_avif = PackedLatentCodec.over(Png), PackedLatentCodec.over(Avif)
    assert packed_png.tile_planes("planar") == 1 and packed_png("planar").planes == 1
    assert packed_avif.tile_planes("interleaved") == 3
    with pytest.raises(LatentCodecError, match=r"avif cannot store planar tiles of 1 plane\(s\)"):
        packed_avif("planar")
    with pytest.raises(LatentCodecError, match="unknown packing 'none'; known: interleaved"):
        packed_png.check_packing("none")


def test_the_adapter_takes_the_image_codecs_options_and_no_sensitivity():
    coder = latent_codec("avif", "interleaved", speed=9)
    assert coder.image.speed == 9 and coder.effort_setting == "speed=9"
    assert not coder.needs_sensitivity(30) and coder.layout() == "RGB"
    with pytest.raises(LatentCodecError, match="avif takes no sensitivity"):
        coder.encode(smooth_latent(8, (3, 4, 4)), 8, 30, sensitivity=np.ones(3))
    with pytest.raises(LatentCodecError, match="does not hold 7 channels"):
        latent_codec("png", "planar").decode(Png().encode(np.zeros((4, 4, 1), np.uint8), 8), 7)

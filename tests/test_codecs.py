import imagecodecs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from latentcodec.codecs import CODECS, Avif, Codec, Png, get_codec
from latentcodec.errors import LatentCodecError


def integer_images(bits, planes, max_side=24):
    return hnp.arrays(
        np.uint8 if bits <= 8 else np.uint16,
        st.tuples(st.integers(1, max_side), st.integers(1, max_side), st.just(planes)),
        elements=st.integers(0, 2**bits - 1),
    )


@st.composite
def png_cases(draw):
    bits = draw(st.sampled_from(sorted(Png.bit_depths)))
    planes = draw(st.sampled_from(sorted(Png.planes)))
    return bits, draw(integer_images(bits, planes))


@given(png_cases())
def test_png_round_trip_is_exact_at_every_bit_depth(case):
    bits, image = case
    codec = Png()
    decoded = codec.decode(codec.encode(image, bits))
    assert decoded.dtype == image.dtype
    np.testing.assert_array_equal(decoded, image)


@st.composite
def avif_cases(draw):
    bits = draw(st.sampled_from(sorted(Avif.bit_depths)))
    return bits, draw(integer_images(bits, 3, max_side=16))


@settings(max_examples=40, deadline=None)
@given(avif_cases())
def test_avif_lossless_round_trip_is_exact_at_every_bit_depth(case):
    bits, image = case
    codec = Avif(speed=8)
    decoded = codec.decode(codec.encode(image, bits, quality=Avif.lossless_quality))
    assert decoded.dtype == image.dtype
    np.testing.assert_array_equal(decoded, image)


def smooth_noisy_image(bits, seed=0, shape=(64, 96)):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[: shape[0], : shape[1]]
    planes = [np.sin(x / (5 + c)) * np.cos(y / (7 + c)) for c in range(3)]
    signal = 0.5 + 0.4 * np.stack(planes, axis=-1) + rng.normal(0, 0.05, (*shape, 3))
    values = np.clip(np.rint(signal * (2**bits - 1)), 0, 2**bits - 1)
    return values.astype(np.uint8 if bits <= 8 else np.uint16)


@pytest.mark.parametrize("bits", sorted(Avif.bit_depths))
def test_avif_lossy_decodes_to_the_right_shape_and_bit_range_and_is_lossy(bits):
    image = smooth_noisy_image(bits)
    codec = Avif()
    data = codec.encode(image, bits, quality=30)
    decoded = codec.decode(data)
    assert decoded.shape == image.shape and decoded.dtype == image.dtype
    assert int(decoded.max()) < 2**bits
    assert not np.array_equal(decoded, image)
    assert len(data) < len(codec.encode(image, bits, quality=Avif.lossless_quality))


def test_avif_keeps_planes_apart_identity_matrix_444():
    """With an RGB→YUV transform, coding error in one plane would leak into the others."""
    image = smooth_noisy_image(8)
    image[:, :, 1:] = 0
    decoded = Avif().decode(Avif().encode(image, 8, quality=20))
    assert int(decoded[:, :, 1:].max()) <= 1
    assert np.abs(decoded[:, :, 0].astype(int) - image[:, :, 0]).max() > 1


def test_avif_quality_changes_size_monotonically():
    image = smooth_noisy_image(10)
    sizes = [len(Avif().encode(image, 10, quality=q)) for q in (20, 50, 80)]
    assert sizes == sorted(sizes) and len(set(sizes)) == 3


@pytest.mark.parametrize(
    ("codec", "image", "bits", "quality", "message"),
    [
        (Avif(), np.zeros((4, 4, 3), np.uint16), 16, 50, "cannot store 16-bit"),
        (Avif(), np.zeros((4, 4, 4), np.uint8), 8, 50, "3]-plane"),
        (Png(), np.zeros((4, 4, 2), np.uint8), 8, None, "plane"),
        (Png(), np.full((4, 4, 3), 1024, np.uint16), 10, None, "does not fit in 10 bits"),
        (Png(), np.zeros((4, 4, 3), np.uint8), 12, None, "must be uint16"),
        (Png(), np.zeros((4, 4, 3), np.uint8), 8, 50, "lossless only"),
        (Avif(), np.zeros((4, 4, 3), np.uint8), 8, 101, "quality must be in 0 … 100"),
        (Avif(), np.zeros((4, 4, 3), np.uint8), 8, None, "quality must be"),
    ],
)
def test_codecs_refuse_what_they_cannot_store(codec, image, bits, quality, message):
    with pytest.raises(LatentCodecError, match=message):
        codec.encode(image, bits, quality)


def test_corrupt_data_gives_a_clean_error():
    data = Png().encode(np.zeros((8, 8, 3), np.uint8), 8)
    with pytest.raises(LatentCodecError, match="png: cannot decode"):
        Png().decode(data[: len(data) // 2])


def test_registry_is_keyed_by_each_codecs_own_name():
    assert set(CODECS) == {"png", "avif"}
    for name, codec_class in CODECS.items():
        assert issubclass(codec_class, Codec) and codec_class.name == name
        assert codec_class.preferred_planes in codec_class.planes
        assert isinstance(get_codec(name), codec_class)
        assert "imagecodecs" in codec_class.library()


def test_unknown_codec_is_named():
    with pytest.raises(LatentCodecError, match="unknown codec 'jpeg'"):
        get_codec("jpeg")


def test_missing_library_support_is_reported(monkeypatch):
    monkeypatch.setattr(imagecodecs.AVIF, "available", False, raising=False)
    with pytest.raises(LatentCodecError, match="built without AVIF"):
        Avif()

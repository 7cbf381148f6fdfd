"""The image codecs (latentcodec.codecs.image): exact lossless round trips at every declared
depth, lossy range, the setting checks, effort options, and clean errors on damaged files."""

import functools

import imagecodecs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from latentcodec.codecs.image import (
    Avif,
    Jpeg2000,
    JpegXl,
    JpegXlDistance,
    Npy,
    Npz,
    Palette,
    Png,
    WebpLossless,
)
from latentcodec.codecs.registry import IMAGE_CODECS, get_codec, latent_codec
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
    decoded = codec.decode(codec.encode(image, bits, quality_value=Avif.lossless_quality))
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
    data = codec.encode(image, bits, quality_value=30)
    decoded = codec.decode(data)
    assert decoded.shape == image.shape and decoded.dtype == image.dtype
    assert int(decoded.max()) < 2**bits
    assert not np.array_equal(decoded, image)
    assert len(data) < len(codec.encode(image, bits, quality_value=Avif.lossless_quality))


def test_avif_keeps_planes_apart_identity_matrix_444():
    """With an RGB→YUV transform, coding error in one plane would leak into the others."""
    image = smooth_noisy_image(8)
    image[:, :, 1:] = 0
    decoded = Avif().decode(Avif().encode(image, 8, quality_value=20))
    assert int(decoded[:, :, 1:].max()) <= 1
    assert np.abs(decoded[:, :, 0].astype(int) - image[:, :, 0]).max() > 1


def test_avif_quality_changes_size_monotonically():
    image = smooth_noisy_image(10)
    sizes = [len(Avif().encode(image, 10, quality_value=q)) for q in (20, 50, 80)]
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
        (Avif(), np.zeros((4, 4, 3), np.uint8), 8, 101, "needs a quality in 0 … 100"),
        (Avif(), np.zeros((4, 4, 3), np.uint8), 8, None, "needs a quality"),
    ],
)
def test_codecs_refuse_what_they_cannot_store(codec, image, bits, quality, message):
    with pytest.raises(LatentCodecError, match=message):
        codec.encode(image, bits, quality)


def test_corrupt_data_gives_a_clean_error():
    data = Png().encode(np.zeros((8, 8, 3), np.uint8), 8)
    with pytest.raises(LatentCodecError, match="png: cannot decode"):
        Png().decode(data[: len(data) // 2])


def test_missing_library_support_is_reported(monkeypatch):
    monkeypatch.setattr(imagecodecs.AVIF, "available", False, raising=False)
    with pytest.raises(LatentCodecError, match="built without AVIF"):
        Avif()


LOSSLESS_SETTINGS = [
    (codec_class, quality)
    for codec_class, quality in [
        (JpegXl, JpegXl.lossless_quality),
        (Jpeg2000, Jpeg2000.lossless_quality),
        (WebpLossless, None),
        (Npy, None),
        (Npz, None),
    ]
]


@st.composite
def lossless_cases(draw):
    codec_class, quality = draw(st.sampled_from(LOSSLESS_SETTINGS))
    bits = draw(st.sampled_from(sorted(codec_class.bit_depths)))
    planes = draw(st.sampled_from(sorted(codec_class.planes)[:40]))  # numpy: any count
    return codec_class, quality, bits, draw(integer_images(bits, planes, max_side=16))


@settings(max_examples=120, deadline=None)
@given(lossless_cases())
def test_every_other_lossless_path_round_trips_exactly_at_each_declared_depth(case):
    codec_class, quality, bits, image = case
    codec = codec_class()
    assert codec.is_lossless(quality)
    expected = image
    if codec.drops_opaque_alpha and image.shape[2] == 4 and (image[..., 3] == 2**bits - 1).all():
        expected = image[..., :3]  # libwebp: the latent adapter restores the plane
    np.testing.assert_array_equal(codec.decode(codec.encode(image, bits, quality)), expected)


def test_an_opaque_alpha_plane_comes_back_from_the_latent_adapter():
    """Channels packed as the 4th plane of an RGBA tile, all 255: WebP lossless stores no
    alpha, and the adapter gives the channel back."""
    latent = np.full((4, 3, 5), 255, np.uint8)
    latent[:3] = np.arange(45, dtype=np.uint8).reshape(3, 3, 5)
    coder = latent_codec("webpll", "interleaved")
    data = coder.encode(latent, 8, None)
    assert WebpLossless().decode(data).shape == (3, 5, 3)
    np.testing.assert_array_equal(coder.decode(data, 4), latent)


@pytest.mark.parametrize(("codec", "quality"), [(JpegXl(), 40), (Jpeg2000(), 35)])
@pytest.mark.parametrize("bits", [8, 12, 16])
def test_lossy_jxl_and_j2k_keep_shape_and_range(codec, quality, bits):
    image = smooth_noisy_image(bits)[:, :, :1]
    decoded = codec.decode(codec.encode(image, bits, quality))
    assert decoded.shape == image.shape and decoded.dtype == image.dtype
    error = np.abs(decoded.astype(float) - image) / (2**bits - 1)
    assert 0 < error.mean() < 0.05  # lossy, and judged on the declared bit depth


def test_jxl_by_distance_is_lossy_and_spends_fewer_bytes_at_a_larger_distance():
    image = smooth_noisy_image(8)
    codec = JpegXlDistance(effort=9)
    sizes = []
    for thousandths in (50, 100, 500, 1000):  # the seed study's distances 0.05 … 1.0
        data = codec.encode(image, 8, thousandths)
        decoded = codec.decode(data)
        assert decoded.shape == image.shape and decoded.dtype == image.dtype
        assert not np.array_equal(decoded, image)
        sizes.append(len(data))
    assert sizes == sorted(sizes, reverse=True)
    assert not JpegXlDistance.is_lossless(50) and JpegXlDistance.encoder == JpegXl.encoder


@pytest.mark.parametrize("codec_class", [Npy, Npz])
def test_numpy_files_with_a_forged_shape_or_dtype_are_refused(codec_class):
    image = np.zeros((4, 6, 4), np.uint8)
    data = bytearray(codec_class().encode(image, 8))
    if codec_class is Npy:
        forged = bytes(data).replace(b"(4, 6, 4)", b"(9999, 9999, 4)")
        with pytest.raises(LatentCodecError, match="bytes of data"):
            Npy().decode(forged)
        with pytest.raises(LatentCodecError, match="not an image"):
            Npy().decode(bytes(data).replace(b"'|u1'", b"'<f8'"))
    else:
        with pytest.raises(LatentCodecError, match="cannot decode"):
            Npz().decode(bytes(data[:-30]))


def test_j2k_keeps_planes_apart():
    image = smooth_noisy_image(8)
    image[:, :, 1:] = 0
    decoded = Jpeg2000().decode(Jpeg2000().encode(image, 8, 30))
    assert int(decoded[:, :, 1:].max()) <= 1


def test_palette_codec_counts_its_colours_as_quality():
    image = smooth_noisy_image(8)
    decoded = Palette().decode(Palette().encode(image, 8, 16))
    assert len(np.unique(decoded.reshape(-1, 3), axis=0)) <= 16


def test_avif_pixel_settings_are_checked():
    with pytest.raises(LatentCodecError, match="identity matrix needs chroma 444"):
        Avif(chroma="420", matrix="identity")
    with pytest.raises(LatentCodecError, match="chroma must be one of"):
        Avif(chroma="422")


@pytest.mark.parametrize(
    ("name", "options", "setting"),
    [
        ("avif", {}, "speed=6"),
        ("avif", {"speed": 4}, "speed=4"),
        ("jxl", {"effort": 9}, "effort=9"),
        ("webpll", {}, "method=6"),
        ("webp", {}, "method=6"),  # the latent WebP lossless default, not Pillow's 4
        ("jxld", {"effort": 9}, "effort=9"),
        ("npy", {}, ""),
        ("png", {}, "compression=9"),
        ("jpeg", {}, ""),
        ("j2k", {}, ""),
    ],
)
def test_each_codec_records_its_time_for_bytes_setting(name, options, setting):
    assert get_codec(name, **options).effort_setting == setting


@pytest.mark.parametrize(
    ("name", "option"), [("avif", "speed"), ("jxl", "effort"), ("webp", "method")]
)
def test_an_effort_outside_the_libraries_range_is_refused(name, option):
    with pytest.raises(LatentCodecError, match=f"{name}: {option} must be an integer"):
        get_codec(name, **{option: 11})


# Bad inputs (docs/reliability.md): random and truncated stored files.


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(IMAGE_CODECS)), data=st.binary(max_size=300))
def test_random_bytes_never_decode_to_anything_but_a_clean_error(name, data):
    with pytest.raises(LatentCodecError):
        get_codec(name).decode(data)


@pytest.mark.parametrize("name", sorted(IMAGE_CODECS))
def test_a_truncated_stored_file_gives_a_clean_error(name, tmp_path):
    codec = get_codec(name)
    planes = codec.interleaved_planes
    image = (np.arange(32 * 48 * planes) % 200).astype(np.uint8).reshape(32, 48, planes)
    quality = None if codec.quality_range is None else codec.quality_range[1]
    data = codec.encode(image, 8, quality)
    with pytest.raises(LatentCodecError, match=f"{name}: cannot decode"):
        codec.decode(data[: len(data) // 3])


# Each format's signature, left whole by the edits below so that every example gets past the
# magic-number check (random bytes, above, never do): PNG's 8 bytes, AVIF's box size + `ftypavif`,
# JPEG XL's FF 0A, JPEG 2000's signature box, RIFF…WEBP, JPEG's SOI, LCPL, \x93NUMPY, PK\3\4.
SIGNATURE_LENGTH = {
    "avif": 12,
    "j2k": 12,
    "jpeg": 2,
    "jxl": 2,
    "jxld": 2,
    "npy": 6,
    "npz": 4,
    "palette": 4,
    "png": 8,
    "webp": 12,
    "webpll": 12,
}


@functools.cache
def valid_file(name: str) -> bytes:
    """A small image as `name` stores it (at its highest quality), encoded once; it decodes."""
    codec = get_codec(name)
    planes = codec.interleaved_planes
    image = (np.arange(8 * 12 * planes) * 7 % 251).astype(np.uint8).reshape(8, 12, planes)
    quality = None if codec.quality_range is None else codec.quality_range[1]
    data = codec.encode(image, 8, quality)
    assert codec.decode(data).shape == image.shape
    return data


@st.composite
def edited(draw, data: bytes, start: int) -> bytes:
    """`data` with 1–3 bytes overwritten, or cut short, or with bytes inserted, all at or after
    byte `start`."""
    edit = bytearray(data)
    kind = draw(st.sampled_from(["overwrite", "truncate", "insert"]))
    if kind == "overwrite":
        for _ in range(draw(st.integers(1, 3))):
            edit[draw(st.integers(start, len(edit) - 1))] = draw(st.integers(0, 255))
    elif kind == "truncate":
        del edit[draw(st.integers(start, len(edit) - 1)) :]
    else:
        at = draw(st.integers(start, len(edit)))
        edit[at:at] = draw(st.binary(min_size=1, max_size=8))
    return bytes(edit)


@pytest.mark.parametrize("name", sorted(IMAGE_CODECS))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_damaged_valid_file_decodes_to_an_image_or_gives_a_clean_error(name, data):
    """Past the signature, so the parsers themselves see the damage: for npy and npz that is
    this package's own (`_npy_image`, `Npz._decode`), so only LatentCodecError may escape."""
    damaged = data.draw(edited(valid_file(name), SIGNATURE_LENGTH[name]))
    try:
        decoded = get_codec(name).decode(damaged)
    except LatentCodecError:
        return
    assert decoded.ndim == 3 and np.issubdtype(decoded.dtype, np.integer), decoded.dtype

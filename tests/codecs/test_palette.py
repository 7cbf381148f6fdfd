import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from latentcodec.codecs.palette import HEADER_SIZE, MAGIC, VERSION, palette_decode, palette_encode
from latentcodec.errors import LatentCodecError


def gradient(size: int = 64, planes: int = 3) -> np.ndarray:
    """A smooth (size, size, planes) uint8 gradient with thousands of distinct colours."""
    y, x = np.mgrid[0:size, 0:size] * (256 // size)
    channels = [x, y, (x + y) // 2, 255 - x // 2][:planes]
    return np.stack(channels, axis=-1).astype(np.uint8)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255**2 / mse))


def block_means(image: np.ndarray, block: int = 4) -> np.ndarray:
    h, w, p = image.shape
    tiles = image.astype(np.float64).reshape(h // block, block, w // block, block, p)
    return tiles.mean(axis=(1, 3))


def distinct_colours(image: np.ndarray) -> int:
    return len(np.unique(image.reshape(-1, image.shape[2]), axis=0))


@st.composite
def few_colour_images(draw):
    planes = draw(st.sampled_from([3, 4]))
    k = draw(st.integers(1, 16))
    palette = draw(hnp.arrays(np.uint8, (k, planes)))
    shape = (draw(st.integers(1, 12)), draw(st.integers(1, 12)))
    indices = draw(hnp.arrays(np.intp, shape, elements=st.integers(0, k - 1)))
    return palette[indices]


@settings(max_examples=60, deadline=None)
@given(image=few_colour_images())
def test_image_within_the_palette_size_round_trips_exactly(image):
    out = palette_decode(palette_encode(image))
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, image)


@settings(max_examples=60, deadline=None)
@given(image=few_colour_images(), data=st.data())
def test_image_with_at_most_colours_distinct_colours_round_trips_exactly(image, data):
    fewest = max(2, distinct_colours(image))  # half the time exactly as many as the image has
    colours = data.draw(st.just(fewest) | st.integers(fewest, 256), label="colours")
    np.testing.assert_array_equal(palette_decode(palette_encode(image, colours)), image)


@pytest.mark.parametrize("planes", [3, 4])
def test_image_of_exactly_256_close_colours_round_trips_exactly(planes):
    # Colours one step apart: Pillow's fast octree and its cached palette lookup merge these.
    rng = np.random.default_rng(0)
    colours = np.zeros((256, planes), np.uint8)
    colours[:, 0] = np.arange(256)
    colours[:, 1:] = 100
    image = colours[rng.permutation(np.arange(32 * 32) % 256).reshape(32, 32)]
    np.testing.assert_array_equal(palette_decode(palette_encode(image)), image)


@pytest.mark.parametrize("planes", [3, 4])
def test_many_colour_gradient_decodes_to_256_colours_of_the_right_shape(planes):
    image = gradient(64, planes)
    assert distinct_colours(image) > 256
    out = palette_decode(palette_encode(image))
    assert out.shape == image.shape
    assert out.dtype == np.uint8
    assert distinct_colours(out) <= 256
    assert psnr(out, image) > 30


@pytest.mark.parametrize("colours", [2, 16, 100])
def test_colours_bounds_the_palette(colours):
    out = palette_decode(palette_encode(gradient(32, 4), colours))
    assert distinct_colours(out) <= colours


@pytest.mark.parametrize("planes", [3, 4])
def test_dithering_is_applied(planes):
    image = gradient(64, planes)
    dithered = palette_decode(palette_encode(image, 16))
    plain = palette_decode(palette_encode(image, 16, dither=False))
    assert not np.array_equal(dithered, plain)
    # Error diffusion keeps local averages: 8 × 8 block means track the input better
    # (about half the error of nearest-colour mapping on this image; 0.75 leaves a margin).
    dithered_error = np.abs(block_means(dithered, 8) - block_means(image, 8)).mean()
    plain_error = np.abs(block_means(plain, 8) - block_means(image, 8)).mean()
    assert dithered_error < 0.75 * plain_error


def test_output_differs_from_pillow_quantize_without_dithering():
    image = gradient(64, 3)
    pillow = Image.fromarray(image).quantize(
        colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    undithered = np.asarray(pillow.convert("RGB"))
    dithered = palette_decode(palette_encode(image))
    assert not np.array_equal(dithered, undithered)


def test_same_input_gives_the_same_bytes():
    image = gradient(48, 4)
    assert palette_encode(image.copy()) == palette_encode(image.copy())
    assert palette_encode(gradient(48, 3), 64) == palette_encode(gradient(48, 3), 64)


@pytest.mark.parametrize("planes", [3, 4])
def test_size_is_header_plus_zlib_payload_and_decoder_consumes_it_all(planes):
    image = gradient(32, planes)
    data = palette_encode(image)
    magic, version, height, width, stored_planes, entries = struct.unpack_from("<4sBIIBH", data)
    assert (magic, version, height, width, stored_planes) == (MAGIC, VERSION, 32, 32, planes)
    inflater = zlib.decompressobj()
    payload = inflater.decompress(data[HEADER_SIZE:])
    assert inflater.eof and not inflater.unused_data
    assert len(data) == HEADER_SIZE + len(zlib.compress(payload, 9))
    assert len(payload) == entries * planes + height * width
    # One more byte after the stream is rejected: the decoder reads exactly len(data).
    with pytest.raises(LatentCodecError, match="stray"):
        palette_decode(data + b"\0")


def test_constant_image_compresses_far_below_one_byte_a_pixel():
    image = np.full((64, 64, 4), 37, np.uint8)
    data = palette_encode(image)
    assert len(data) < 64 * 64 // 20
    np.testing.assert_array_equal(palette_decode(data), image)


def header(magic=MAGIC, version=VERSION, height=2, width=2, planes=3, entries=1) -> bytes:
    return struct.pack("<4sBIIBH", magic, version, height, width, planes, entries)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "truncated"),
        (MAGIC + b"\1", "truncated"),
        (header(magic=b"PNG\0") + zlib.compress(bytes(7)), "magic"),
        (header(version=2) + zlib.compress(bytes(7)), "version"),
        (header(height=0) + zlib.compress(bytes(3)), "0 × 2"),
        (header(planes=2) + zlib.compress(bytes(6)), "planes"),
        (header(entries=0) + zlib.compress(bytes(4)), "entries"),
        (header(entries=300) + zlib.compress(bytes(904)), "entries"),
        (header() + b"not zlib at all", "zlib"),
        (header() + zlib.compress(bytes(6)), "shorter"),
        (header() + zlib.compress(bytes(8)), "longer"),
        (header() + zlib.compress(bytes(7))[:-3], "truncated"),
        (header(height=2**31, width=2**31) + zlib.compress(bytes(7)), "cannot hold"),
        (header() + zlib.compress(bytes(3) + bytes([0, 0, 1, 0])), "beyond"),
    ],
)
def test_malformed_data_is_rejected_with_a_clear_message(data, message):
    with pytest.raises(LatentCodecError, match=message):
        palette_decode(data)


def test_non_bytes_data_is_rejected():
    with pytest.raises(LatentCodecError, match="bytes"):
        palette_decode("LCPL")


def test_wrong_magic_on_real_data_is_rejected():
    data = bytearray(palette_encode(gradient(16, 3)))
    data[0:4] = b"LCPX"
    with pytest.raises(LatentCodecError, match="magic"):
        palette_decode(bytes(data))


def test_every_truncation_is_rejected():
    data = palette_encode(gradient(16, 4))
    for length in range(len(data)):
        with pytest.raises(LatentCodecError):
            palette_decode(data[:length])


@settings(max_examples=200, deadline=None)
@given(
    height=st.integers(1, 8),
    width=st.integers(1, 8),
    planes=st.sampled_from([3, 4]),
    entries=st.integers(1, 8) | st.integers(1, 256),
    data=st.data(),
)
def test_random_bytes_after_a_valid_header_decode_or_raise_only_latent_codec_error(
    height, width, planes, entries, data
):
    """A valid header, so that the checks after it see the random bytes: as they are, or
    zlib-compressed (some of the length the header declares), with a few stray bytes after."""
    declared = entries * planes + height * width
    payload = st.binary(max_size=2 * declared) | st.binary(min_size=declared, max_size=declared)
    body = data.draw(
        st.binary(max_size=200)
        | st.builds(lambda raw, tail: zlib.compress(raw) + tail, payload, st.binary(max_size=3))
    )
    stored = header(height=height, width=width, planes=planes, entries=entries) + body
    try:
        out = palette_decode(stored)
    except LatentCodecError:
        return
    assert out.shape == (height, width, planes) and out.dtype == np.uint8


@settings(max_examples=200, deadline=None)
@given(position=st.integers(0, 10_000), value=st.integers(0, 255), data=st.data())
def test_corrupted_valid_data_decodes_or_raises_latent_codec_error(position, value, data):
    encoded = bytearray(palette_encode(gradient(8, data.draw(st.sampled_from([3, 4])))))
    encoded[position % len(encoded)] = value
    try:
        out = palette_decode(bytes(encoded))
    except LatentCodecError:
        return
    assert out.dtype == np.uint8 and out.ndim == 3


@pytest.mark.parametrize(
    ("image", "colours", "message"),
    [
        (np.zeros((4, 4, 3), np.uint16), 256, "dtype"),
        (np.zeros((4, 4, 3), np.float32), 256, "dtype"),
        (np.zeros((4, 4, 2), np.uint8), 256, "shape"),
        (np.zeros((4, 4), np.uint8), 256, "shape"),
        (np.zeros((0, 4, 3), np.uint8), 256, "0 × 4"),
        (np.zeros((4, 4, 3), np.uint8), 1, "colours"),
        (np.zeros((4, 4, 3), np.uint8), 257, "colours"),
        (np.zeros((4, 4, 3), np.uint8), 2.5, "colours"),
        ([[[0, 0, 0]]], 256, "numpy array"),
    ],
)
def test_bad_input_is_rejected(image, colours, message):
    with pytest.raises(LatentCodecError, match=message):
        palette_encode(image, colours)

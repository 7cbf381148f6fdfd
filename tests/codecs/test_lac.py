"""lac, the latent-native codec (latentcodec.codecs.lac): exact round trips, lossy range and
monotony,
robustness to damaged files, determinism, and real TAEF2/TAESDXL latents."""

from __future__ import annotations

import contextlib
import functools
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from latentcodec.codecs import lac, lac_format
from latentcodec.codecs.lac import Lac
from latentcodec.codecs.registry import latent_codec_class
from latentcodec.errors import LatentCodecError
from tests.helpers import smooth_latent


def latent_of(rng, bits, shape):
    dtype = np.uint8 if bits <= 8 else np.uint16
    return rng.integers(0, 2**bits, shape).astype(dtype)


@settings(max_examples=120, deadline=None)
@given(
    bits=st.integers(1, 16),
    channels=st.integers(1, 40),
    height=st.integers(1, 6),
    width=st.integers(1, 7),
    seed=st.integers(0, 2**32 - 1),
    smooth=st.booleans(),
)
def test_quality_100_round_trips_exactly_at_every_depth_and_channel_count(
    bits, channels, height, width, seed, smooth
):
    shape = (channels, height, width)
    rng = np.random.default_rng(seed)
    latent = smooth_latent(bits, shape, seed) if smooth else latent_of(rng, bits, shape)
    decoded = Lac().decode(Lac().encode(latent, bits, 100), channels)
    assert decoded.dtype == latent.dtype
    np.testing.assert_array_equal(decoded, latent)


@pytest.mark.parametrize("bits", [1, 4, 8, 12, 16])
def test_lossy_decodes_stay_in_range_and_error_shrinks_as_quality_rises(bits):
    latent = smooth_latent(bits, (6, 12, 14))
    errors, sizes = [], []
    for quality in (5, 30, 60, 90, 100):
        data = Lac().encode(latent, bits, quality)
        decoded = Lac().decode(data, 6)
        assert decoded.shape == latent.shape and decoded.dtype == latent.dtype
        assert int(decoded.max()) <= 2**bits - 1
        errors.append(np.mean((decoded.astype(float) - latent) ** 2))
        sizes.append(len(data))
    assert errors == sorted(errors, reverse=True) and errors[-1] == 0
    assert sizes[:-1] == sorted(sizes[:-1])  # lossy sizes grow with quality; at step 1 a
    assert bits < 4 or sizes[0] < sizes[-1]  # lossy file is the lossless one plus the grid


def test_sensitivity_gives_the_sensitive_channel_the_finer_step():
    latent = smooth_latent(8, (2, 16, 16))
    sensitivity = np.array([100.0, 1.0])
    decoded = Lac().decode(Lac().encode(latent, 8, 40, sensitivity=sensitivity), 2)
    error = ((decoded.astype(float) - latent) ** 2).mean(axis=(1, 2))
    assert error[0] < error[1]
    steps = lac_format.step_values(lac.channel_steps(40, 8, sensitivity, 2))
    assert steps[1] / steps[0] == pytest.approx(10, rel=0.065)  # two codes, each within 3.2 %


def test_step_codes_are_exact_and_cover_every_depth():
    steps = lac_format.step_values(np.arange(256))
    assert steps[0] == 1 and np.all(np.diff(steps) > 0) and steps[-1] < 2**16
    assert np.all(np.diff(np.log2(steps)) <= np.log2(17 / 16) + 1e-12)  # ≤ 6.25 % apart
    codes = lac.channel_steps(1, 4, None, 3)  # 4 bits: quality 1 asks for more than 2^4
    assert np.all(lac_format.step_values(codes) <= 16)


def test_a_coarse_step_sends_values_to_the_channel_not_to_the_ends_of_the_range():
    """The grid is centred on each channel: at the coarsest step a channel of values around
    120 decodes to about 120 (its median), not to 0 or 255, and costs almost no bytes."""
    rng = np.random.default_rng(3)
    latent = np.clip(rng.normal([[[120]], [[40]], [[200]]], 6, (3, 16, 16)), 0, 255)
    latent = latent.astype(np.uint8)
    data = Lac().encode(latent, 8, 1)
    decoded = Lac().decode(data, 3).astype(float)
    assert np.all(np.abs(decoded - np.median(latent, axis=(1, 2))[:, None, None]) <= 12)
    # header, grid, centres, a constant channel model per channel, range coder, CRC
    assert len(data) <= 18 + 4 * 3 + 2 * 3 + 2 * 3 + 8 + 4


def test_reconstruction_moves_towards_the_origin_for_peaked_channels():
    """Laplacian values: the stored offset δ puts nonzero bins nearer their centroid, so the
    error is below the bin-centre reconstruction's."""
    rng = np.random.default_rng(4)
    latent = np.clip(128 + rng.laplace(0, 12, (2, 32, 32)), 0, 255).astype(np.uint8)
    data = Lac().encode(latent, 8, 30)  # Δ ≈ 48 = 4 Laplace scales
    offsets = np.frombuffer(data, np.uint8, 2 * 4, offset=18).reshape(2, 4)[:, 1]
    assert np.all(offsets > 0) and np.all(offsets <= lac_format.OFFSET_UNIT // 2)
    error = np.mean((Lac().decode(data, 2).astype(float) - latent) ** 2)
    centred = bytearray(data[:-4])
    centred[18 + 1], centred[18 + 5] = 0, 0
    error_at_centre = np.mean(
        (Lac().decode(_with_crc(bytes(centred)), 2).astype(float) - latent) ** 2
    )
    assert error < error_at_centre


@pytest.mark.parametrize("sensitivity", [np.ones(3), np.array([1.0, 0.0]), np.array([1, np.nan])])
def test_bad_sensitivities_are_refused(sensitivity):
    with pytest.raises(LatentCodecError, match="sensitivit"):
        Lac().encode(smooth_latent(8, (2, 4, 4)), 8, 50, sensitivity=sensitivity)


def test_repeat_encodes_are_byte_identical():
    latent = smooth_latent(10, (5, 9, 11))
    for quality in (100, 40):
        assert Lac().encode(latent, 10, quality) == Lac().encode(latent.copy(), 10, quality)


# Robustness: every damaged or hostile file gives a clean LatentCodecError.


def _with_crc(body: bytes) -> bytes:
    return body + struct.pack(">I", zlib.crc32(body))


@functools.cache
def _valid_files() -> tuple[bytes, bytes]:
    """A lossless and a lossy file of one small smooth latent."""
    latent = smooth_latent(8, (3, 4, 5))
    return Lac().encode(latent, 8, 100), Lac().encode(latent, 8, 30)


@pytest.fixture(scope="module")
def small_files():
    return list(_valid_files())


def test_ten_thousand_mutated_truncated_and_random_files_give_a_clean_error(small_files):
    rng = np.random.default_rng(15)
    for trial in range(12_000):
        data = bytearray(small_files[trial % 2])
        kind = trial % 4
        if kind == 0:  # flip a few bytes
            for position in rng.integers(0, len(data), rng.integers(1, 4)):
                data[position] ^= int(rng.integers(1, 256))
        elif kind == 1:  # truncate
            data = data[: rng.integers(0, len(data))]
        elif kind == 2:  # random bytes behind a valid magic
            data = bytearray(lac_format.MAGIC + rng.bytes(int(rng.integers(0, 80))))
        else:  # insert bytes
            position = int(rng.integers(0, len(data)))
            data[position:position] = rng.bytes(int(rng.integers(1, 5)))
        with pytest.raises(LatentCodecError, match="lac: "):
            lac.decode(bytes(data))


@settings(max_examples=400, deadline=None)
@given(
    lossless=st.booleans(),
    edits=st.lists(st.tuples(st.integers(0, 2**16), st.integers(0, 255)), min_size=1, max_size=3),
)
def test_hostile_files_with_a_valid_checksum_decode_or_give_a_clean_error(lossless, edits):
    """Mutations with the CRC recomputed reach the parser and the range decoder (constriction
    asserts on a payload its model cannot have written): each gives a LatentCodecError or a
    latent of the declared kind; any other exception fails."""
    body = bytearray(_valid_files()[0 if lossless else 1][:-4])
    for position, value in edits:
        body[position % len(body)] = value
    try:
        decoded, bits = lac.decode(_with_crc(bytes(body)))
    except LatentCodecError:
        return
    assert decoded.ndim == 3 and 1 <= bits <= 16 and decoded.size <= lac_format.MAX_VALUES


def test_a_payload_its_model_cannot_have_written_is_a_clean_error():
    """Bytes changed in a file whose checksum is then made valid again: the parser accepts some
    of them, and the range decoder meets states that their model cannot have written."""
    rng = np.random.default_rng(5)
    refused_by_the_coder = 0
    for trial in range(1000):
        body = bytearray(_valid_files()[trial % 2][:-4])
        for position in rng.integers(0, len(body), rng.integers(1, 3)):
            body[position] = int(rng.integers(0, 256))
        try:
            lac.decode(_with_crc(bytes(body)))
        except LatentCodecError as error:
            refused_by_the_coder += "does not decode" in str(error)
    assert refused_by_the_coder > 0  # the guard is reached, not only the parser's checks


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (5, 0, "bit depth 0"),
        (6, 101, "quality 101"),
        (7, 9, "previous channels"),
        (4, 1, "format version"),
    ],
)
def test_out_of_range_header_fields_are_named(small_files, field, value, message):
    body = bytearray(small_files[0][:-4])
    body[field] = value
    with pytest.raises(LatentCodecError, match=message):
        Lac().decode(_with_crc(bytes(body)), 3)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [(18 + 1, 129, "offsets above 1/2"), (18 + 2, 1, "grid origin lies outside")],
)
def test_out_of_range_quantiser_fields_are_named(small_files, field, value, message):
    body = bytearray(small_files[1][:-4])
    body[field] = value
    with pytest.raises(LatentCodecError, match=message):
        Lac().decode(_with_crc(bytes(body)), 3)


def test_steps_beyond_the_bit_depth_are_refused():
    body = bytearray(Lac().encode(smooth_latent(4, (2, 4, 4)), 4, 30)[:-4])
    body[18] = 16 * 4 + 1  # 17 · 2^0 = 17 > 2^4
    with pytest.raises(LatentCodecError, match=r"steps above 2\^4"):
        Lac().decode(_with_crc(bytes(body)), 2)


def test_a_huge_declared_shape_is_refused_before_allocating(small_files):
    body = bytearray(small_files[0][:-4])
    body[8:14] = struct.pack(">HHH", 0xFFFF, 0xFFFF, 0xFFFF)
    with pytest.raises(LatentCodecError, match="shape .* out of range"):
        Lac().decode(_with_crc(bytes(body)), 3)


# Real data: lossless lac against the lossless image codecs on Kodak latents.


@pytest.mark.slow
@pytest.mark.parametrize("model", ["taef2", "taesdxl"])
def test_lossless_lac_beats_the_lossless_image_codecs_on_a_kodak_latent(model, mirror, kodim01):
    from latentcodec.models.autoencoders import load_model
    from latentcodec.quantize import quantize

    values = quantize(load_model(model, device="cpu", mirror=mirror).encode(kodim01), 8).values
    data = Lac().encode(values, 8, 100)
    np.testing.assert_array_equal(Lac().decode(data, values.shape[0]), values)
    sizes = {}
    for name in ("png", "webpll", "jxl", "j2k"):
        codec_class = latent_codec_class(name)
        for packing in ("interleaved", "planar"):
            with contextlib.suppress(LatentCodecError):  # a packing the codec cannot store
                stored = codec_class(packing).encode(values, 8, codec_class.lossless_quality)
                sizes[f"{name} {packing}"] = len(stored)
    print(f"{model} kodim01 8-bit: lac {len(data)} bytes;", sizes)
    assert len(data) < min(sizes.values())

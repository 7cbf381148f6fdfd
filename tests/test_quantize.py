import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from latentcodec.errors import LatentCodecError
from latentcodec.quantize import (
    Quantized,
    clipped_share,
    dequantize,
    quantize,
    quantize_with_range,
)

BITS = st.sampled_from([1, 2, 8, 10, 12, 16])
LATENTS = hnp.arrays(
    np.float32,
    hnp.array_shapes(min_dims=3, max_dims=3, min_side=1, max_side=6),
    elements=st.floats(-50, 50, width=32),
)


@given(latent=LATENTS, bits=BITS)
def test_dequantized_error_is_at_most_half_a_step(latent, bits):
    quantized = quantize(latent, bits)
    error = np.abs(dequantize(quantized) - latent.astype(np.float64))
    half_step = quantized.step()[:, None, None] / 2
    assert np.all(error <= half_step * (1 + 1e-9) + 1e-12)


@given(latent=LATENTS, bits=BITS)
def test_values_fill_the_integer_range_of_each_channel(latent, bits):
    quantized = quantize(latent, bits)
    assert quantized.values.dtype == (np.uint8 if bits <= 8 else np.uint16)
    assert quantized.values.max() <= 2**bits - 1
    varying = quantized.hi > quantized.lo
    per_channel = quantized.values.reshape(len(latent), -1)
    assert np.all(per_channel[varying].min(axis=1) == 0)
    assert np.all(per_channel[varying].max(axis=1) == 2**bits - 1)
    assert np.all(per_channel[~varying] == 0)


@given(
    data=st.data(),
    bits=BITS,
    channels=st.integers(1, 4),
    lo=st.floats(-100, 100, width=32),
    width=st.floats(0.0009765625, 100, width=32),
)
def test_integers_survive_dequantize_then_quantize(data, bits, channels, lo, width):
    values = data.draw(
        hnp.arrays(
            np.uint8 if bits <= 8 else np.uint16,
            (channels, 3, 5),
            elements=st.integers(0, 2**bits - 1),
        )
    )
    low = np.full(channels, lo, np.float32)
    high = (low + np.float32(width)).astype(np.float32)
    original = Quantized(values, low, high, bits)
    again = quantize_with_range(dequantize(original), low, high, bits)
    np.testing.assert_array_equal(again.values, values)


def test_side_information_is_two_float32_per_channel():
    assert quantize(np.zeros((32, 2, 2), np.float32), 8).side_bytes == 32 * 8


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_latents_are_refused(bad):
    latent = np.zeros((2, 3, 3), np.float32)
    latent[1, 1, 1] = bad
    with pytest.raises(LatentCodecError, match="NaN or Inf"):
        quantize(latent, 8)


@pytest.mark.parametrize("bits", [0, 17, 32])
def test_unsupported_bit_depths_are_refused(bits):
    with pytest.raises(LatentCodecError, match="bit depth"):
        quantize(np.zeros((1, 2, 2), np.float32), bits)


# The fixed symmetric range (the seed study's protocol: the scaled latent clipped to [−4, 4]).


@given(latent=LATENTS, bits=st.integers(1, 16), clip=st.sampled_from([0.5, 2.5, 4.0]))
def test_a_fixed_range_clips_outside_and_errs_at_most_half_a_step_inside(latent, bits, clip):
    quantized = quantize(latent, bits, clip)
    assert quantized.clip == clip and quantized.quantizer == f"clip{clip:g}"
    step = 2 * clip / (2**bits - 1)
    restored = dequantize(quantized)
    inside = np.abs(latent) <= clip
    assert np.all(np.abs(restored - latent)[inside] <= step / 2 * (1 + 1e-6) + 1e-12)
    np.testing.assert_allclose(restored[~inside], np.sign(latent[~inside]) * clip, rtol=1e-6)
    assert clipped_share(latent, quantized) == pytest.approx(np.mean(~inside))


def test_the_fixed_range_at_8_bits_is_the_seed_studys_mapping():
    latent = np.random.default_rng(0).normal(0, 2.5, (4, 16, 24)).astype(np.float32)
    study = np.round((np.clip(latent, -4, 4) + 4) / 8 * 255).astype(np.uint8)
    quantized = quantize(latent, 8, 4.0)
    assert np.mean(quantized.values != study) < 1e-3  # only exact halves may round apart
    assert np.abs(quantized.values.astype(int) - study).max() <= 1
    assert clipped_share(latent, quantized) == pytest.approx(np.mean(np.abs(latent) > 4))


def test_a_fixed_range_costs_one_float32_of_side_information():
    latent = np.zeros((16, 4, 4), np.float32)
    assert quantize(latent, 8, 4.0).side_bytes == 4
    assert quantize(latent, 8).side_bytes == 2 * 16 * 4
    assert (
        quantize(latent, 8).quantizer == "minmax"
        and clipped_share(latent, quantize(latent, 8)) == 0
    )


@pytest.mark.parametrize("clip", [0, -4, float("inf"), float("nan"), 0.1, True, "4"])
def test_a_clip_that_is_not_a_positive_float32_is_refused(clip):
    with pytest.raises(LatentCodecError, match="clip must be"):
        quantize(np.zeros((1, 2, 2), np.float32), 8, clip)

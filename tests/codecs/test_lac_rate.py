"""Rate-aware refinement: lac's estimated payload against the file lac writes, its gradient
against finite differences, and the search on pixel MSE + λ · bits through a fixed decoder
(the synthetic one of test_refine; TAEF2 on a Kodak crop for the estimate)."""

import dataclasses
import math

import numpy as np
import pytest
import torch

from latentcodec.codecs import lac
from latentcodec.codecs.lac_format import COEF_SHIFT, parse, predictor_taps
from latentcodec.codecs.lac_rate import LacRate, code_length
from latentcodec.codecs.lcf import sensitivity_per_integer
from latentcodec.errors import LatentCodecError
from latentcodec.models.autoencoders import load_model
from latentcodec.models.refine import refine_latent
from latentcodec.models.refinement import Refinement
from latentcodec.quantize import Quantized, dequantize, quantize
from tests.models.test_refine import synthetic_model

# The estimate is lac's ideal code length; the range coder's last words add up to 64 bits,
# the leaky Gaussian's floor a little either way (0.2 % at most on TAEF2, TAESD3 and TAESDXL
# Kodak latents from q15 to lossless).
PAYLOAD_TOLERANCE = dict(rel=0.005, abs=64)


def estimated_and_real_payload(values: np.ndarray, bits: int, quality: int, sensitivity=None):
    fit = lac.fit_context(values, bits, quality, sensitivity)
    words = parse(lac.encode(values, bits, quality, sensitivity))[1]
    return code_length(fit)[0], words.size * 32


def correlated_latent(shape=(8, 32, 48), bits=8, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    walk = np.cumsum(rng.normal(size=shape[1:]), axis=1)
    values = walk[None] * rng.uniform(0.5, 1.5, (shape[0], 1, 1)) + rng.normal(size=shape) * 2
    scaled = (values - values.min()) / np.ptp(values) * (2**bits - 1)
    return np.rint(scaled).astype(np.uint16 if bits > 8 else np.uint8)


@pytest.mark.parametrize("quality", [10, 30, 60, 90, 100])
@pytest.mark.parametrize("bits", [8, 12])
def test_the_estimate_is_lacs_payload_on_synthetic_latents(bits, quality):
    values = correlated_latent(bits=bits)
    sensitivity = np.linspace(0.5, 2.0, values.shape[0])
    estimate, real = estimated_and_real_payload(values, bits, quality, sensitivity)
    assert estimate == pytest.approx(real, **PAYLOAD_TOLERANCE)


@pytest.fixture(scope="module")
def taef2_crop(mirror, kodim01):
    model = load_model("taef2", device="cpu", mirror=mirror)
    image = kodim01[:256, :256]
    latent = model.encode(image)
    sensitivity = model.decoder_sensitivity(latent, 256, 256)
    return model, image, latent, sensitivity


@pytest.mark.parametrize("quality", [15, 40, 75, 100])
def test_the_estimate_is_lacs_payload_on_a_real_latent(taef2_crop, quality):
    _, _, latent, sensitivity = taef2_crop
    quantized = quantize(latent, 8)
    per_integer = sensitivity_per_integer(sensitivity, quantized)
    estimate, real = estimated_and_real_payload(quantized.values, 8, quality, per_integer)
    assert estimate == pytest.approx(real, **PAYLOAD_TOLERANCE)


def refitted_means(fit, symbols: np.ndarray) -> np.ndarray:
    """The fit's means for other symbols, its coefficients and centres held: lac's causal
    prediction written out again, tap by tap, clipped to each channel's top."""
    previous = fit.model.previous
    centred = symbols - fit.model.centres[:, None, None]
    padded = np.pad(centred, ((previous, 0), (2, 0), (1, 1)))
    channels, height, width = symbols.shape
    predicted = fit.model.centres[:, None, None].astype(np.float64)
    for index, (dc, di, dj) in enumerate(predictor_taps(previous)):
        tap = padded[previous + dc : previous + dc + channels, 2 + di : 2 + di + height,
                     1 + dj : 1 + dj + width]  # fmt: skip
        predicted = predicted + fit.model.coefs[:, index, None, None] / 2.0**COEF_SHIFT * tap
    return np.clip(predicted, 0, fit.model.top[:, None, None])


@pytest.mark.parametrize("quality", [30, 100])
def test_the_gradient_is_the_code_lengths_own(quality):
    """Central differences on single symbols (means refitted, deviations held) match the
    gradient, at the coder's own quality grids."""
    values = correlated_latent()
    fit = lac.fit_context(values, 8, quality)
    _, gradient = code_length(fit)
    assert np.all(np.isfinite(gradient)) and np.any(gradient != 0)
    rng = np.random.default_rng(1)
    checked = 0
    for position in zip(*(rng.integers(1, side - 1, 40) for side in values.shape), strict=True):
        if not 0 < fit.symbols[position] < fit.model.top[position[0]]:
            continue
        costs = []
        for shift in (1e-4, -1e-4):
            moved = fit.symbols.copy()
            moved[position] += shift
            changed = dataclasses.replace(fit, symbols=moved, means=refitted_means(fit, moved))
            costs.append(code_length(changed)[0])
        assert (costs[0] - costs[1]) / 2e-4 == pytest.approx(gradient[position], rel=1e-3, abs=1e-4)
        checked += 1
    assert checked >= 20


def test_the_refitted_means_are_lacs():
    fit = lac.fit_context(correlated_latent(), 8, 50)
    np.testing.assert_allclose(refitted_means(fit, fit.symbols), fit.means, atol=1e-9)


def test_lambda_follows_the_quality():
    quantized = quantize(np.random.default_rng(0).normal(size=(4, 8, 12)), 8)
    sensitivity = np.array([1.0, 2.0, 4.0, 8.0])
    weights = [LacRate(quantized, quality, sensitivity).weight for quality in (10, 50, 90, 100)]
    assert weights == sorted(weights, reverse=True)
    assert weights[-1] == pytest.approx(math.log(2) / 6 * math.sqrt(8))  # Δ = 1, geomean 2^1.5
    assert weights[1] / weights[2] == pytest.approx(2.0 ** (2 * 40 / 12.5))  # Δ² ratio


@pytest.mark.parametrize(
    "quality, sensitivity, message",
    [(0, [1.0] * 4, "quality 0 outside"), (50, [1.0] * 3, "needs 4 positive"),
     (50, [1.0, 0.0, 1.0, 1.0], "needs 4 positive")],
)  # fmt: skip
def test_bad_rate_settings_are_refused(quality, sensitivity, message):
    quantized = quantize(np.zeros((4, 8, 12)), 8)
    with pytest.raises(LatentCodecError, match=message):
        LacRate(quantized, quality, np.array(sensitivity))


@pytest.fixture
def rate_scene():
    blocks = np.random.default_rng(0).uniform(0.2, 0.8, (16, 24, 3))
    image = (np.kron(blocks, np.ones((8, 8, 1))) * 255).astype(np.uint8)
    model = synthetic_model()
    latent = model.encode(image)
    quantized = quantize(latent, 8)
    per_integer = sensitivity_per_integer(model.decoder_sensitivity(latent, 128, 192), quantized)
    return model, image, latent, quantized, per_integer


def file_cost(model, image, rate: LacRate, integers: Quantized) -> tuple[float, int]:
    """The pixel MSE of what lac's file decodes to, and the file's payload bits."""
    data = lac.encode(integers.values, 8, rate.quality, rate.sensitivity)
    stored = Quantized(lac.decode(data)[0], integers.lo, integers.hi, 8, None)
    with torch.no_grad():
        tensor = torch.from_numpy(dequantize(stored).astype(np.float32))[None]
        decoded = model.decode_tensor(tensor).clamp(0, 1)[0]
    original = torch.from_numpy(image).permute(2, 0, 1).float() / 255
    return float((decoded - original).square().mean()), parse(data)[1].size * 32


@pytest.mark.parametrize("quality", [20, 60])
def test_rate_aware_refinement_lowers_distortion_plus_lambda_rate_of_the_real_file(
    rate_scene, quality
):
    model, image, latent, quantized, per_integer = rate_scene
    rate = LacRate(quantized, quality, per_integer)
    refined = refine_latent(
        model, image, latent, Refinement(steps=12, learning_rate=0.05), rate=rate
    )
    assert refined.losses[refined.best_step] < refined.losses[0]
    before, after = (
        file_cost(model, image, rate, integers)
        for integers in (quantized, rate.integers(refined.latent))
    )
    first, last = (mse + rate.weight * bits for mse, bits in (before, after))
    assert last < 0.95 * first
    # the loss the search saw is the real file's, but for the range coder's few words
    assert refined.losses[0] == pytest.approx(first, rel=0.01)


def test_rate_aware_refinement_is_deterministic_and_keeps_the_grid(rate_scene):
    model, image, latent, quantized, per_integer = rate_scene
    rate = LacRate(quantized, 40, per_integer)
    runs = [refine_latent(model, image, latent, Refinement(steps=4), rate=rate) for _ in range(2)]
    assert runs[0].latent.tobytes() == runs[1].latent.tobytes()
    assert runs[0].losses == runs[1].losses
    integers = rate.integers(runs[0].latent)
    assert integers.lo.tobytes() == quantized.lo.tobytes()
    assert integers.hi.tobytes() == quantized.hi.tobytes()


def test_the_rate_needs_the_mse_loss(rate_scene):
    model, image, latent, quantized, per_integer = rate_scene
    with pytest.raises(LatentCodecError, match="pixel MSE only"):
        refine_latent(
            model, image, latent, Refinement(steps=1, loss="msssim"),
            rate=LacRate(quantized, 40, per_integer),
        )  # fmt: skip

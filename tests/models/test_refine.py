"""Refinement through a fixed decoder, on a tiny synthetic autoencoder (milliseconds a step)."""

import logging
import math

import numpy as np
import pytest
import torch

from latentcodec.errors import LatentCodecError
from latentcodec.models.autoencoders import TinyAutoencoder
from latentcodec.models.refine import refine_latent
from latentcodec.models.refinement import Refinement
from latentcodec.models.registry import get_spec
from latentcodec.quantize import dequantize, quantize

SPEC = get_spec("taesd")  # 4 channels, 8× down


def synthetic_model(tile=None, overlap=16, seed=0) -> TinyAutoencoder:
    """A fixed random decoder: 3×3 convolution, 8× nearest upsampling, a sigmoid."""
    torch.manual_seed(seed)
    encoder = torch.nn.Sequential(torch.nn.AvgPool2d(8), torch.nn.Conv2d(3, 4, 1))
    decoder = torch.nn.Sequential(
        torch.nn.Conv2d(4, 3, 3, padding=1), torch.nn.Upsample(scale_factor=8), torch.nn.Sigmoid()
    )
    return TinyAutoencoder(SPEC, encoder, decoder, torch.device("cpu"), tile=tile, overlap=overlap)


@pytest.fixture
def scene():
    blocks = np.random.default_rng(0).uniform(0.2, 0.8, (8, 12, 3))  # what the decoder can draw
    image = (np.kron(blocks, np.ones((8, 8, 1))) * 255).astype(np.uint8)[:60, :90]  # padded
    model = synthetic_model()
    return model, image, model.encode(image)


def mse_on_grid(model, image, latent, bits=8, clip=None) -> float:
    """The pixel MSE the codecs' file decodes to: the latent quantised as they receive it."""
    grid = dequantize(quantize(latent, bits, clip)).astype(np.float32)
    with torch.no_grad():
        decoded = model.decode_tensor(torch.from_numpy(grid)[None]).clamp(0, 1)
    original = torch.from_numpy(image).permute(2, 0, 1).float() / 255
    height, width = image.shape[:2]
    return float((decoded[0, :, :height, :width] - original).square().mean())


def test_refinement_lowers_the_loss_and_keeps_shape_and_dtype(scene):
    model, image, latent = scene
    refined = refine_latent(model, image, latent, Refinement(steps=15, learning_rate=0.05))
    assert refined.latent.shape == latent.shape and refined.latent.dtype == np.float32
    assert refined.losses[refined.best_step] < 0.8 * refined.losses[0]
    assert len(refined.losses) == 16
    assert mse_on_grid(model, image, refined.latent) < mse_on_grid(model, image, latent)


def test_refinement_differentiates_to_the_latent_only(scene):
    """The decoder's weights are fixed: they take no gradient (that cost 1.5–2.6× a step)."""
    model, image, latent = scene
    refine_latent(model, image, latent, Refinement(steps=2))
    weights = list(model.float32_network().parameters())
    assert weights and all(not w.requires_grad and w.grad is None for w in weights)


def test_two_runs_are_byte_identical(scene):
    model, image, latent = scene
    first, second = (
        refine_latent(model, image, latent, Refinement(steps=6, schedule="constant"))
        for _ in range(2)
    )
    assert first.latent.tobytes() == second.latent.tobytes() and first.losses == second.losses


@pytest.mark.parametrize("bits, clip", [(8, None), (4, None), (8, 3.0)])
def test_the_loss_in_the_loop_is_that_of_the_grid_the_codecs_receive(scene, bits, clip):
    model, image, latent = scene
    refinement = Refinement(steps=5, learning_rate=0.05, bits=bits, clip=clip)
    refined = refine_latent(model, image, latent, refinement)
    assert refined.losses[0] == pytest.approx(mse_on_grid(model, image, latent, bits, clip), 1e-6)
    on_grid = mse_on_grid(model, image, refined.latent, bits, clip)
    assert refined.losses[refined.best_step] == pytest.approx(on_grid, rel=1e-6)


def test_the_float_latent_can_be_refined_without_a_grid(scene):
    model, image, latent = scene
    refined = refine_latent(model, image, latent, Refinement(steps=3, bits=None))
    assert refined.losses[-1] < refined.losses[0]


def test_zero_steps_give_back_the_encoders_latent(scene):
    model, image, latent = scene
    refined = refine_latent(model, image, latent, Refinement(steps=0))
    assert refined.latent.tobytes() == latent.tobytes() and len(refined.losses) == 1


def test_a_non_finite_step_falls_back_to_the_last_good_latent(scene, monkeypatch, caplog):
    model, image, latent = scene
    decode, calls = model.decode_tensor, []

    def poisoned(tensor):
        calls.append(1)
        pixels = decode(tensor)
        return pixels * math.nan if len(calls) > 3 else pixels

    monkeypatch.setattr(model, "decode_tensor", poisoned)
    with caplog.at_level(logging.WARNING):
        refined = refine_latent(model, image, latent, Refinement(steps=10, learning_rate=0.05))
    assert len(refined.losses) == 3 and np.all(np.isfinite(refined.latent))
    assert refined.best_step == 2
    assert "step 3 went non-finite; keeping the latent of step 2" in caplog.text


def test_a_decoder_that_fails_on_the_encoders_latent_is_an_error(scene, monkeypatch):
    model, image, latent = scene
    decode = model.decode_tensor
    monkeypatch.setattr(model, "decode_tensor", lambda tensor: decode(tensor) * math.nan)
    with pytest.raises(LatentCodecError, match="img: the decoder's loss on the encoder's latent"):
        refine_latent(model, image, latent, Refinement(steps=3), label="img")


def test_tiled_refinement_matches_whole_image_refinement(scene):
    """Tiles of 32 px, overlapping 16: within 0.1 dB of the whole image after 10 steps (the
    decoder's 3×3 convolution sees less context at a tile's edge)."""
    model, image, latent = scene
    refinement = Refinement(steps=10, learning_rate=0.05)
    whole = refine_latent(model, image, latent, refinement)
    tiled = refine_latent(synthetic_model(tile=32, overlap=16), image, latent, refinement)
    assert tiled.losses[0] == pytest.approx(whole.losses[0], rel=0.02)
    whole_db, tiled_db = (
        -10 * math.log10(mse_on_grid(model, image, result.latent)) for result in (whole, tiled)
    )
    assert abs(whole_db - tiled_db) < 0.1 and tiled_db > -10 * math.log10(whole.losses[0]) + 0.5


def test_on_step_sees_every_loss(scene):
    model, image, latent = scene
    seen = []
    refined = refine_latent(
        model, image, latent, Refinement(steps=4), on_step=lambda *step: seen.append(step)
    )
    assert [(step, loss) for step, loss, _ in seen] == list(enumerate(refined.losses))
    assert seen[0][2].tobytes() == latent.tobytes()
    best = seen[refined.best_step][2]
    assert best.tobytes() == refined.latent.tobytes()


def test_a_latent_of_another_image_is_refused(scene):
    model, image, latent = scene
    with pytest.raises(LatentCodecError, match="not this image's"):
        refine_latent(model, image[:30], latent, Refinement(steps=1))
    with pytest.raises(LatentCodecError, match=r"expected a \(4, h, w\) latent"):
        refine_latent(model, image, latent[:2], Refinement(steps=1))


def test_msssim_needs_a_whole_image_of_161_pixels(scene):
    model, image, latent = scene
    with pytest.raises(LatentCodecError, match="msssim loss needs"):
        refine_latent(model, image, latent, Refinement(steps=1, loss="msssim"))


def test_msssim_loss_lowers_one_minus_msssim():
    model = synthetic_model()
    image = (np.random.default_rng(1).random((176, 176, 3)) * 255).astype(np.uint8)
    latent = model.encode(image)
    refined = refine_latent(model, image, latent, Refinement(steps=4, loss="msssim"))
    assert refined.losses[refined.best_step] < refined.losses[0] <= 1

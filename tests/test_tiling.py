"""Tiles, batches and the half-precision fallback of `LatentModel`."""

import logging

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.nn import functional

from latentcodec.autoencoders import LatentModel, load_model, random_model, resolve_dtype
from latentcodec.errors import LatentCodecError
from latentcodec.io import load_image
from latentcodec.metrics import psnr
from latentcodec.models import get_spec
from latentcodec.tiling import run_tiled, tile_starts


@given(
    length=st.integers(1, 4000),
    tile=st.integers(2, 600),
    overlap_fraction=st.floats(0, 0.9),
)
def test_tiles_cover_the_axis_with_at_least_the_overlap_between_neighbours(
    length, tile, overlap_fraction
):
    overlap = int(tile * overlap_fraction)
    starts = tile_starts(length, tile, overlap)
    assert starts[0] == 0
    assert starts == sorted(set(starts))
    if length <= tile:
        assert starts == [0]
        return
    assert starts[-1] + tile == length
    for left, right in zip(starts, starts[1:], strict=False):
        assert right - left <= tile - overlap  # neighbours share at least `overlap`


@pytest.mark.parametrize("overlap", [-1, 8])
def test_an_overlap_outside_the_tile_is_refused(overlap):
    with pytest.raises(LatentCodecError, match="overlap"):
        tile_starts(100, 8, overlap)


def test_tiling_a_local_operation_reproduces_it_exactly():
    """Average pooling and nearest upsampling see only their own block: tiles change nothing."""
    pixels = torch.rand(2, 3, 200, 328)
    down = run_tiled(
        lambda x: functional.avg_pool2d(x, 8), pixels, tile=64, overlap=16, scale=1 / 8
    )
    torch.testing.assert_close(down, functional.avg_pool2d(pixels, 8))
    latent = torch.rand(1, 4, 25, 41)
    up = run_tiled(
        lambda x: functional.interpolate(x, scale_factor=8), latent, tile=8, overlap=2, scale=8
    )
    torch.testing.assert_close(up, functional.interpolate(latent, scale_factor=8))


def test_tiling_a_network_with_context_changes_the_result_only_near_seams():
    """A wide blur sees across tile edges: the tiled output differs, but not everywhere."""
    blur = torch.ones(1, 1, 9, 9) / 81

    def network(x):
        return functional.conv2d(x, blur, padding=4)

    image = torch.rand(1, 1, 96, 96)
    tiled = run_tiled(network, image, tile=48, overlap=16, scale=1)
    difference = (tiled - network(image)).abs()[0, 0]
    assert difference.max() > 1e-3
    assert difference[:20, :20].max() < 1e-6  # far from every seam


def _rgb(height, width, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


SMALL_TAESD = {"encoder_block_out_channels": (8, 8, 8, 8), "decoder_block_out_channels": (8,) * 4}


def test_batches_of_mixed_sizes_give_the_same_latents_and_images_as_one_at_a_time():
    images = [_rgb(32, 48, 0), _rgb(32, 48, 1), _rgb(48, 32, 2), _rgb(32, 48, 3), _rgb(32, 48, 4)]
    single = random_model("taesd-hf", **SMALL_TAESD)
    batched = random_model("taesd-hf", options={"batch_size": 3}, **SMALL_TAESD)
    one_by_one = [single.encode(image) for image in images]
    together = list(batched.encode_many(images))
    assert len(together) == len(images)
    for a, b in zip(one_by_one, together, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)
    items = [(latent, *image.shape[:2]) for latent, image in zip(together, images, strict=True)]
    decoded = list(batched.decode_many(items))
    for (latent, height, width), image in zip(items, decoded, strict=True):
        assert image.shape == (height, width, 3)
        assert np.abs(image.astype(int) - single.decode(latent, height, width)).max() <= 1


def test_a_tiled_model_matches_the_untiled_one_closely_on_a_real_image(mirror):
    """TAEF2 with 256-px tiles: the seams cost little against the model's own error."""
    crop = load_image(mirror / "datasets" / "kodak" / "kodim23.png")[:320, :448]
    plain = load_model("taef2", device="cpu", mirror=mirror)
    tiled = load_model("taef2", device="cpu", mirror=mirror, tile=256, overlap=64)
    reference = plain.decode(plain.encode(crop), *crop.shape[:2])
    result = tiled.decode(tiled.encode(crop), *crop.shape[:2])
    assert not np.array_equal(result, reference)  # tiling did happen
    assert psnr(reference, result) > 30
    assert abs(psnr(crop, result) - psnr(crop, reference)) < 0.5


def test_tiles_must_be_multiples_of_the_downsampling():
    with pytest.raises(LatentCodecError, match="multiples of 8"):
        random_model("taesd-hf", options={"tile": 100}, **SMALL_TAESD)


class _OverflowsInHalf(torch.nn.Module):
    """Doubles its input; gives Inf whenever it runs in less than float32 (like the SDXL VAE)."""

    def __init__(self):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.tensor(2.0))

    def forward(self, x):
        if self.scale.dtype != torch.float32:
            return x * torch.inf
        return x * self.scale


class _Doubler(LatentModel):
    def _encode(self, network, pixels):
        return network(functional.avg_pool2d(pixels, 8))

    def _decode(self, network, latent):
        return network(functional.interpolate(latent, scale_factor=8)) / 4


def test_a_half_precision_overflow_is_redone_in_float32_and_logged(caplog):
    spec = get_spec("taesd-hf")
    model = _Doubler(spec, _OverflowsInHalf(), torch.device("cpu"), torch.bfloat16)
    image = np.full((16, 16, 3), 100, dtype=np.uint8)
    with caplog.at_level(logging.WARNING):
        latent = model.encode(image[..., :3])
    assert "redoing it in float32" in caplog.text
    np.testing.assert_allclose(latent[:3], 2 * 100 / 255, rtol=1e-6)


def test_float32_has_no_fallback_and_reports_the_nan():
    spec = get_spec("taesd-hf")

    class AlwaysNaN(_Doubler):
        def _encode(self, network, pixels):
            return super()._encode(network, pixels) * torch.nan

    model = AlwaysNaN(spec, _OverflowsInHalf(), torch.device("cpu"))
    with pytest.raises(LatentCodecError, match="NaN/Inf latents"):
        model.encode(np.zeros((16, 16, 3), dtype=np.uint8))


@pytest.mark.parametrize(
    ("name", "device", "expected"),
    [
        ("sdxl-vae-fp16-fix", "cpu", torch.float32),
        ("sdxl-vae-fp16-fix", "cuda", torch.float16),
        ("sdxl-vae", "cuda", torch.bfloat16),
        ("taef2", "cuda", torch.float16),
    ],
)
def test_auto_precision_is_float32_on_cpu_and_a_safe_half_on_gpu(name, device, expected):
    assert resolve_dtype(get_spec(name), "auto", torch.device(device)) is expected


def test_an_unsafe_explicit_precision_is_refused():
    with pytest.raises(LatentCodecError, match="not safe in float16"):
        resolve_dtype(get_spec("sdxl-vae"), "float16", torch.device("cuda"))

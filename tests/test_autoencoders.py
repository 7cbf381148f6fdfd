"""Models: TAEF2 with its real weights, and the SDXL-VAE path with random weights."""

import numpy as np
import pytest
import torch

from latentcodec.autoencoders import load_model, random_model
from latentcodec.errors import LatentCodecError
from latentcodec.metrics import psnr
from latentcodec.models import MODELS, SDXL_VAE_ARCHITECTURE
from latentcodec.taesd import build_decoder, build_encoder

# The SDXL VAE's layout (four stages, 8× downsampling, 4 channels) at a width that runs fast.
SMALL_SDXL = {"block_out_channels": [32, 32, 32, 32], "layers_per_block": 1, "norm_num_groups": 8}


@pytest.fixture(scope="module")
def taef2(mirror):
    return load_model("taef2", device="cpu", mirror=mirror, threads=2)


@pytest.mark.parametrize("part", ["encoder", "decoder"])
def test_taef2_module_keys_match_the_published_weights_exactly(mirror, part):
    state = torch.load(
        mirror / "models" / "taef2" / f"taef2_{part}.pth", map_location="cpu", weights_only=True
    )
    build = build_encoder if part == "encoder" else build_decoder
    assert set(build(32, global_norm=True).state_dict()) == set(state)


def test_taef2_reconstructs_a_kodak_image_above_20_db(taef2, kodim01):
    latent = taef2.encode(kodim01)
    assert latent.shape == (32, 64, 96) and latent.dtype == np.float32
    decoded = taef2.decode(latent, 512, 768)
    assert decoded.shape == kodim01.shape and decoded.dtype == np.uint8
    assert psnr(kodim01, decoded) > 20


def test_odd_sizes_are_padded_for_the_model_and_cropped_back(taef2, kodim01):
    crop = kodim01[100:177, 200:261]  # 77 × 61
    assert taef2.padding(77, 61) == (3, 3)
    latent = taef2.encode(crop)
    assert latent.shape == (32, 10, 8)
    assert taef2.decode(latent, 77, 61).shape == (77, 61, 3)


def test_weights_that_do_not_match_are_refused(mirror, tmp_path):
    models = tmp_path / "models" / "taef2"
    models.mkdir(parents=True)
    for part in ("encoder", "decoder"):
        (models / f"taef2_{part}.pth").write_bytes(b"not the published file")
    with pytest.raises(LatentCodecError, match="taef2_encoder.pth: SHA-256"):
        load_model("taef2", device="cpu", mirror=tmp_path)


def test_a_state_dict_with_a_missing_key_is_refused_strictly(mirror, tmp_path):
    from latentcodec import autoencoders

    state = torch.load(
        mirror / "models" / "taef2" / "taef2_encoder.pth", map_location="cpu", weights_only=True
    )
    state.pop("11.pool.1.weight")
    path = tmp_path / "encoder.pth"
    torch.save(state, path)
    refused = r"(?s)not a matching weights file.*11\.pool\.1\.weight"
    with pytest.raises(LatentCodecError, match=refused):
        autoencoders._load_state_dict_strict(build_encoder(32, True), path)


@pytest.fixture(scope="module")
def sdxl_mirror(tmp_path_factory):
    """A mirror holding a random-weight AutoencoderKL with the SDXL VAE's config, as saved."""
    from diffusers import AutoencoderKL

    root = tmp_path_factory.mktemp("mirror")
    torch.manual_seed(0)
    vae = AutoencoderKL(**{**SDXL_VAE_ARCHITECTURE, **SMALL_SDXL})
    vae.save_pretrained(root / "models" / "sdxl-vae-fp16-fix")
    return root


def test_sdxl_entry_loads_with_from_pretrained_from_a_local_copy(sdxl_mirror):
    model = load_model("sdxl-vae-fp16-fix", device="cpu", mirror=sdxl_mirror)
    assert model.channels == MODELS["sdxl-vae-fp16-fix"].channels == 4
    assert model.scaling == pytest.approx(0.13025) and model.shift == 0.0
    image = np.random.default_rng(0).integers(0, 256, (45, 70, 3), dtype=np.uint8)
    latent = model.encode(image)
    assert latent.shape == (4, 6, 9)
    np.testing.assert_array_equal(latent, model.encode(image))  # the mode, not a sample
    assert model.decode(latent, 45, 70).shape == (45, 70, 3)


def test_sdxl_latent_is_the_scaled_mode_of_the_posterior(sdxl_mirror):
    model = load_model("sdxl-vae-fp16-fix", device="cpu", mirror=sdxl_mirror)
    image = np.random.default_rng(1).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    pixels = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255 * 2 - 1
    with torch.inference_mode():
        mode = model.network.encode(pixels).latent_dist.mode()[0].numpy()
    np.testing.assert_allclose(model.encode(image), mode * 0.13025, rtol=1e-5, atol=1e-6)


def test_random_sdxl_model_runs_the_same_code_path_as_the_loaded_one(sdxl_mirror):
    loaded = load_model("sdxl-vae-fp16-fix", device="cpu", mirror=sdxl_mirror)
    fresh = random_model("sdxl-vae-fp16-fix", seed=0, **SMALL_SDXL)
    assert type(loaded) is type(fresh)
    image = np.random.default_rng(2).integers(0, 256, (16, 24, 3), dtype=np.uint8)
    np.testing.assert_array_equal(loaded.encode(image), fresh.encode(image))


def test_a_model_missing_from_the_mirror_names_the_path(tmp_path):
    with pytest.raises(LatentCodecError, match=r"models/sdxl-vae-fp16-fix does not exist"):
        load_model("sdxl-vae-fp16-fix", device="cpu", mirror=tmp_path)


def test_an_unreachable_hub_gives_one_error_with_the_cache_and_the_fix(monkeypatch):
    from diffusers import AutoencoderKL

    def unreachable(*args, **kwargs):
        raise OSError("We couldn't connect to 'https://huggingface.co'")

    monkeypatch.setattr(AutoencoderKL, "from_pretrained", unreachable)
    with pytest.raises(LatentCodecError) as error:
        load_model("sdxl-vae-fp16-fix", device="cpu", mirror=None)
    message = str(error.value)
    assert "madebyollin/sdxl-vae-fp16-fix" in message and "cache" in message
    assert "LATENTCODEC_MIRROR" in message and "models/sdxl-vae-fp16-fix/" in message


def test_decoding_a_latent_with_nan_is_refused(taef2):
    latent = np.zeros((32, 2, 2), np.float32)
    latent[0, 0, 0] = np.nan
    with pytest.raises(LatentCodecError, match="NaN or Inf"):
        taef2.decode(latent, 16, 16)

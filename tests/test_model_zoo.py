"""Every registry entry, with random weights built from its real configuration."""

import numpy as np
import pytest

from latentcodec.autoencoders import load_model, random_model
from latentcodec.codecs import CODECS
from latentcodec.errors import LatentCodecError
from latentcodec.models import MODELS, check_dtype
from latentcodec.packing import pack, unpack

# The real layouts at a width that runs in a second.
SMALL = {
    "diffusers-kl": {
        "block_out_channels": [32, 32, 32, 32],
        "layers_per_block": 1,
        "norm_num_groups": 8,
    },
    "diffusers-tiny": {
        "encoder_block_out_channels": [16] * 4,
        "decoder_block_out_channels": [16] * 4,
    },
}
DIFFUSERS_ENTRIES = sorted(name for name, spec in MODELS.items() if spec.family in SMALL)


def test_the_registry_has_every_model_the_related_work_uses():
    assert set(MODELS) == {
        "sdxl-vae-fp16-fix", "sdxl-vae", "sd-vae-ft-mse", "sd-vae-ft-ema", "sd3-vae",
        "flux1-vae", "taesd", "taesdxl", "taesd3", "taef1", "taef2", "taesd-hf", "taesdxl-hf",
    }  # fmt: skip
    for name, spec in MODELS.items():
        assert spec.name == name and spec.downsample == 8
        assert spec.architecture.get("latent_channels", spec.channels) == spec.channels


def test_each_model_names_the_latent_space_it_encodes_into():
    spaces = {name: (spec.latent_space, spec.channels) for name, spec in MODELS.items()}
    assert spaces == {
        "sdxl-vae-fp16-fix": ("SDXL", 4), "sdxl-vae": ("SDXL", 4), "taesdxl": ("SDXL", 4),
        "taesdxl-hf": ("SDXL", 4), "sd-vae-ft-mse": ("SD 1.x/2.x", 4),
        "sd-vae-ft-ema": ("SD 1.x/2.x", 4), "taesd": ("SD 1.x/2.x", 4),
        "taesd-hf": ("SD 1.x/2.x", 4), "sd3-vae": ("SD3", 16), "taesd3": ("SD3", 16),
        "flux1-vae": ("FLUX.1", 16), "taef1": ("FLUX.1", 16), "taef2": ("FLUX.2", 32),
    }  # fmt: skip


def test_only_taef2_has_the_global_norm_branch_in_the_taesd_family():
    family = {name: spec for name, spec in MODELS.items() if spec.family == "taesd"}
    assert {name for name, spec in family.items() if spec.architecture["global_norm"]} == {"taef2"}
    assert "distilled stand-in for the SDXL VAE" in MODELS["taesdxl"].description


@pytest.mark.parametrize("name", sorted(n for n, spec in MODELS.items() if spec.family == "taesd"))
def test_each_taesd_family_entry_runs_with_random_weights(name):
    model = random_model(name)
    latent = model.encode(np.zeros((24, 40, 3), np.uint8))
    assert latent.shape == (MODELS[name].channels, 3, 5)
    assert model.decode(latent, 24, 40).shape == (24, 40, 3)


@pytest.mark.parametrize("name", DIFFUSERS_ENTRIES)
def test_each_diffusers_entry_encodes_and_decodes_and_loads_from_a_local_copy(name, tmp_path):
    spec = MODELS[name]
    model = random_model(name, **SMALL[spec.family])
    config = model.network.config
    assert config.latent_channels == spec.channels
    assert config.scaling_factor == spec.architecture["scaling_factor"]
    if spec.family == "diffusers-kl":
        assert model.scaling == spec.architecture["scaling_factor"]
        assert model.shift == (spec.architecture["shift_factor"] or 0.0)
    image = np.random.default_rng(0).integers(0, 256, (37, 50, 3), dtype=np.uint8)
    latent = model.encode(image)
    assert latent.shape == (spec.channels, 5, 7)
    assert model.decode(latent, 37, 50).shape == (37, 50, 3)
    model.network.save_pretrained(tmp_path / "models" / name)
    loaded = load_model(name, device="cpu", mirror=tmp_path)
    np.testing.assert_array_equal(loaded.encode(image), latent)


def test_a_local_copy_with_the_wrong_channel_count_is_refused(tmp_path):
    model = random_model("sd3-vae", **SMALL["diffusers-kl"])
    model.network.save_pretrained(tmp_path / "models" / "sdxl-vae-fp16-fix")
    with pytest.raises(LatentCodecError, match="16 latent channels, the registry says 4"):
        load_model("sdxl-vae-fp16-fix", device="cpu", mirror=tmp_path)


def test_the_original_sdxl_vae_is_refused_in_float16():
    with pytest.raises(LatentCodecError, match="sdxl-vae is not safe in float16"):
        check_dtype(MODELS["sdxl-vae"], "float16")
    check_dtype(MODELS["sdxl-vae"], "bfloat16")
    with pytest.raises(LatentCodecError, match="not safe in float16"):
        load_model("sdxl-vae", device="cpu", dtype="float16")


def test_bfloat16_runs_and_returns_float32_latents(tmp_path):
    random_model("taesd-hf", **SMALL["diffusers-tiny"]).network.save_pretrained(
        tmp_path / "models" / "taesd-hf"
    )
    model = load_model("taesd-hf", device="cpu", mirror=tmp_path, dtype="bfloat16")
    latent = model.encode(np.zeros((16, 16, 3), np.uint8))
    assert latent.dtype == np.float32 and latent.shape == (4, 2, 2)
    assert model.decode(latent, 16, 16).dtype == np.uint8


@pytest.mark.parametrize("channels", [4, 16, 32])
@pytest.mark.parametrize("name", ["png", "jxl", "j2k", "webpll"])
def test_lossless_codecs_store_4_16_and_32_channel_latents(name, channels):
    codec_class = CODECS[name]
    quality = codec_class.lossless_quality
    rng = np.random.default_rng(channels)
    for packing in ("interleaved", "planar"):
        planes = codec_class.planes_for(packing)
        if planes not in codec_class.planes:
            continue
        latent = rng.integers(0, 256, (channels, 6, 9), dtype=np.uint8)
        codec = codec_class()
        stored = codec.encode(pack(latent, planes), 8, quality)
        np.testing.assert_array_equal(unpack(codec.decode(stored), channels, planes), latent)

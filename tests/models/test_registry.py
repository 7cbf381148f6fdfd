"""The model registry (latentcodec.models.registry): every entry, its latent space, dtype
refusals."""

import pytest

from latentcodec.errors import LatentCodecError
from latentcodec.models.autoencoders import load_model
from latentcodec.models.registry import MODELS, check_dtype


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


def test_the_original_sdxl_vae_is_refused_in_float16():
    with pytest.raises(LatentCodecError, match="sdxl-vae is not safe in float16"):
        check_dtype(MODELS["sdxl-vae"], "float16")
    check_dtype(MODELS["sdxl-vae"], "bfloat16")
    with pytest.raises(LatentCodecError, match="not safe in float16"):
        load_model("sdxl-vae", device="cpu", dtype="float16")

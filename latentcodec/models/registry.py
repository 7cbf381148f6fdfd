"""The model registry: what is known about each latent autoencoder before loading it.

Torch-free, so that validating a config or building the DAG stays cheap; the networks
themselves live in `latentcodec.models.autoencoders`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from latentcodec.errors import LatentCodecError
from latentcodec.routes import route_model


@dataclass(frozen=True)
class ModelSpec:
    """What the registry knows about a model before loading it."""

    name: str
    family: str  # "diffusers-kl" (AutoencoderKL), "diffusers-tiny" (AutoencoderTiny), "taesd"
    channels: int
    source: str  # Hugging Face repo id, or base URL of the weight files
    description: str
    latent_space: str  # the diffusion model whose latents it encodes into, e.g. "SDXL"
    architecture: dict = field(default_factory=dict)  # config to build it with random weights
    subfolder: str | None = None  # inside the Hugging Face repo
    downsample: int = 8
    dtypes: tuple[str, ...] = ("float32", "bfloat16", "float16")  # where it runs without NaNs

    def padding(self, height: int, width: int) -> tuple[int, int]:
        """(bottom, right) pixels added so both sides are multiples of `downsample`."""
        return -height % self.downsample, -width % self.downsample


def _kl(channels: int, scaling: float, shift: float | None = None, **extra) -> dict:
    """The SD-family AutoencoderKL layout: four stages, 8× downsampling."""
    return {
        "in_channels": 3,
        "out_channels": 3,
        "down_block_types": ["DownEncoderBlock2D"] * 4,
        "up_block_types": ["UpDecoderBlock2D"] * 4,
        "block_out_channels": [128, 256, 512, 512],
        "layers_per_block": 2,
        "act_fn": "silu",
        "latent_channels": channels,
        "norm_num_groups": 32,
        "scaling_factor": scaling,
        "shift_factor": shift,
        **extra,
    }


SDXL_VAE_ARCHITECTURE = _kl(4, 0.13025, sample_size=1024, force_upcast=False)
SDXL_ORIGINAL_ARCHITECTURE = _kl(4, 0.13025, sample_size=1024, force_upcast=True)
SD_VAE_ARCHITECTURE = _kl(4, 0.18215, sample_size=256)
FLOW_VAE = {"use_quant_conv": False, "use_post_quant_conv": False, "sample_size": 1024}
SD3_VAE_ARCHITECTURE = _kl(16, 1.5305, 0.0609, **FLOW_VAE)
FLUX1_VAE_ARCHITECTURE = _kl(16, 0.3611, 0.1159, **FLOW_VAE)
TINY_ARCHITECTURE = {"latent_channels": 4, "scaling_factor": 1.0}  # AutoencoderTiny defaults
TAESD_URL = "https://github.com/madebyollin/taesd/raw/main"  # <name>_{encoder,decoder}.pth

DESCRIPTIONS = {  # what `latentcodec models` prints beside each name
    "sdxl-vae-fp16-fix": "SDXL VAE, finetuned to run in fp16 without NaNs (AutoencoderKL)",
    "sdxl-vae": "The original SDXL VAE: overflows to NaN in float16",
    "sd-vae-ft-mse": "SD 1.x/2.x VAE, decoder finetuned with MSE (AutoencoderKL)",
    "sd-vae-ft-ema": "SD 1.x/2.x VAE, decoder finetuned with EMA weights (AutoencoderKL)",
    "sd3-vae": "Stable Diffusion 3 VAE, 16 channels, with shift factor",
    "flux1-vae": "FLUX.1 VAE, 16 channels, with shift factor",
    "taesd": "Tiny autoencoder (TAESD) for the SD 1.x/2.x latent space: a distilled stand-in for "
    "the SD VAE with its own ceiling",
    "taesdxl": "Tiny autoencoder (TAESDXL): a distilled stand-in for the SDXL VAE. Same latent "
    "space, far smaller decoder (1.2 M parameters against 49.5 M), its own ceiling",
    "taesd3": "Tiny autoencoder (TAESD3) for the SD3 latent space, 16 channels",
    "taef1": "Tiny autoencoder (TAEF1) for the FLUX.1 latent space, 16 channels",
    "taef2": "Tiny autoencoder (TAEF2) for the FLUX.2 latent space, 32 channels, with a GroupNorm "
    "branch that sees the whole image",
    "taesd-hf": "TAESD as a diffusers AutoencoderTiny, from Hugging Face",
    "taesdxl-hf": "TAESDXL as a diffusers AutoencoderTiny, from Hugging Face",
}


def _spec(
    name: str, family: str, source: str, latent_space: str, architecture: dict, **extra
) -> ModelSpec:
    """A registry entry; its channels are its architecture's, its description in DESCRIPTIONS."""
    return ModelSpec(
        name=name,
        family=family,
        channels=architecture["latent_channels"],
        source=source,
        description=DESCRIPTIONS[name],
        latent_space=latent_space,
        architecture=architecture,
        **extra,
    )


def _kl_vae(name: str, repo: str, latent_space: str, architecture: dict, **extra) -> ModelSpec:
    """A diffusers AutoencoderKL from Hugging Face."""
    return _spec(name, "diffusers-kl", repo, latent_space, architecture, **extra)


def _taesd(name: str, latent_space: str, channels: int, global_norm: bool = False) -> ModelSpec:
    """A TAESD-family entry (Ollin Boer Bohan, MIT): 1.2–1.3 M parameters per half."""
    architecture = {"latent_channels": channels, "global_norm": global_norm}
    return _spec(name, "taesd", TAESD_URL, latent_space, architecture)


def _tiny_hf(name: str, repo: str, latent_space: str) -> ModelSpec:
    """A TAESD-family model as a diffusers AutoencoderTiny, from Hugging Face."""
    return _spec(name, "diffusers-tiny", repo, latent_space, TINY_ARCHITECTURE)


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        _kl_vae(
            "sdxl-vae-fp16-fix", "madebyollin/sdxl-vae-fp16-fix", "SDXL", SDXL_VAE_ARCHITECTURE
        ),
        _kl_vae(
            "sdxl-vae",
            "stabilityai/sdxl-vae",
            "SDXL",
            SDXL_ORIGINAL_ARCHITECTURE,
            dtypes=("float32", "bfloat16"),
        ),
        _kl_vae("sd-vae-ft-mse", "stabilityai/sd-vae-ft-mse", "SD 1.x/2.x", SD_VAE_ARCHITECTURE),
        _kl_vae("sd-vae-ft-ema", "stabilityai/sd-vae-ft-ema", "SD 1.x/2.x", SD_VAE_ARCHITECTURE),
        _kl_vae(
            "sd3-vae",
            "stabilityai/stable-diffusion-3-medium-diffusers",
            "SD3",
            SD3_VAE_ARCHITECTURE,
            subfolder="vae",
        ),
        _kl_vae(
            "flux1-vae",
            "black-forest-labs/FLUX.1-schnell",
            "FLUX.1",
            FLUX1_VAE_ARCHITECTURE,
            subfolder="vae",
        ),
        _taesd("taesd", "SD 1.x/2.x", channels=4),
        _taesd("taesdxl", "SDXL", channels=4),
        _taesd("taesd3", "SD3", channels=16),
        _taesd("taef1", "FLUX.1", channels=16),
        _taesd("taef2", "FLUX.2", channels=32, global_norm=True),
        _tiny_hf("taesd-hf", "madebyollin/taesd", "SD 1.x/2.x"),
        _tiny_hf("taesdxl-hf", "madebyollin/taesdxl", "SDXL"),
    )
}


def get_spec(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        raise LatentCodecError(
            f"unknown model {name!r}; known: {', '.join(sorted(MODELS))}"
        ) from None


def check_dtype(spec: ModelSpec, dtype: str) -> None:
    """Refuse a precision the model is not safe in (the original SDXL VAE overflows in fp16).

    'auto' is always allowed: it resolves to a safe one on the device
    (`models.device.resolve_dtype`).
    """
    if dtype != "auto" and dtype not in spec.dtypes:
        raise LatentCodecError(
            f"{spec.name} is not safe in {dtype} (it can give NaN or Inf); use one of "
            f"{', '.join(spec.dtypes)}"
        )


def route_spec(route: str) -> ModelSpec:
    """The spec of the model a latent route decodes with (`tables.latent_route`)."""
    return get_spec(route_model(route))

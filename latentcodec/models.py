"""The model registry: what is known about each latent autoencoder before loading it.

Torch-free, so that validating a config or building the DAG stays cheap; the networks
themselves live in `latentcodec.autoencoders`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from latentcodec.errors import LatentCodecError


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
FLOW_VAE = {"use_quant_conv": False, "use_post_quant_conv": False, "sample_size": 1024}
TINY_ARCHITECTURE = {"latent_channels": 4, "scaling_factor": 1.0}  # AutoencoderTiny defaults
TAESD_URL = "https://github.com/madebyollin/taesd/raw/main"  # <name>_{encoder,decoder}.pth


def _taesd(
    name: str, *, channels: int, latent_space: str, description: str, global_norm: bool = False
) -> ModelSpec:
    """A TAESD-family entry (Ollin Boer Bohan, MIT): 1.2–1.3 M parameters per half."""
    return ModelSpec(
        name=name,
        family="taesd",
        channels=channels,
        source=TAESD_URL,
        description=description,
        latent_space=latent_space,
        architecture={"latent_channels": channels, "global_norm": global_norm},
    )


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="sdxl-vae-fp16-fix",
            family="diffusers-kl",
            channels=4,
            source="madebyollin/sdxl-vae-fp16-fix",
            description="SDXL VAE, finetuned to run in fp16 without NaNs (AutoencoderKL)",
            latent_space="SDXL",
            architecture=SDXL_VAE_ARCHITECTURE,
        ),
        ModelSpec(
            name="sdxl-vae",
            family="diffusers-kl",
            channels=4,
            source="stabilityai/sdxl-vae",
            description="The original SDXL VAE: overflows to NaN in float16",
            latent_space="SDXL",
            architecture=_kl(4, 0.13025, sample_size=1024, force_upcast=True),
            dtypes=("float32", "bfloat16"),
        ),
        ModelSpec(
            name="sd-vae-ft-mse",
            family="diffusers-kl",
            channels=4,
            source="stabilityai/sd-vae-ft-mse",
            description="SD 1.x/2.x VAE, decoder finetuned with MSE (AutoencoderKL)",
            latent_space="SD 1.x/2.x",
            architecture=_kl(4, 0.18215, sample_size=256),
        ),
        ModelSpec(
            name="sd-vae-ft-ema",
            family="diffusers-kl",
            channels=4,
            source="stabilityai/sd-vae-ft-ema",
            description="SD 1.x/2.x VAE, decoder finetuned with EMA weights (AutoencoderKL)",
            latent_space="SD 1.x/2.x",
            architecture=_kl(4, 0.18215, sample_size=256),
        ),
        ModelSpec(
            name="sd3-vae",
            family="diffusers-kl",
            channels=16,
            source="stabilityai/stable-diffusion-3-medium-diffusers",
            subfolder="vae",
            description="Stable Diffusion 3 VAE, 16 channels, with shift factor",
            latent_space="SD3",
            architecture=_kl(16, 1.5305, 0.0609, **FLOW_VAE),
        ),
        ModelSpec(
            name="flux1-vae",
            family="diffusers-kl",
            channels=16,
            source="black-forest-labs/FLUX.1-schnell",
            subfolder="vae",
            description="FLUX.1 VAE, 16 channels, with shift factor",
            latent_space="FLUX.1",
            architecture=_kl(16, 0.3611, 0.1159, **FLOW_VAE),
        ),
        _taesd(
            "taesd",
            channels=4,
            latent_space="SD 1.x/2.x",
            description="Tiny autoencoder (TAESD) for the SD 1.x/2.x latent space: a distilled "
            "stand-in for the SD VAE with its own ceiling",
        ),
        _taesd(
            "taesdxl",
            channels=4,
            latent_space="SDXL",
            description="Tiny autoencoder (TAESDXL): a distilled stand-in for the SDXL VAE. Same "
            "latent space, far smaller decoder (1.2 M parameters against 49.5 M), its own ceiling",
        ),
        _taesd(
            "taesd3",
            channels=16,
            latent_space="SD3",
            description="Tiny autoencoder (TAESD3) for the SD3 latent space, 16 channels",
        ),
        _taesd(
            "taef1",
            channels=16,
            latent_space="FLUX.1",
            description="Tiny autoencoder (TAEF1) for the FLUX.1 latent space, 16 channels",
        ),
        _taesd(
            "taef2",
            channels=32,
            latent_space="FLUX.2",
            description="Tiny autoencoder (TAEF2) for the FLUX.2 latent space, 32 channels, with a "
            "GroupNorm branch that sees the whole image",
            global_norm=True,
        ),
        ModelSpec(
            name="taesd-hf",
            family="diffusers-tiny",
            channels=4,
            source="madebyollin/taesd",
            description="TAESD as a diffusers AutoencoderTiny, from Hugging Face",
            latent_space="SD 1.x/2.x",
            architecture=TINY_ARCHITECTURE,
        ),
        ModelSpec(
            name="taesdxl-hf",
            family="diffusers-tiny",
            channels=4,
            source="madebyollin/taesdxl",
            description="TAESDXL as a diffusers AutoencoderTiny, from Hugging Face",
            latent_space="SDXL",
            architecture=TINY_ARCHITECTURE,
        ),
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

    'auto' is always allowed: it resolves to a safe one on the device (`resolve_dtype`).
    """
    if dtype != "auto" and dtype not in spec.dtypes:
        raise LatentCodecError(
            f"{spec.name} is not safe in {dtype} (it can give NaN or Inf); use one of "
            f"{', '.join(spec.dtypes)}"
        )

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
    family: str  # "diffusers-kl" or "taesd"
    channels: int
    downsample: int
    source: str  # Hugging Face repo id, or base URL of the weight files
    description: str
    architecture: dict = field(default_factory=dict)  # config to build it with random weights


SDXL_VAE_ARCHITECTURE = {
    "in_channels": 3,
    "out_channels": 3,
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
    "block_out_channels": [128, 256, 512, 512],
    "layers_per_block": 2,
    "act_fn": "silu",
    "latent_channels": 4,
    "norm_num_groups": 32,
    "sample_size": 1024,
    "scaling_factor": 0.13025,
    "force_upcast": False,
}

MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="sdxl-vae-fp16-fix",
            family="diffusers-kl",
            channels=4,
            downsample=8,
            source="madebyollin/sdxl-vae-fp16-fix",
            description="SDXL VAE, finetuned to run in fp16 without NaNs (AutoencoderKL)",
            architecture=SDXL_VAE_ARCHITECTURE,
        ),
        ModelSpec(
            name="taef2",
            family="taesd",
            channels=32,
            downsample=8,
            source="https://github.com/madebyollin/taesd/raw/main",
            description="Tiny autoencoder for the FLUX.2 latent space (TAESD family, MIT)",
            architecture={"latent_channels": 32, "global_norm": True},
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

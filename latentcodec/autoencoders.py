"""Latent autoencoders (torch) behind one interface: load the registered models and run them.

Every model maps an 8-bit RGB image to a float latent and back:

    encode(image (H, W, 3) uint8) → latent (C, ceil(H/s), ceil(W/s)) float32
    decode(latent, height, width) → image (height, width, 3) uint8

where C = `channels` and s = `downsample`. Images whose sides are not multiples of s are
padded at the bottom and right by repeating the edge pixels, and the decoded image is
cropped back to (height, width) before any metric sees it.

Latents are the mode of the encoder's distribution (never a sample), in the model's
diffusion space: for AutoencoderKL models `(mode − shift_factor) · scaling_factor`, undone
exactly before decoding. Quantisation ranges are per channel, so this scaling changes no
bit rate; it makes latents comparable to what a diffusion model sees.

This module imports torch: import it only in jobs that run a model.
"""

from __future__ import annotations

import importlib
import logging
from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np
import torch

from latentcodec.errors import LatentCodecError
from latentcodec.models import ModelSpec, check_dtype, get_spec
from latentcodec.sources import MIRROR_VARIABLE, local_copy, sha256_of, shipped_checksums
from latentcodec.taesd import build_decoder, build_encoder

log = logging.getLogger(__name__)


def resolve_device(device: str) -> torch.device:
    """'auto' → CUDA when torch sees a GPU, else CPU; 'cuda' without a GPU is an error."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise LatentCodecError("config device is 'cuda' but torch sees no CUDA GPU")
    return torch.device(device)


class LatentModel(ABC):
    """An autoencoder with numpy in and out; subclasses work on [0, 1] image tensors."""

    def __init__(self, spec: ModelSpec, device: torch.device, dtype: torch.dtype = torch.float32):
        self.spec = spec
        self.device = device
        self.dtype = dtype

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def channels(self) -> int:
        return self.spec.channels

    @property
    def downsample(self) -> int:
        return self.spec.downsample

    def padding(self, height: int, width: int) -> tuple[int, int]:
        """(bottom, right) pixels added so both sides are multiples of `downsample`."""
        return -height % self.downsample, -width % self.downsample

    @torch.inference_mode()
    def encode(self, image: np.ndarray) -> np.ndarray:
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise LatentCodecError(
                f"expected an (H, W, 3) uint8 image, got {image.dtype} {image.shape}"
            )
        bottom, right = self.padding(*image.shape[:2])
        padded = np.pad(image, ((0, bottom), (0, right), (0, 0)), mode="edge")
        pixels = torch.from_numpy(padded).permute(2, 0, 1)[None].to(self.device, torch.float32)
        latent = self._encode((pixels / 255).to(self.dtype))[0].float().cpu().numpy()
        if not np.all(np.isfinite(latent)):
            raise LatentCodecError(
                f"{self.name} produced NaN/Inf latents for a {image.shape} image"
            )
        return latent

    @torch.inference_mode()
    def decode(self, latent: np.ndarray, height: int, width: int) -> np.ndarray:
        if latent.ndim != 3 or latent.shape[0] != self.channels:
            raise LatentCodecError(
                f"{self.name} decodes ({self.channels}, h, w) latents, got {latent.shape}"
            )
        if not np.all(np.isfinite(latent)):
            raise LatentCodecError(f"refusing to decode a latent with NaN or Inf ({self.name})")
        tensor = torch.from_numpy(np.ascontiguousarray(latent, dtype=np.float32))[None]
        pixels = self._decode(tensor.to(self.device, self.dtype))[0, :, :height, :width]
        pixels = pixels.float().clamp(0, 1)
        return (pixels * 255).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()

    @abstractmethod
    def _encode(self, pixels: torch.Tensor) -> torch.Tensor:
        """(1, 3, H, W) in [0, 1] → (1, C, H/s, W/s)."""

    @abstractmethod
    def _decode(self, latent: torch.Tensor) -> torch.Tensor:
        """(1, C, h, w) → (1, 3, h·s, w·s), nominally in [0, 1]."""


class DiffusersKL(LatentModel):
    """A diffusers AutoencoderKL (SD/SDXL-style VAE): images in [−1, 1], mode of the posterior."""

    def __init__(self, spec: ModelSpec, vae, device: torch.device, dtype=torch.float32):
        super().__init__(spec, device, dtype)
        self.vae = vae.to(device, dtype).eval()
        self.scaling = float(vae.config.scaling_factor)
        self.shift = float(getattr(vae.config, "shift_factor", None) or 0.0)

    def _encode(self, pixels):
        mode = self.vae.encode(pixels * 2 - 1).latent_dist.mode()
        return (mode - self.shift) * self.scaling

    def _decode(self, latent):
        return (self.vae.decode(latent / self.scaling + self.shift).sample + 1) / 2


class DiffusersTiny(LatentModel):
    """A diffusers AutoencoderTiny (TAESD for SD/SDXL): images in [−1, 1], deterministic."""

    def __init__(self, spec: ModelSpec, vae, device: torch.device, dtype=torch.float32):
        super().__init__(spec, device, dtype)
        self.vae = vae.to(device, dtype).eval()

    def _encode(self, pixels):
        return self.vae.encode(pixels * 2 - 1).latents

    def _decode(self, latent):
        return (self.vae.decode(latent).sample + 1) / 2


DIFFUSERS_FAMILIES = {
    "diffusers-kl": (DiffusersKL, "AutoencoderKL"),
    "diffusers-tiny": (DiffusersTiny, "AutoencoderTiny"),
}


class TinyAutoencoder(LatentModel):
    """A TAESD-family encoder/decoder pair: images in [0, 1], deterministic latents."""

    def __init__(
        self, spec: ModelSpec, encoder, decoder, device: torch.device, dtype=torch.float32
    ):
        super().__init__(spec, device, dtype)
        self.encoder = encoder.to(device, dtype).eval()
        self.decoder = decoder.to(device, dtype).eval()

    def _encode(self, pixels):
        return self.encoder(pixels)

    def _decode(self, latent):
        return self.decoder(latent)


def load_model(
    name: str,
    *,
    device: str = "auto",
    mirror: Path | None = None,
    threads: int | None = None,
    dtype: str = "float32",
) -> LatentModel:
    """Load a registered model with its published weights, once per job.

    `mirror` (see `latentcodec.sources`) is used instead of the network when given.
    `threads` sets torch's CPU thread count (Snakemake's `threads:`). `dtype` must be one the
    registry lists as safe for the model (the original SDXL VAE gives NaNs in float16).
    """
    spec = get_spec(name)
    check_dtype(spec, dtype)
    if threads:
        torch.set_num_threads(threads)
    torch_device = resolve_device(device)
    log.info("loading %s on %s (%d CPU threads)", name, torch_device, torch.get_num_threads())
    if spec.family in DIFFUSERS_FAMILIES:
        wrapper, _ = DIFFUSERS_FAMILIES[spec.family]
        return wrapper(spec, _pretrained(spec, mirror), torch_device, getattr(torch, dtype))
    encoder, decoder = _tiny_networks(spec)
    for network, part in ((encoder, "encoder"), (decoder, "decoder")):
        filename = f"{spec.name}_{part}.pth"
        path = local_copy(
            kind="models",
            collection=spec.name,
            filename=filename,
            url=f"{spec.source}/{filename}",
            sha256=shipped_checksums(spec.name)[filename],
            mirror=mirror,
        )
        _load_state_dict_strict(network, path)
    return TinyAutoencoder(spec, encoder, decoder, torch_device, getattr(torch, dtype))


def random_model(name: str, *, seed: int = 0, device: str = "cpu", **overrides) -> LatentModel:
    """A registered model's architecture with random weights (tests, timing; no download).

    `overrides` change architecture entries, e.g. smaller `block_out_channels` for fast tests.
    """
    spec = get_spec(name)
    torch.manual_seed(seed)
    torch_device = resolve_device(device)
    if spec.family in DIFFUSERS_FAMILIES:
        wrapper, class_name = DIFFUSERS_FAMILIES[spec.family]
        vae_class = getattr(importlib.import_module("diffusers"), class_name)
        return wrapper(spec, vae_class(**{**spec.architecture, **overrides}), torch_device)
    return TinyAutoencoder(spec, *_tiny_networks(spec), torch_device)


def _tiny_networks(spec: ModelSpec):
    channels, global_norm = spec.architecture["latent_channels"], spec.architecture["global_norm"]
    return build_encoder(channels, global_norm), build_decoder(channels, global_norm)


def _load_state_dict_strict(network: torch.nn.Module, path: Path) -> None:
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        network.load_state_dict(state, strict=True)
    except Exception as error:  # torch raises RuntimeError, UnpicklingError, KeyError…
        raise LatentCodecError(f"{path}: not a matching weights file ({error})") from error


def _pretrained(spec: ModelSpec, mirror: Path | None):
    """`from_pretrained` from `<mirror>/models/<name>/` or the Hugging Face hub (and its cache)."""
    from huggingface_hub.constants import HF_HUB_CACHE

    _, class_name = DIFFUSERS_FAMILIES[spec.family]
    vae_class = getattr(importlib.import_module("diffusers"), class_name)
    files = "config.json, diffusion_pytorch_model.safetensors"
    repo = spec.source + (f" (folder {spec.subfolder})" if spec.subfolder else "")
    if mirror is not None:
        source, options = mirror / "models" / spec.name, {}
        if not source.is_dir():
            raise LatentCodecError(
                f"model {spec.name}: {source} does not exist; put the files of the Hugging Face "
                f"repo {repo} ({files}) there"
            )
    else:
        source, options = spec.source, {"subfolder": spec.subfolder} if spec.subfolder else {}
    try:
        vae = vae_class.from_pretrained(source, **options)
    except (OSError, ValueError) as error:
        raise LatentCodecError(
            f"cannot load model {spec.name} from {source} ({error.__class__.__name__}). "
            f"Hugging Face cache: {HF_HUB_CACHE}. Without network, provide a local copy: "
            f"download the repo {repo} ({files}) into <folder>/models/{spec.name}/ and set "
            f"{MIRROR_VARIABLE}=<folder>"
        ) from error
    if vae.config.latent_channels != spec.channels:
        raise LatentCodecError(
            f"{spec.name}: {source} holds a VAE with {vae.config.latent_channels} latent "
            f"channels, the registry says {spec.channels}"
        )
    if mirror is not None:  # a local copy has no published sums: record what was used
        for weights in sorted(Path(source).glob("*.safetensors")):
            log.info("%s: SHA-256 %s", weights, sha256_of(weights))
    return vae

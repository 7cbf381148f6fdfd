"""Latent autoencoders (torch) behind one interface: load the registered models and run them
(on the device and in the precision `models.device` resolves).

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

import copy
import importlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import torch

from latentcodec.errors import LatentCodecError
from latentcodec.models.device import resolve_device, resolve_dtype
from latentcodec.models.registry import ModelSpec, get_spec
from latentcodec.models.taesd import build_decoder, build_encoder
from latentcodec.models.tiling import run_tiled
from latentcodec.sources import MIRROR_VARIABLE, model_weights, sha256_of

log = logging.getLogger(__name__)


def _batches(items: Iterable, size: int, key: Callable) -> Iterator[list]:
    """Consecutive items with equal `key` (tensor shape), at most `size` per batch."""
    batch: list = []
    for item in items:
        if batch and (len(batch) == size or key(item) != key(batch[0])):
            yield batch
            batch = []
        batch.append(item)
    if batch:
        yield batch


class LatentModel(ABC):
    """An autoencoder with numpy in and out; subclasses work on [0, 1] image tensors.

    `batch_size` images of one size go through the network together (a GPU gains from it,
    a CPU does not). With `tile` (pixels) set, larger images are encoded and decoded in
    overlapping tiles (`latentcodec.models.tiling`) so that memory stays bounded. In float16 or
    bfloat16, a batch whose output is not finite is redone with a float32 copy of the
    weights, and the fallback is logged.
    """

    def __init__(
        self,
        spec: ModelSpec,
        network: torch.nn.Module,
        device: torch.device,
        dtype: torch.dtype = torch.float32,
        *,
        batch_size: int = 1,
        tile: int | None = None,
        overlap: int = 64,
    ):
        self.spec = spec
        self.device = device
        self.dtype = dtype
        self.batch_size = batch_size
        if tile is not None and (tile % spec.downsample or overlap % spec.downsample):
            raise LatentCodecError(
                f"tile ({tile}) and overlap ({overlap}) must be multiples of "
                f"{spec.downsample} pixels for {spec.name}"
            )
        self.tile, self.overlap = tile, overlap
        # The weights are fixed: refinement differentiates through the decoder to the latent
        # only, and the weights' own gradients made its steps 2.6× slower (make bench, 6b).
        network = network.eval().requires_grad_(False)
        self._float32_copy = copy.deepcopy(network) if dtype != torch.float32 else None
        self._float32_network = None if self._float32_copy is not None else network
        # channels-last convolutions are ~30% faster for TAEF2 on the CPU, and suit GPUs too
        self.network = network.to(device, dtype, memory_format=torch.channels_last)

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
        return self.spec.padding(height, width)

    def encode(self, image: np.ndarray) -> np.ndarray:
        """(H, W, 3) uint8 → (C, ceil(H/s), ceil(W/s)) float32 latent."""
        return next(self.encode_many([image]))

    def decode(self, latent: np.ndarray, height: int, width: int) -> np.ndarray:
        """(C, h, w) latent → (height, width, 3) uint8 image."""
        return next(self.decode_many([(latent, height, width)]))

    @torch.inference_mode()
    def encode_many(self, images: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        """Latents of `images`, in order, batching consecutive images of one size."""
        for batch in _batches(map(self.padded_pixels, images), self.batch_size, _shape):
            pixels = torch.stack(batch)
            latents = self._run(self._encode, pixels, self._tiles(1), scale=1 / self.downsample)
            if not torch.isfinite(latents).all():
                raise LatentCodecError(
                    f"{self.name} produced NaN/Inf latents for images of {tuple(pixels.shape)}"
                )
            yield from latents.cpu().numpy()

    @torch.inference_mode()
    def decode_many(self, items: Iterable[tuple[np.ndarray, int, int]]) -> Iterator[np.ndarray]:
        """Images of (latent, height, width) `items`, in order, batching equal latent shapes."""
        for batch in _batches(map(self._checked_latent, items), self.batch_size, _shape_of_first):
            latents = torch.stack([latent for latent, _, _ in batch])
            tiles = self._tiles(self.downsample)
            pixels = self._run(self._decode, latents, tiles, scale=self.downsample)
            if not torch.isfinite(pixels).all():
                raise LatentCodecError(f"{self.name} decoded NaN/Inf pixels")
            pixels = (pixels.clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1)
            for image, (_, height, width) in zip(pixels.cpu().numpy(), batch, strict=True):
                yield image[:height, :width]

    def decoder_sensitivity(
        self, latent: np.ndarray, height: int, width: int, *, probes: int = 2, seed: int = 0
    ) -> np.ndarray:
        """How much each latent channel matters to the decoded image: (C,) float64.

        s_c = trace(J_cᵀ J_c) / (h·w) / (3·H·W), the pixel MSE that noise of unit variance in
        channel c causes per latent value, where J_c is the Jacobian of the clamped [0, 1]
        image, cropped to (height, width) = (H, W), with respect to channel c of the (h, w)
        latent in its own (diffusion-space) scale. Estimated with `probes` vector–Jacobian
        products: for v ~ N(0, I) over the pixels, E ||(Jᵀv)_c||² = trace(J_cᵀ J_c). Each
        probe already sums h·w squared gradients: two single probes differed by 5 % (median
        over channels, 15 % at most) on kodim23 with TAEF2 and TAESDXL. One decode with
        gradients and `probes` backward passes; v comes from a generator seeded with `seed`
        on the CPU, so the result does not depend on the device's random numbers.
        """
        tensor, height, width = self._checked_latent((latent, height, width))
        generator = torch.Generator().manual_seed(seed)
        noise = [torch.randn((3, height, width), generator=generator) for _ in range(probes)]
        sums = self._gradient_sums(self.network, tensor, height, width, noise)
        if self._float32_copy is not None and not torch.isfinite(sums).all():
            log.warning(
                "%s gave NaN/Inf gradients in %s; redoing them in float32", self.name, self.dtype
            )
            sums = self._gradient_sums(self.float32_network(), tensor, height, width, noise)
        if not torch.isfinite(sums).all():
            raise LatentCodecError(f"{self.name}: decoder gradients are not finite")
        positions = tensor.shape[1] * tensor.shape[2]
        return sums.numpy() / probes / positions / (3 * height * width)

    def _gradient_sums(self, network, latent, height, width, noise) -> torch.Tensor:
        """Σ over probes and positions of (Jᵀv)², per channel, float64 on the CPU."""
        with torch.enable_grad():
            inputs = latent[None].to(self.device).requires_grad_()
            tiles = self._tiles(self.downsample)
            pixels = self._forward(network, self._decode, inputs, tiles, self.downsample)
            pixels = pixels[0, :, :height, :width].clamp(0, 1)
            sums = torch.zeros(latent.shape[0], dtype=torch.float64)
            for index, probe in enumerate(noise):
                (gradient,) = torch.autograd.grad(
                    pixels, inputs, probe.to(self.device), retain_graph=index < len(noise) - 1
                )
                sums += gradient[0].double().square().sum(dim=(1, 2)).cpu()
        return sums

    def padded_pixels(self, image: np.ndarray) -> torch.Tensor:
        """(H, W, 3) uint8 → (3, H + bottom, W + right) float32 in [0, 1], edge-padded."""
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise LatentCodecError(
                f"expected an (H, W, 3) uint8 image, got {image.dtype} {image.shape}"
            )
        bottom, right = self.padding(*image.shape[:2])
        padded = np.pad(image, ((0, bottom), (0, right), (0, 0)), mode="edge")
        return torch.from_numpy(padded).permute(2, 0, 1).float() / 255

    def _checked_latent(self, item: tuple[np.ndarray, int, int]):
        latent, height, width = item
        if latent.ndim != 3 or latent.shape[0] != self.channels:
            raise LatentCodecError(
                f"{self.name} decodes ({self.channels}, h, w) latents, got {latent.shape}"
            )
        if not np.all(np.isfinite(latent)):
            raise LatentCodecError(f"refusing to decode a latent with NaN or Inf ({self.name})")
        return torch.from_numpy(np.ascontiguousarray(latent, dtype=np.float32)), height, width

    def _tiles(self, pixels_per_sample: int) -> tuple[int, int] | None:
        """(tile, overlap) in the samples of the network's input, or None without tiling."""
        if self.tile is None:
            return None
        return self.tile // pixels_per_sample, self.overlap // pixels_per_sample

    def _run(self, forward: Callable, inputs: torch.Tensor, tiles, *, scale: float):
        """`forward` in the model's dtype; redone in float32 if that overflows to NaN/Inf."""
        outputs = self._forward(self.network, forward, inputs, tiles, scale)
        if self._float32_copy is not None and not torch.isfinite(outputs).all():
            log.warning(
                "%s gave NaN/Inf in %s for a batch of %s; redoing it in float32",
                self.name,
                self.dtype,
                tuple(inputs.shape),
            )
            outputs = self._forward(self.float32_network(), forward, inputs, tiles, scale)
        return outputs

    def float32_network(self) -> torch.nn.Module:
        """The network in float32 on the device: the model's own, or a copy made once."""
        if self._float32_network is None:
            self._float32_network = self._float32_copy.to(
                self.device, memory_format=torch.channels_last
            )
        return self._float32_network

    def decode_tensor(self, latent: torch.Tensor) -> torch.Tensor:
        """(N, C, h, w) float32 latent on the device → (N, 3, h·s, w·s) pixels, unclamped and
        differentiable, in float32 and untiled: what latent refinement descends through."""
        return self._decode(self.float32_network(), latent).float()

    def _forward(self, network, forward, inputs, tiles, scale) -> torch.Tensor:
        dtype = next(network.parameters()).dtype
        inputs = inputs.to(self.device, dtype, memory_format=torch.channels_last)
        if tiles is None or max(inputs.shape[-2:]) <= tiles[0]:
            return forward(network, inputs).float()
        tile, overlap = tiles
        return run_tiled(
            lambda piece: forward(network, piece), inputs, tile=tile, overlap=overlap, scale=scale
        )

    @abstractmethod
    def _encode(self, network: torch.nn.Module, pixels: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) in [0, 1] → (N, C, H/s, W/s)."""

    @abstractmethod
    def _decode(self, network: torch.nn.Module, latent: torch.Tensor) -> torch.Tensor:
        """(N, C, h, w) → (N, 3, h·s, w·s), nominally in [0, 1]."""


def _shape(tensor: torch.Tensor) -> tuple[int, ...]:
    return tuple(tensor.shape)


def _shape_of_first(item: tuple) -> tuple[int, ...]:
    return tuple(item[0].shape)


class DiffusersKL(LatentModel):
    """A diffusers AutoencoderKL (SD/SDXL-style VAE): images in [−1, 1], mode of the posterior."""

    def __init__(self, spec: ModelSpec, vae, device: torch.device, dtype=torch.float32, **options):
        self.scaling = float(vae.config.scaling_factor)
        self.shift = float(getattr(vae.config, "shift_factor", None) or 0.0)
        super().__init__(spec, vae, device, dtype, **options)

    def _encode(self, network, pixels):
        mode = network.encode(pixels * 2 - 1).latent_dist.mode()
        return (mode - self.shift) * self.scaling

    def _decode(self, network, latent):
        return (network.decode(latent / self.scaling + self.shift).sample + 1) / 2


class DiffusersTiny(LatentModel):
    """A diffusers AutoencoderTiny (TAESD for SD/SDXL): images in [−1, 1], deterministic."""

    def _encode(self, network, pixels):
        return network.encode(pixels * 2 - 1).latents

    def _decode(self, network, latent):
        return (network.decode(latent).sample + 1) / 2


DIFFUSERS_FAMILIES = {
    "diffusers-kl": (DiffusersKL, "AutoencoderKL"),
    "diffusers-tiny": (DiffusersTiny, "AutoencoderTiny"),
}


class TinyAutoencoder(LatentModel):
    """A TAESD-family encoder/decoder pair: images in [0, 1], deterministic latents."""

    def __init__(
        self,
        spec: ModelSpec,
        encoder,
        decoder,
        device: torch.device,
        dtype=torch.float32,
        **options,
    ):
        network = torch.nn.ModuleDict({"encoder": encoder, "decoder": decoder})
        super().__init__(spec, network, device, dtype, **options)

    def _encode(self, network, pixels):
        return network["encoder"](pixels)

    def _decode(self, network, latent):
        return network["decoder"](latent)


def load_model(
    name: str,
    *,
    device: str = "auto",
    mirror: Path | None = None,
    threads: int | None = None,
    dtype: str = "float32",
    batch_size: int = 1,
    tile: int | None = None,
    overlap: int = 64,
) -> LatentModel:
    """Load a registered model with its published weights, once per job.

    `mirror` (see `latentcodec.sources`) is used instead of the network when given.
    `threads` sets torch's CPU thread count (Snakemake's `threads:`). `dtype` must be one the
    registry lists as safe for the model (the original SDXL VAE gives NaNs in float16), or
    'auto'. `batch_size`, `tile` and `overlap` are described in `LatentModel`.
    """
    spec = get_spec(name)
    if threads:
        torch.set_num_threads(threads)
    torch_device = resolve_device(device)
    torch_dtype = resolve_dtype(spec, dtype, torch_device)
    options = {"batch_size": batch_size, "tile": tile, "overlap": overlap}
    log.info(
        "loading %s on %s in %s (%d CPU threads, batches of %d, tiles of %s px)",
        name,
        torch_device,
        str(torch_dtype).removeprefix("torch."),
        torch.get_num_threads(),
        batch_size,
        tile or "no",
    )
    if spec.family in DIFFUSERS_FAMILIES:
        wrapper, _ = DIFFUSERS_FAMILIES[spec.family]
        return wrapper(spec, _pretrained(spec, mirror), torch_device, torch_dtype, **options)
    encoder, decoder = _tiny_networks(spec)
    weights = model_weights(spec.name, ("encoder", "decoder"), url=spec.source, mirror=mirror)
    for network, part in ((encoder, "encoder"), (decoder, "decoder")):
        log.info("%s: SHA-256 %s", weights[part].path, weights[part].sha256)
        _load_state_dict_strict(network, weights[part].path)
    return TinyAutoencoder(spec, encoder, decoder, torch_device, torch_dtype, **options)


def random_model(
    name: str,
    *,
    seed: int = 0,
    device: str = "cpu",
    dtype: str = "float32",
    options: dict | None = None,
    **overrides,
) -> LatentModel:
    """A registered model's architecture with random weights (tests, timing; no download).

    `options` are `LatentModel`'s (batch_size, tile, overlap); `overrides` change
    architecture entries, e.g. smaller `block_out_channels` for fast tests.
    """
    spec = get_spec(name)
    torch.manual_seed(seed)
    torch_device = resolve_device(device)
    torch_dtype = resolve_dtype(spec, dtype, torch_device)
    if spec.family in DIFFUSERS_FAMILIES:
        wrapper, class_name = DIFFUSERS_FAMILIES[spec.family]
        vae_class = getattr(importlib.import_module("diffusers"), class_name)
        vae = vae_class(**{**spec.architecture, **overrides})
        return wrapper(spec, vae, torch_device, torch_dtype, **(options or {}))
    return TinyAutoencoder(
        spec, *_tiny_networks(spec), torch_device, torch_dtype, **(options or {})
    )


def _tiny_networks(spec: ModelSpec):
    channels, global_norm = spec.architecture["latent_channels"], spec.architecture["global_norm"]
    return build_encoder(channels, global_norm), build_decoder(channels, global_norm)


def _load_state_dict_strict(network: torch.nn.Module, path: Path) -> None:
    """Load `.safetensors` or `.pth` weights (float16/bfloat16 → float32), every key matching."""
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            state = load_file(path, device="cpu")
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
        network.load_state_dict({key: value.float() for key, value in state.items()}, strict=True)
    except Exception as error:  # RuntimeError, UnpicklingError, SafetensorError, KeyError…
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

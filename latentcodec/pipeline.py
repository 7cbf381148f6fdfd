"""The steps of the experiment, one function per workflow job, each over a list of images.

    image ──encode──▶ float latent ──quantize(b)──▶ integers + ranges
          ──compress(codec, q)──▶ file ──reconstruct──▶ decoded image ──▶ metrics row
    float latent ──ceiling──▶ decoded image ──▶ metrics row (the autoencoder's own limit)

Model steps import torch lazily and load the model once per call; the quantize and
compress steps never import torch. Every file is written atomically.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from latentcodec.codecs import get_codec
from latentcodec.errors import LatentCodecError
from latentcodec.io import load_arrays, read_rgb, save_arrays, write_bytes_atomic, write_png
from latentcodec.metrics import bits_per_pixel, psnr, ssim
from latentcodec.models import get_spec
from latentcodec.packing import pack, unpack
from latentcodec.quantize import Quantized, dequantize, quantize
from latentcodec.sources import resolve_mirror
from latentcodec.tables import CEILING_CODEC, write_table

log = logging.getLogger(__name__)

Paths = Sequence[str | os.PathLike]


def _same_length(**lists: Paths) -> None:
    lengths = {name: len(value) for name, value in lists.items()}
    if len(set(lengths.values())) != 1:
        raise LatentCodecError(f"mismatched numbers of files: {lengths}")


def encode_images(
    model: str,
    images: Paths,
    latents: Paths,
    *,
    device: str = "auto",
    mirror: str | None = None,
    threads: int | None = None,
) -> None:
    """Encode each image to a float latent (.npz with the latent, model id, size, padding)."""
    from latentcodec.autoencoders import load_model

    _same_length(images=images, latents=latents)
    network = load_model(model, device=device, mirror=resolve_mirror(mirror), threads=threads)
    for image_path, latent_path in zip(images, latents, strict=True):
        image = read_rgb(image_path)
        height, width = image.shape[:2]
        latent = network.encode(image)
        log.info("%s → latent %s", image_path, latent.shape)
        save_arrays(
            latent_path,
            latent=latent,
            model=np.array(model),
            height=np.array(height),
            width=np.array(width),
            padding=np.array(network.padding(height, width)),
        )


def quantize_latents(latents: Paths, quantized: Paths, *, bits: int) -> None:
    """Quantise each float latent to `bits`-bit integers over per-channel ranges."""
    _same_length(latents=latents, quantized=quantized)
    for latent_path, out_path in zip(latents, quantized, strict=True):
        stored = load_arrays(latent_path, "latent", "model", "height", "width")
        result = quantize(stored["latent"], bits)
        save_arrays(
            out_path,
            values=result.values,
            lo=result.lo,
            hi=result.hi,
            bits=np.array(bits),
            model=stored["model"],
            height=stored["height"],
            width=stored["width"],
        )


def _load_quantized(path: str | os.PathLike) -> tuple[Quantized, dict]:
    stored = load_arrays(path, "values", "lo", "hi", "bits", "model", "height", "width")
    quantized = Quantized(stored["values"], stored["lo"], stored["hi"], int(stored["bits"]))
    return quantized, stored


def compress_latents(
    quantized: Paths,
    compressed: Paths,
    *,
    codec: str,
    bits: int,
    quality: int | None,
    options: dict | None = None,
) -> None:
    """Pack each integer latent into an image and store it with the codec."""
    _same_length(quantized=quantized, compressed=compressed)
    coder = get_codec(codec, **(options or {}))
    for in_path, out_path in zip(quantized, compressed, strict=True):
        latent, _ = _load_quantized(in_path)
        if latent.bits != bits:
            raise LatentCodecError(f"{in_path}: holds {latent.bits}-bit values, expected {bits}")
        data = coder.encode(pack(latent.values, coder.preferred_planes), bits, quality)
        log.info("%s → %s, %d bytes", in_path, out_path, len(data))
        write_bytes_atomic(out_path, data)


def reconstruct(
    model: str,
    *,
    sources: Paths,
    quantized: Paths,
    compressed: Paths,
    recons: Paths,
    table: str | os.PathLike,
    codec: str,
    bits: int,
    quality: str,
    quality_value: int | None,
    device: str = "auto",
    mirror: str | None = None,
    threads: int | None = None,
) -> None:
    """Decode each stored latent with the codec, dequantise, VAE-decode, and measure.

    The decoder uses only the stored file, the side information (per-channel ranges) and
    the experiment's constants (model, image size, bit depth); the original integers are
    read only to record whether the codec's round trip was exact.
    """
    from latentcodec.autoencoders import load_model

    _same_length(sources=sources, quantized=quantized, compressed=compressed, recons=recons)
    coder = get_codec(codec)
    network = load_model(model, device=device, mirror=resolve_mirror(mirror), threads=threads)
    spec = get_spec(model)
    rows = []
    files = zip(sources, quantized, compressed, recons, strict=True)
    for source, side_path, file_path, recon_path in files:
        original, stored = _load_quantized(side_path)
        data = Path(file_path).read_bytes()
        values = unpack(coder.decode(data), spec.channels, coder.preferred_planes)
        if values.shape != original.values.shape:
            raise LatentCodecError(
                f"{file_path}: decodes to a latent of shape {values.shape}, "
                f"expected {original.values.shape}"
            )
        received = Quantized(values.astype(original.values.dtype), original.lo, original.hi, bits)
        height, width = int(stored["height"]), int(stored["width"])
        image = network.decode(dequantize(received), height, width)
        write_png(recon_path, image)
        rows.append(
            _row(
                source=source,
                image=image,
                model=model,
                codec=codec,
                bits=bits,
                quality=quality,
                quality_value=quality_value,
                stored_bytes=len(data),
                side_bytes=received.side_bytes,
                exact=bool(np.array_equal(values, original.values)),
                channels=spec.channels,
                compressed=file_path,
                recon=recon_path,
            )
        )
    write_table(rows, table)


def reconstruct_ceiling(
    model: str,
    *,
    sources: Paths,
    latents: Paths,
    recons: Paths,
    table: str | os.PathLike,
    device: str = "auto",
    mirror: str | None = None,
    threads: int | None = None,
) -> None:
    """Decode the float latents as they are: the autoencoder's limit without quantisation."""
    from latentcodec.autoencoders import load_model

    _same_length(sources=sources, latents=latents, recons=recons)
    network = load_model(model, device=device, mirror=resolve_mirror(mirror), threads=threads)
    rows = []
    for source, latent_path, recon_path in zip(sources, latents, recons, strict=True):
        stored = load_arrays(latent_path, "latent", "height", "width")
        latent = stored["latent"]
        image = network.decode(latent, int(stored["height"]), int(stored["width"]))
        write_png(recon_path, image)
        rows.append(
            _row(
                source=source,
                image=image,
                model=model,
                codec=CEILING_CODEC,
                bits=32,
                quality="float32",
                quality_value=None,
                stored_bytes=latent.astype(np.float32).nbytes,
                side_bytes=0,
                exact=True,
                channels=latent.shape[0],
                compressed=latent_path,
                recon=recon_path,
            )
        )
    write_table(rows, table)


def _row(*, source, image, stored_bytes, side_bytes, bits, **labels) -> dict:
    original = read_rgb(source)
    height, width = original.shape[:2]
    return {
        "image": Path(source).stem,
        "bitdepth": bits,
        "bytes": stored_bytes,
        "side_bytes": side_bytes,
        "bpp": bits_per_pixel(stored_bytes, side_bytes, width, height),
        "psnr": psnr(original, image),
        "ssim": ssim(original, image),
        "width": width,
        "height": height,
        "source": str(source),
        **{
            key: str(value) if isinstance(value, os.PathLike) else value
            for key, value in labels.items()
        },
    }

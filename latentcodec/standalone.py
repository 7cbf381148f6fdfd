"""One image to one self-contained `.lcf` file and back: the workflow's steps, chained.

    encode: image ──model.encode──▶ float latent ──quantize──▶ integers + ranges
            ──pack──▶ mosaic ──codec.encode──▶ payload ──▶ LatentContainer
    decode: LatentContainer ──codec.decode──▶ mosaic ──unpack, clip──▶ integers
            ──dequantize──▶ latent ──model.decode──▶ image (cropped to the original size)

A codec that codes the latent itself (lac, `Codec.packs` False) skips pack and unpack; at a
lossy quality it takes the decoder's sensitivity, measured here as in the workflow's
`measure_sensitivity` job (the same probes and seed), so lossy lac files match the workflow's.

These are the functions the workflow's jobs use (`pipeline.encode_images`,
`quantize_latents`, `compress_latents`, `reconstruct`), in the same order and with the same
clipping of lossy values, so a file decodes to the pixels the workflow measures for the
same image and settings. Torch-free: the caller loads the model and passes it in.
"""

from __future__ import annotations

import numpy as np

from latentcodec.codecs import Codec
from latentcodec.container import LatentContainer
from latentcodec.errors import LatentCodecError, prefix_errors
from latentcodec.models import ModelSpec
from latentcodec.packing import pack, unpack
from latentcodec.pipeline import SENSITIVITY_PROBES, sensitivity_per_integer
from latentcodec.quantize import Quantized, dequantize, integer_dtype, quantize


def check_codec_settings(
    codec_class: type[Codec], bits: int, packing: str, quality_value: int | None
) -> None:
    """Refuse, before any model runs, a setting the codec cannot store (naming the flag)."""
    with prefix_errors("--bits"):
        codec_class.check_bits(bits)
    with prefix_errors("--packing"):
        codec_class.check_packing(packing)
    with prefix_errors("--quality"):
        codec_class.check_quality(quality_value)


def encode_image(
    network,
    image: np.ndarray,
    *,
    coder: Codec,
    bits: int,
    packing: str,
    quality_value: int | None,
) -> LatentContainer:
    """Encode an (H, W, 3) uint8 image with a loaded model (`autoencoders.load_model`)."""
    height, width = image.shape[:2]
    float_latent = network.encode(image)
    latent = quantize(float_latent, bits)
    if not coder.packs:
        sensitivity = None
        if coder.uses_sensitivity and not coder.is_lossless(quality_value):
            measured = network.decoder_sensitivity(
                float_latent, height, width, probes=SENSITIVITY_PROBES
            )
            sensitivity = sensitivity_per_integer(measured, latent)
        payload = coder.encode(latent.values, bits, quality_value, sensitivity)
    else:
        payload = coder.encode(pack(latent.values, coder.planes_for(packing)), bits, quality_value)
    return LatentContainer(
        model=network.name,
        height=height,
        width=width,
        padding=network.padding(height, width),
        bits=bits,
        packing=packing,
        lo=latent.lo,
        hi=latent.hi,
        codec=coder.name,
        quality=quality_value,
        payload=payload,
    )


def read_latent(container: LatentContainer, coder: Codec, spec: ModelSpec, source) -> Quantized:
    """The integer latent a container holds, checked against the model it names; no torch.

    Lossy codecs can return values just outside the bit range: they are clipped, as the
    workflow does before dequantising.
    """
    if container.channels != spec.channels:
        raise LatentCodecError(
            f"{source}: holds {container.channels} channel ranges, but {spec.name} latents "
            f"have {spec.channels} channels"
        )
    try:
        decoded = coder.decode(container.payload)
        if coder.packs:
            values = unpack(decoded, spec.channels, coder.planes_for(container.packing))
        else:
            values = decoded
    except LatentCodecError as error:
        raise LatentCodecError(f"{source}: {error}") from None
    bottom, right = container.padding
    padded = (container.height + bottom, container.width + right)
    if padded[0] % spec.downsample or padded[1] % spec.downsample:
        raise LatentCodecError(
            f"{source}: image {container.height}×{container.width} padded by "
            f"{container.padding} is not a multiple of {spec.name}'s {spec.downsample}"
        )
    expected = (spec.channels, padded[0] // spec.downsample, padded[1] // spec.downsample)
    if values.shape != expected:
        raise LatentCodecError(
            f"{source}: the payload decodes to a latent of shape {values.shape}, but a "
            f"{container.height}×{container.width} image gives {expected} with {spec.name}"
        )
    clipped = np.clip(values, 0, 2**container.bits - 1).astype(integer_dtype(container.bits))
    return Quantized(clipped, container.lo, container.hi, container.bits)


def decode_latent(network, latent: Quantized, container: LatentContainer) -> np.ndarray:
    """Dequantise and decode with a loaded model: the (height, width, 3) uint8 image."""
    return network.decode(dequantize(latent), container.height, container.width)

"""One latent to one self-contained `.lcf` file and back: the file the workflow stores for
every latent row, the CLI writes and reads, and whose bytes are that row's bpp.

    store:  integers + ranges ──latent codec.encode──▶ payload ──▶ LatentContainer
    read:   LatentContainer ──latent codec.decode, clip──▶ integers + ranges
    image:  image ──model.encode──▶ float latent ──quantize──▶ store   (`encode_image`)
            read ──dequantize──▶ latent ──model.decode──▶ image        (`decode_latent`)

The latent codec (`latentcodec.codecs.registry.latent_codec`) is an image codec behind the
packing adapter, or lac, which codes the latent itself. A codec that `needs_sensitivity` at
its quality (lossy lac) takes the decoder's sensitivity per channel, measured with
`SENSITIVITY_PROBES` probes and a fixed seed, in the workflow's `measure_sensitivity` job as in
`encode_image`, so the CLI's files match the workflow's. Torch-free: the caller loads the
model and passes it in. The workflow's jobs (`workflow.store`, `workflow.decode`) store and
read every latent file through `store_latent` and `read_latent`, so a file the CLI writes for
an image and setting is the file the workflow measures.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from latentcodec.codecs.base import LatentCodec
from latentcodec.codecs.container import LatentContainer
from latentcodec.errors import LatentCodecError, prefix_errors
from latentcodec.models.registry import ModelSpec, get_spec
from latentcodec.quantize import Quantized, dequantize, integer_dtype, quantize
from latentcodec.routes import DIRECT_ENCODER

# Vector–Jacobian products per image for the decoder sensitivity. Two single probes differ by
# ~5 % per channel (median), so two give ~3.5 % on the sensitivity and ~2 % on lac's steps
# (∝ 1/√sensitivity), where the rate–distortion optimum is flat; channels differ by up to 60×.
# Each probe costs one backward pass (about two decodes).
SENSITIVITY_PROBES = 2


def check_codec_settings(
    codec_class: type[LatentCodec], bits: int, packing: str, quality_value: int | None
) -> None:
    """Refuse, before any model runs, a setting the codec cannot store (naming the flag)."""
    with prefix_errors("--bits"):
        codec_class.check_bits(bits)
    with prefix_errors("--packing"):
        codec_class.check_packing(packing)
    with prefix_errors("--quality"):
        codec_class.check_quality(quality_value)


def sensitivity_per_integer(sensitivity: np.ndarray, latent: Quantized) -> np.ndarray:
    """Decoder sensitivity per unit of the b-bit integers, the unit lac's steps are in.

    The chain: `LatentModel.decoder_sensitivity` gives s_c, pixel MSE (pixels in [0, 1]) per
    unit of noise variance on one value of channel c of the float latent (diffusion space).
    The integers map to that latent as x = lo_c + q · step_c, step_c = (hi_c − lo_c) / (2^b − 1)
    (`latentcodec.quantize`), so noise of variance σ² in integer units is σ² · step_c² in
    latent units and costs s_c · step_c² per integer unit. lac sets channel steps
    ∝ 1/√(that) (`lac.channel_steps`: only ratios between channels matter there). A channel
    that costs nothing (constant, hi = lo, or ignored by the decoder) gets a floor of 10⁻¹²
    times the largest, so that its step becomes the largest lac allows rather than undefined.
    """
    per_integer = sensitivity * latent.step() ** 2
    if not np.any(per_integer > 0):
        return np.ones_like(per_integer)
    return np.maximum(per_integer, 1e-12 * per_integer.max())


def store_latent(
    latent: Quantized,
    *,
    model: str,
    height: int,
    width: int,
    coder: LatentCodec,
    quality_value: int | None,
    sensitivity: np.ndarray | None = None,
    encoder: str = DIRECT_ENCODER,
) -> LatentContainer:
    """The `.lcf` container of one integer latent of an image of `height` × `width` pixels.

    `sensitivity` is the decoder's per channel in the float latent's units
    (`LatentModel.decoder_sensitivity`); a codec that `needs_sensitivity` requires it.
    `encoder` says how the latent was made (`models.refinement.encoder_description`).
    """
    per_integer = None
    if coder.needs_sensitivity(quality_value):
        if sensitivity is None:
            raise LatentCodecError(f"{coder.name} at quality {quality_value} needs a sensitivity")
        per_integer = sensitivity_per_integer(sensitivity, latent)
    payload = coder.encode(latent.values, latent.bits, quality_value, per_integer)
    return LatentContainer(
        model=model,
        height=height,
        width=width,
        padding=get_spec(model).padding(height, width),
        bits=latent.bits,
        packing=coder.packing,
        lo=latent.lo,
        hi=latent.hi,
        codec=coder.name,
        quality=quality_value,
        payload=payload,
        clip=latent.clip,
        encoder=encoder,
    )


def encode_image(
    network,
    image: np.ndarray,
    *,
    coder: LatentCodec,
    bits: int,
    quality_value: int | None,
    clip: float | None = None,
    refine: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, str]] | None = None,
    settle: Callable[..., Quantized] | None = None,
) -> LatentContainer:
    """Encode an (H, W, 3) uint8 image with a loaded model (`autoencoders.load_model`),
    quantised over per-channel ranges, or over [−clip, clip] (`latentcodec.quantize`).
    `refine(image, latent)` → (refined latent, its description) searches the latent through
    the decoder first (`models.refine`); the file records the description.
    `settle(image, latent, quantized, sensitivity)` → the integers to store instead, on the
    same grid: rate-aware refinement for the coder (`codecs.lac_rate`)."""
    height, width = image.shape[:2]
    float_latent = network.encode(image)
    encoder = DIRECT_ENCODER
    if refine is not None:
        float_latent, encoder = refine(image, float_latent)
    sensitivity = None
    if coder.needs_sensitivity(quality_value):
        sensitivity = network.decoder_sensitivity(
            float_latent, height, width, probes=SENSITIVITY_PROBES
        )
    quantized = quantize(float_latent, bits, clip)
    if settle is not None:
        quantized = settle(image, float_latent, quantized, sensitivity)
    return store_latent(
        quantized,
        model=network.name,
        height=height,
        width=width,
        coder=coder,
        quality_value=quality_value,
        sensitivity=sensitivity,
        encoder=encoder,
    )


def read_latent(
    container: LatentContainer, coder: LatentCodec, spec: ModelSpec, source
) -> Quantized:
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
        values = coder.decode(container.payload, spec.channels)
    except LatentCodecError as error:
        raise LatentCodecError(f"{source}: {error}") from None
    bottom, right = container.padding
    if (container.height + bottom) % spec.downsample or (container.width + right) % spec.downsample:
        raise LatentCodecError(
            f"{source}: image {container.height}×{container.width} padded by "
            f"{container.padding} is not a multiple of {spec.name}'s {spec.downsample}"
        )
    expected = latent_shape(container, spec)
    if values.shape != expected:
        raise LatentCodecError(
            f"{source}: the payload decodes to a latent of shape {values.shape}, but a "
            f"{container.height}×{container.width} image gives {expected} with {spec.name}"
        )
    clipped = np.clip(values, 0, 2**container.bits - 1).astype(integer_dtype(container.bits))
    return Quantized(clipped, container.lo, container.hi, container.bits, container.clip)


def latent_shape(container: LatentContainer, spec: ModelSpec) -> tuple[int, int, int]:
    """(C, h, w) of the latent a container holds: its padded image over the model's scale."""
    bottom, right = container.padding
    return (
        spec.channels,
        (container.height + bottom) // spec.downsample,
        (container.width + right) // spec.downsample,
    )


def decode_latent(network, latent: Quantized, container: LatentContainer) -> np.ndarray:
    """Dequantise and decode with a loaded model: the (height, width, 3) uint8 image."""
    return network.decode(dequantize(latent), container.height, container.width)

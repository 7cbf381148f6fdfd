"""The torch-free jobs between the model's encode and decode: float latents to integers
(`quantize_latents`), integers to one self-contained `.lcf` file each (`compress_latents`,
through `lcf.store_latent`: the file `latentcodec encode` writes, whose bytes are the row's
bpp), and a stored file read back, checked against the setting it was stored at
(`read_back`). Every file is written atomically.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from latentcodec.codecs.container import read_container, write_container
from latentcodec.codecs.lcf import read_latent, store_latent
from latentcodec.codecs.quantized_file import load_quantized, save_quantized
from latentcodec.codecs.registry import latent_codec
from latentcodec.errors import LatentCodecError
from latentcodec.io import load_arrays
from latentcodec.models.registry import get_spec
from latentcodec.quantize import Quantized, clipped_share, quantize, quantizer_name
from latentcodec.routes import DIRECT_ENCODER
from latentcodec.workflow.jobs import EncodeClock, Paths, same_length
from latentcodec.workflow.setting import Setting, StoredFile

log = logging.getLogger(__name__)


def quantize_latents(
    latents: Paths, quantized: Paths, *, bits: int, clip: float | None = None
) -> None:
    """Quantise each float latent to `bits`-bit integers over per-channel ranges, or over
    the fixed range [−clip, clip]; the share of values clipped goes with them."""
    same_length(latents=latents, quantized=quantized)
    for latent_path, out_path in zip(latents, quantized, strict=True):
        stored = load_arrays(latent_path, "latent", "model", "height", "width")
        result = quantize(stored["latent"], bits, clip)
        share = clipped_share(stored["latent"], result)
        if share:
            log.info("%s: %.3f %% of the values clipped to ±%g", latent_path, 100 * share, clip)
        save_quantized(
            out_path,
            result,
            clipped=share,
            model=stored["model"],
            height=stored["height"],
            width=stored["width"],
        )


def load_sensitivity(path: str | os.PathLike, channels: int) -> np.ndarray:
    """A sensitivity file written by `encode.measure_sensitivity`, checked: (C,) finite, ≥ 0."""
    try:
        sensitivity = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise LatentCodecError(f"{path}: cannot read ({error})") from error
    if (
        sensitivity.shape != (channels,)
        or not np.all(np.isfinite(sensitivity))
        or np.any(sensitivity < 0)
    ):
        raise LatentCodecError(
            f"{path}: expected {channels} finite non-negative sensitivities, got "
            f"{sensitivity.dtype} {sensitivity.shape}"
        )
    return sensitivity.astype(np.float64)


def compress_latents(
    quantized: Paths,
    compressed: Paths,
    *,
    setting: Setting,
    options: dict | None = None,
    sensitivities: Paths = (),
    encoder: str = DIRECT_ENCODER,
    seconds: str | os.PathLike | None = None,
) -> None:
    """Store each integer latent at `setting` (built with the codec's `options`) as a
    self-contained `.lcf` file, which records how the latent was made (`encoder`: its
    description); `seconds` gets each file's encode time. A codec that `needs_sensitivity` at
    the setting's quality (lossy lac) takes each latent's decoder sensitivity, given in
    `sensitivities`."""
    same_length(quantized=quantized, compressed=compressed)
    coder = latent_codec(setting.codec, setting.packing, **(options or {}))
    sensitivity_needed = coder.needs_sensitivity(setting.quality_value)
    if sensitivity_needed:
        same_length(quantized=quantized, sensitivities=sensitivities)
    elif sensitivities:
        raise LatentCodecError(
            f"{setting.codec} at quality {setting.quality_value} takes no sensitivity files"
        )
    clock = EncodeClock()
    for index, (in_path, out_path) in enumerate(zip(quantized, compressed, strict=True)):
        latent, stored = load_quantized(in_path)
        if latent.bits != setting.bits:
            raise LatentCodecError(
                f"{in_path}: holds {latent.bits}-bit values, expected {setting.bits}"
            )
        sensitivity = None
        if sensitivity_needed:
            sensitivity = load_sensitivity(sensitivities[index], latent.values.shape[0])
        with clock.timed(image=Path(out_path).stem):
            container = store_latent(
                latent,
                model=str(stored["model"]),
                height=int(stored["height"]),
                width=int(stored["width"]),
                coder=coder,
                quality_value=setting.quality_value,
                sensitivity=sensitivity,
                encoder=encoder,
            )
        size = write_container(out_path, container)
        log.info("%s → %s, %d bytes", in_path, out_path, size)
    clock.write(seconds)


@dataclass(frozen=True)
class ReadBack:
    """A stored file read back: the integers it gives back (with the file's own ranges, lossy
    values clipped to the bit range), the integers it was made of, the file, and the size of
    the image."""

    received: Quantized
    original: Quantized
    file: StoredFile
    height: int
    width: int


def read_back(
    path: str | os.PathLike, coder, setting: Setting, quantized_path: str | os.PathLike
) -> ReadBack:
    """A stored `.lcf` file read back as the setting's `coder` stored it, checked against the
    image and setting it was stored for (from the integer latent it was made of, at
    `quantized_path`)."""
    original, stored = load_quantized(quantized_path)
    height, width = int(stored["height"]), int(stored["width"])
    container = read_container(path)
    found = (container.model, container.height, container.width, container.codec)
    found += (container.bits, container.packing, quantizer_name(container.clip))
    expected = (setting.model, height, width, coder.name, setting.bits, coder.packing)
    expected += (quantizer_name(original.clip),)
    if found != expected or container.quality != setting.quality_value:
        raise LatentCodecError(
            f"{path}: holds (model, height, width, codec, bits, packing, quantizer) {found} "
            f"at quality {container.quality}, expected {expected} at quality "
            f"{setting.quality_value}"
        )
    received = read_latent(container, coder, get_spec(setting.model), path)
    size = Path(path).stat().st_size
    file = StoredFile(
        compressed=str(path),
        bytes=size,
        side_bytes=size - len(container.payload),
        exact=bool(np.array_equal(received.values, original.values)),
        quantizer=original.quantizer,
        clipped=float(stored["clipped"]),
    )
    return ReadBack(received, original, file, height, width)

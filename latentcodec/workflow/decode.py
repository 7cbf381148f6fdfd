"""The model's jobs that decode and measure, one row per image (`latentcodec.workflow.rows`):

    integers ──decode_quantized──▶ decoded image ──▶ row, reused by every lossless codec
          whose files `verify_lossless` finds exact (one decode per distinct latent)
    .lcf file ──reconstruct──▶ decoded image ──▶ row (lossy codecs)
    float latent ──reconstruct_ceiling──▶ decoded image ──▶ row (the autoencoder's own limit)

Each loads the model once per call (`encode.load_network`). Every file is written atomically.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from latentcodec.codecs.quantized_file import load_quantized
from latentcodec.codecs.registry import latent_codec
from latentcodec.errors import LatentCodecError
from latentcodec.io import load_arrays
from latentcodec.measure.perceptual import PERCEPTUAL_METRICS
from latentcodec.quantize import dequantize
from latentcodec.routes import DIRECT_ENCODER
from latentcodec.tables import CEILING_QUALITY, FLOAT_PRECISIONS, NO_QUANTIZER, write_table
from latentcodec.workflow.encode import load_network
from latentcodec.workflow.jobs import Paths, same_length
from latentcodec.workflow.rows import (
    LatentDecode,
    decode_and_measure,
    measured_by_image,
    setting_row,
)
from latentcodec.workflow.setting import Setting, StoredFile
from latentcodec.workflow.store import read_back


def raw_integer_bytes(latent) -> int:
    """The size of an integer latent kept as it is: its values packed at its bit depth, and
    its ranges."""
    return -(-latent.values.size * latent.bits // 8) + latent.side_bytes


def decode_quantized(
    model: str,
    *,
    encoder: str = DIRECT_ENCODER,
    sources: Paths,
    latents: Paths,
    quantized: Paths,
    recons: Paths,
    table: str | os.PathLike,
    perceptual_metrics: Sequence[str] = PERCEPTUAL_METRICS,
    mirror: str | None = None,
    threads: int | None = None,
    **model_options,
) -> None:
    """Decode the quantised latents of `model`'s `encoder` as they are: what every lossless
    codec gives back.

    One decode per distinct latent: lossless codecs at this bit depth reuse these rows once
    their round trip is verified exact (`verify_lossless`). The rows' bytes are the raw
    packed integers plus the ranges (`raw_integer_bytes`; the ranges are `side_bytes`).
    """
    same_length(sources=sources, latents=latents, quantized=quantized, recons=recons)
    network = load_network(model, mirror, threads, model_options)
    decodes = []
    for side_path in quantized:
        latent, stored = load_quantized(side_path)
        kept = StoredFile(
            compressed=str(side_path),
            bytes=raw_integer_bytes(latent),
            side_bytes=latent.side_bytes,
            exact=True,
            quantizer=latent.quantizer,
            clipped=float(stored["clipped"]),
        )
        size = int(stored["height"]), int(stored["width"])
        setting = Setting.quantized(model, latent.bits, encoder)
        decodes.append(LatentDecode(setting, kept, dequantize(latent), *size))
    rows = decode_and_measure(network, decodes, sources, latents, recons, perceptual_metrics)
    write_table(rows, table)


def verify_lossless(
    *,
    quantized: Paths,
    compressed: Paths,
    decoded_table: str | os.PathLike,
    table: str | os.PathLike,
    setting: Setting,
    options: dict | None = None,
) -> None:
    """Rows of a lossless setting: check each file gives back the exact integers, then take
    the measurements of the decode of those integers (`decode_quantized`'s table) instead of
    running the model again.

    A file that does not round-trip exactly stops the job: a codec declared lossless that is
    not would otherwise be credited with another codec's quality.
    """
    same_length(quantized=quantized, compressed=compressed)
    coder = latent_codec(setting.codec, setting.packing, **(options or {}))
    measured = measured_by_image(decoded_table)
    rows = []
    for side_path, file_path in zip(quantized, compressed, strict=True):
        read = read_back(file_path, coder, setting, side_path)
        if not (
            read.file.exact
            and np.array_equal(read.received.lo, read.original.lo)
            and np.array_equal(read.received.hi, read.original.hi)
        ):
            raise LatentCodecError(
                f"{file_path}: {setting.codec} at quality {setting.quality} is declared "
                f"lossless, but the file does not give back the integers of {side_path}"
            )
        rows.append(setting_row(setting, read.file, measured[Path(side_path).stem]))
    write_table(rows, table)


def reconstruct(
    setting: Setting,
    *,
    sources: Paths,
    latents: Paths,
    quantized: Paths,
    compressed: Paths,
    recons: Paths,
    table: str | os.PathLike,
    options: dict | None = None,
    perceptual_metrics: Sequence[str] = PERCEPTUAL_METRICS,
    mirror: str | None = None,
    threads: int | None = None,
    **model_options,
) -> None:
    """Decode each stored latent with the codec, dequantise, VAE-decode, and measure.

    The decoder uses only the stored `.lcf` file (ranges, size and setting included); the
    original integers are read only to record whether the round trip was exact, and the
    float latent only for the latent-domain error.
    """
    same_length(
        sources=sources, latents=latents, quantized=quantized, compressed=compressed, recons=recons
    )
    coder = latent_codec(setting.codec, setting.packing, **(options or {}))
    network = load_network(setting.model, mirror, threads, model_options)
    decodes = []
    for side_path, file_path in zip(quantized, compressed, strict=True):
        read = read_back(file_path, coder, setting, side_path)
        latent = dequantize(read.received)
        decodes.append(LatentDecode(setting, read.file, latent, read.height, read.width))
    rows = decode_and_measure(network, decodes, sources, latents, recons, perceptual_metrics)
    write_table(rows, table)


def reconstruct_ceiling(
    model: str,
    *,
    encoder: str = DIRECT_ENCODER,
    sources: Paths,
    latents: Paths,
    recons: Paths,
    table: str | os.PathLike,
    perceptual_metrics: Sequence[str] = PERCEPTUAL_METRICS,
    mirror: str | None = None,
    threads: int | None = None,
    precision: str = CEILING_QUALITY,
    **model_options,
) -> None:
    """Decode the float latents as they are: the autoencoder's limit without quantisation
    (float32, the ceiling), or the latent stored as it is at a lower float `precision`
    (`float16`, as the seed study did: rounded, then decoded; its bytes are 16 bits a value)."""
    same_length(sources=sources, latents=latents, recons=recons)
    if precision not in FLOAT_PRECISIONS:
        raise LatentCodecError(f"unknown float precision {precision!r}; known: {FLOAT_PRECISIONS}")
    network = load_network(model, mirror, threads, model_options)
    setting = Setting.float_latent(model, precision, encoder)
    decodes = []
    for latent_path in latents:
        stored = load_arrays(latent_path, "latent", "height", "width")
        latent = stored["latent"].astype(precision)
        kept = StoredFile(
            compressed=str(latent_path),
            bytes=latent.nbytes,  # the float latent kept as it is
            side_bytes=0,
            exact=precision == CEILING_QUALITY,
            quantizer=NO_QUANTIZER,
            clipped=math.nan,
        )
        size = int(stored["height"]), int(stored["width"])
        decodes.append(LatentDecode(setting, kept, latent.astype(np.float32), *size))
    rows = decode_and_measure(network, decodes, sources, latents, recons, perceptual_metrics)
    write_table(rows, table)

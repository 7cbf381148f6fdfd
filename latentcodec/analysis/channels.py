"""Where the bytes of a lossless latent go: per-channel statistics of one model's latents.

`channel_table`: per latent channel of one model, its float range, its empirical entropy at
each bit depth, and its share of the bytes when each channel is stored alone by a lossless
codec. Reads the float and quantised latent files; encodes each channel with the codecs.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import pandas as pd

from latentcodec.codecs.registry import CODECS, get_codec
from latentcodec.errors import LatentCodecError
from latentcodec.io import load_arrays
from latentcodec.tables import TableSchema, write_csv

CHANNEL_TABLE = TableSchema("a channel table", ("channel", "bitdepth", "entropy_bits"))


def lossless_single_plane_codecs(codecs: dict[str, dict], bits: int) -> dict[str, dict]:
    """The configured codecs (and PNG) that can store one plane of `bits` bits losslessly."""
    return {
        name: options
        for name, options in {"png": {}, **codecs}.items()
        if CODECS[name].stores_losslessly(bits, 1)
    }


def channel_table(
    latents: Sequence[str | os.PathLike],
    quantized: Sequence[str | os.PathLike],
    codecs: dict[str, dict],
) -> pd.DataFrame:
    """Per channel and bit depth: float range, entropy, and each lossless codec's bytes.

    `latents` are the float latents (key "latent", (C, h, w)); `quantized` the integer
    latents of every bit depth (key "values", grouped by their own "bits"); `codecs` the
    configured codecs and their options. Entropy is of the integers pooled over images
    (each image is quantised over its own per-channel range, so the pooled histogram mixes
    scales a little). Each channel is stored alone as a one-plane image by every codec of
    `lossless_single_plane_codecs`; `{codec}_share` is its part of the sum over channels.
    """
    if not latents or not quantized:
        raise LatentCodecError("channel statistics need float and quantised latent files")
    floats = [load_arrays(path, "latent")["latent"].astype(np.float64) for path in latents]
    channels = {latent.shape[0] for latent in floats}
    if len(channels) != 1:
        raise LatentCodecError(f"{latents[0]}: latents disagree on the channel count {channels}")
    (count,) = channels
    stacked = [latent.reshape(count, -1) for latent in floats]
    pooled = np.concatenate(stacked, axis=1)
    by_bits: dict[int, list] = defaultdict(list)
    for path in quantized:
        arrays = load_arrays(path, "values", "bits")
        if arrays["values"].ndim != 3 or arrays["values"].shape[0] != count:
            raise LatentCodecError(
                f"{path}: expected {count} channels, found shape {arrays['values'].shape}"
            )
        by_bits[int(arrays["bits"])].append(arrays["values"])
    rows = []
    for bits in sorted(by_bits):
        chosen = lossless_single_plane_codecs(codecs, bits)
        sizes = {
            name: _channel_bytes(by_bits[bits], bits, name, opts) for name, opts in chosen.items()
        }
        values_per_channel = sum(values[0].size for values in by_bits[bits])
        for channel in range(count):
            row = {
                "channel": channel,
                "bitdepth": bits,
                "min": float(pooled[channel].min()),
                "max": float(pooled[channel].max()),
                "mean": float(pooled[channel].mean()),
                "std": float(pooled[channel].std()),
                "entropy_bits": _entropy(by_bits[bits], channel, bits),
            }
            for name, per_channel in sizes.items():
                row[f"{name}_bytes"] = int(per_channel[channel])
                row[f"{name}_bits_per_value"] = per_channel[channel] * 8 / values_per_channel
                row[f"{name}_share"] = per_channel[channel] / per_channel.sum()
            rows.append(row)
    return pd.DataFrame(rows)


def _entropy(images: list[np.ndarray], channel: int, bits: int) -> float:
    """Empirical entropy in bits per value of one channel's integers, pooled over images."""
    counts = sum(np.bincount(values[channel].ravel(), minlength=2**bits) for values in images)
    probabilities = counts[counts > 0] / counts.sum()
    return float(-(probabilities * np.log2(probabilities)).sum())


def _channel_bytes(images: list[np.ndarray], bits: int, name: str, options: dict) -> np.ndarray:
    """Bytes of each channel stored alone, summed over images."""
    codec = get_codec(name, **options)
    quality_value = CODECS[name].lossless_quality
    totals = np.zeros(images[0].shape[0], dtype=np.int64)
    for values in images:
        for channel, plane in enumerate(values):
            totals[channel] += len(codec.encode(plane[:, :, None], bits, quality_value))
    return totals


def write_channel_table(
    latents: Sequence[str | os.PathLike],
    quantized: Sequence[str | os.PathLike],
    output: str | os.PathLike,
    codecs: dict[str, dict],
) -> None:
    write_csv(channel_table(latents, quantized, codecs), output)

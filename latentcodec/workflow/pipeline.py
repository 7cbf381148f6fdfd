"""The steps of the experiment, one function per workflow job, each over a list of images.

    image ──encode──▶ float latent ──quantize(b)──▶ integers + ranges
          ──compress(codec, packing, q)──▶ .lcf file ──reconstruct──▶ decoded image ──▶ row
    integers ──decode_quantized──▶ decoded image ──▶ row, reused by every lossless codec
          whose files `verify_lossless` finds exact (one decode per distinct latent)
    float latent ──ceiling──▶ decoded image ──▶ row (the autoencoder's own limit)
    image ──pixel_baseline(codec, q)──▶ file ──▶ decoded image ──▶ row (model "none")
    float latent ──measure_sensitivity──▶ decoder sensitivity per channel, which a codec
          with `uses_sensitivity` (lac) takes to spend its rate where the decoder needs it

Every row measures PSNR, SSIM, MS-SSIM and the perceptual metrics the caller names
(`perceptual_metrics`: SSIMULACRA2 and Butteraugli, `latentcodec.measure.perceptual`).

Model steps import torch lazily and load the model once per call; the quantize and
compress steps never import torch. Every file is written atomically.
"""

from __future__ import annotations

import functools
import io
import logging
import math
import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from latentcodec.codecs.container import read_container, write_container
from latentcodec.codecs.image import get_codec
from latentcodec.codecs.lcf import (
    SENSITIVITY_PROBES,
    needs_sensitivity,
    read_latent,
    store_latent,
)
from latentcodec.codecs.packing import NO_PACKING
from latentcodec.codecs.quantize import (
    clipped_share,
    dequantize,
    load_quantized,
    quantize,
    quantizer_name,
    save_quantized,
)
from latentcodec.errors import LatentCodecError
from latentcodec.io import (
    MAX_PIXELS,
    load_arrays,
    load_image,
    save_arrays,
    write_bytes_atomic,
    write_png,
)
from latentcodec.measure.metrics import bits_per_pixel, latent_error, msssim, psnr, ssim
from latentcodec.measure.perceptual import PERCEPTUAL_METRICS, perceptual_scores
from latentcodec.models.registry import get_spec
from latentcodec.sources import resolve_mirror
from latentcodec.tables import (
    CEILING_QUALITY,
    FLOAT_PRECISIONS,
    NO_CODEC,
    NO_QUANTIZER,
    PIXEL_MODEL,
    QUANTIZED_QUALITY,
    read_table,
    write_table,
)

log = logging.getLogger(__name__)

Paths = Sequence[str | os.PathLike]


def _load_model(model: str, mirror: str | None, threads: int | None, options: dict):
    """Import torch and load the model: once per job, only in jobs that run it.

    `options` are `load_model`'s: device, dtype, batch_size, tile, overlap. A process that
    runs several steps (a notebook, `bench/plain_loop.py`) loads each setting only once.
    """
    return _cached_model(model, mirror, threads, tuple(sorted(options.items())))


@functools.cache
def _cached_model(model: str, mirror: str | None, threads: int | None, options: tuple):
    from latentcodec.models.autoencoders import load_model

    return load_model(model, mirror=resolve_mirror(mirror), threads=threads, **dict(options))


def _same_length(**lists: Paths) -> None:
    lengths = {name: len(value) for name, value in lists.items()}
    if len(set(lengths.values())) != 1:
        raise LatentCodecError(f"mismatched numbers of files: {lengths}")


def encode_images(
    model: str,
    images: Paths,
    latents: Paths,
    *,
    mirror: str | None = None,
    threads: int | None = None,
    max_pixels: int | None = MAX_PIXELS,
    **model_options,
) -> None:
    """Encode each image to a float latent (.npz with the latent, model id, size, padding).

    Images are read with `load_image`: any common mode becomes 8-bit RGB (logged), and
    images over `max_pixels` are refused before their pixels are decoded.
    """
    _same_length(images=images, latents=latents)
    network = _load_model(model, mirror, threads, model_options)
    sizes = {}

    def read(path):
        image = load_image(path, max_pixels)
        sizes[path] = image.shape[:2]
        return image

    encoded = network.encode_many(read(path) for path in images)
    for image_path, latent_path, latent in zip(images, latents, encoded, strict=True):
        height, width = sizes.pop(image_path)
        log.info("%s → latent %s", image_path, latent.shape)
        save_arrays(
            latent_path,
            latent=latent,
            model=np.array(model),
            height=np.array(height),
            width=np.array(width),
            padding=np.array(network.padding(height, width)),
        )


def quantize_latents(
    latents: Paths, quantized: Paths, *, bits: int, clip: float | None = None
) -> None:
    """Quantise each float latent to `bits`-bit integers over per-channel ranges, or over
    the fixed range [−clip, clip]; the share of values clipped goes with them."""
    _same_length(latents=latents, quantized=quantized)
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


def measure_sensitivity(
    model: str,
    *,
    latents: Paths,
    sensitivities: Paths,
    probes: int = SENSITIVITY_PROBES,
    mirror: str | None = None,
    threads: int | None = None,
    **model_options,
) -> None:
    """Each float latent's decoder sensitivity per channel, saved as a (C,) float64 .npy.

    See `LatentModel.decoder_sensitivity`: pixel MSE per unit of noise variance on one latent
    value, in the float latent's own scale. The seed is fixed, so a rerun gives the same file.
    """
    _same_length(latents=latents, sensitivities=sensitivities)
    network = _load_model(model, mirror, threads, model_options)
    for latent_path, out_path in zip(latents, sensitivities, strict=True):
        stored = load_arrays(latent_path, "latent", "height", "width")
        start = time.perf_counter()
        sensitivity = network.decoder_sensitivity(
            stored["latent"], int(stored["height"]), int(stored["width"]), probes=probes
        )
        log.info(
            "%s: sensitivity %.3g … %.3g (max/min %.1f) in %.1f s",
            latent_path,
            sensitivity.min(),
            sensitivity.max(),
            sensitivity.max() / sensitivity.min(),
            time.perf_counter() - start,
        )
        buffer = io.BytesIO()
        np.save(buffer, sensitivity.astype(np.float64))
        write_bytes_atomic(out_path, buffer.getvalue())


def load_sensitivity(path: str | os.PathLike, channels: int) -> np.ndarray:
    """A sensitivity file written by `measure_sensitivity`, checked: (C,) finite, ≥ 0."""
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
    codec: str,
    bits: int,
    packing: str,
    quality_value: int | None,
    options: dict | None = None,
    sensitivities: Paths = (),
) -> None:
    """Store each integer latent with the codec as a self-contained `.lcf` file
    (`standalone.store_latent`: the file `latentcodec encode` writes, whose bytes are the row's
    bpp). A codec that `uses_sensitivity` (lac) at a lossy quality takes each latent's decoder
    sensitivity (`measure_sensitivity`), given in `sensitivities`."""
    _same_length(quantized=quantized, compressed=compressed)
    coder = get_codec(codec, **(options or {}))
    sensitivity_needed = needs_sensitivity(coder, quality_value)
    if sensitivity_needed:
        _same_length(quantized=quantized, sensitivities=sensitivities)
    elif sensitivities:
        raise LatentCodecError(f"{codec} at quality {quality_value} takes no sensitivity files")
    for index, (in_path, out_path) in enumerate(zip(quantized, compressed, strict=True)):
        latent, stored = load_quantized(in_path)
        if latent.bits != bits:
            raise LatentCodecError(f"{in_path}: holds {latent.bits}-bit values, expected {bits}")
        sensitivity = None
        if sensitivity_needed:
            sensitivity = load_sensitivity(sensitivities[index], latent.values.shape[0])
        container = store_latent(
            latent,
            model=str(stored["model"]),
            height=int(stored["height"]),
            width=int(stored["width"]),
            coder=coder,
            packing=packing,
            quality_value=quality_value,
            sensitivity=sensitivity,
        )
        size = write_container(out_path, container)
        log.info("%s → %s, %d bytes", in_path, out_path, size)


def _read_back(
    path,
    coder,
    *,
    model: str,
    height: int,
    width: int,
    bits: int,
    packing: str,
    quality_value: int | None,
    clip: float | None,
):
    """(integer latent with the file's own ranges, file bytes, side bytes) of a stored `.lcf`,
    checked against the image and setting it was stored for; lossy values clipped to the bit
    range."""
    container = read_container(path)
    stored = (container.model, container.height, container.width, container.codec)
    stored += (container.bits, container.packing, quantizer_name(container.clip))
    expected = (model, height, width, coder.name, bits, packing, quantizer_name(clip))
    if stored != expected or container.quality != quality_value:
        raise LatentCodecError(
            f"{path}: holds (model, height, width, codec, bits, packing, quantizer) {stored} "
            f"at quality {container.quality}, expected {expected} at quality {quality_value}"
        )
    latent = read_latent(container, coder, get_spec(model), path)
    size = Path(path).stat().st_size
    return latent, size, size - len(container.payload)


def decode_quantized(
    model: str,
    *,
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
    """Decode the quantised latents as they are: what every lossless codec gives back.

    One decode per distinct latent: lossless codecs at this bit depth reuse these rows once
    their round trip is verified exact (`verify_lossless`). The rows' bytes are the raw
    packed integers (channels × h × w × bits / 8) plus the ranges (`side_bytes`).
    """
    _same_length(sources=sources, latents=latents, quantized=quantized, recons=recons)
    network = _load_model(model, mirror, threads, model_options)
    jobs = []
    for source, latent_path, side_path, recon_path in zip(
        sources, latents, quantized, recons, strict=True
    ):
        latent, stored = load_quantized(side_path)
        jobs.append(
            dict(
                latent=dequantize(latent),
                stored=stored,
                source=source,
                float_latent=latent_path,
                recon=recon_path,
                model=model,
                codec=NO_CODEC,
                bits=latent.bits,
                packing=NO_PACKING,
                quality=QUANTIZED_QUALITY,
                quality_value=None,
                effort="",
                stored_bytes=-(-latent.values.size * latent.bits // 8) + latent.side_bytes,
                side_bytes=latent.side_bytes,
                exact=True,
                compressed=side_path,
                quantizer=latent.quantizer,
                clipped=float(stored["clipped"]),
            )
        )
    write_table(_decode_and_measure(network, jobs, perceptual_metrics), table)


def verify_lossless(
    *,
    quantized: Paths,
    compressed: Paths,
    decoded_table: str | os.PathLike,
    table: str | os.PathLike,
    model: str,
    codec: str,
    bits: int,
    packing: str,
    quality: str,
    quality_value: int | None,
    options: dict | None = None,
) -> None:
    """Rows of a lossless codec: check each file gives back the exact integers, then reuse
    the decode of those integers (`decode_quantized`) instead of running the model again.

    A file that does not round-trip exactly stops the job: a codec declared lossless that is
    not would otherwise be credited with another codec's quality.
    """
    _same_length(quantized=quantized, compressed=compressed)
    coder = get_codec(codec, **(options or {}))
    decoded = read_table(decoded_table).set_index("image")
    setting = dict(model=model, bits=bits, packing=packing, quality_value=quality_value)
    rows = []
    for side_path, file_path in zip(quantized, compressed, strict=True):
        latent, stored = load_quantized(side_path)
        size_of = dict(height=int(stored["height"]), width=int(stored["width"]), clip=latent.clip)
        received, size, side_bytes = _read_back(file_path, coder, **setting, **size_of)
        if not (
            np.array_equal(received.values, latent.values)
            and np.array_equal(received.lo, latent.lo)
            and np.array_equal(received.hi, latent.hi)
        ):
            raise LatentCodecError(
                f"{file_path}: {codec} at quality {quality} is declared lossless, but the file "
                f"does not give back the integers of {side_path}"
            )
        row = decoded.loc[Path(side_path).stem].to_dict()
        row.update(
            image=Path(side_path).stem,
            codec=codec,
            packing=packing,
            quality=quality,
            quality_value=quality_value,
            effort=coder.effort_setting,
            bytes=size,
            side_bytes=side_bytes,
            bpp=bits_per_pixel(size, row["width"], row["height"]),
            exact=True,
            compressed=str(file_path),
        )
        rows.append(row)
    write_table(rows, table)


def reconstruct(
    model: str,
    *,
    sources: Paths,
    latents: Paths,
    quantized: Paths,
    compressed: Paths,
    recons: Paths,
    table: str | os.PathLike,
    codec: str,
    bits: int,
    packing: str,
    quality: str,
    quality_value: int | None,
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
    _same_length(
        sources=sources, latents=latents, quantized=quantized, compressed=compressed, recons=recons
    )
    coder = get_codec(codec, **(options or {}))  # the options only label the rows' effort
    network = _load_model(model, mirror, threads, model_options)
    jobs = []
    setting = dict(model=model, bits=bits, packing=packing, quality_value=quality_value)
    files = zip(sources, latents, quantized, compressed, recons, strict=True)
    for source, latent_path, side_path, file_path, recon_path in files:
        original, stored = load_quantized(side_path)
        size_of = dict(height=int(stored["height"]), width=int(stored["width"]), clip=original.clip)
        received, size, side_bytes = _read_back(file_path, coder, **setting, **size_of)
        jobs.append(
            dict(
                latent=dequantize(received),
                stored=stored,
                source=source,
                float_latent=latent_path,
                recon=recon_path,
                model=model,
                codec=codec,
                bits=bits,
                packing=packing,
                quality=quality,
                quality_value=quality_value,
                effort=coder.effort_setting,
                stored_bytes=size,
                side_bytes=side_bytes,
                exact=bool(np.array_equal(received.values, original.values)),
                compressed=file_path,
                quantizer=original.quantizer,
                clipped=float(stored["clipped"]),
            )
        )
    write_table(_decode_and_measure(network, jobs, perceptual_metrics), table)


def reconstruct_ceiling(
    model: str,
    *,
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
    _same_length(sources=sources, latents=latents, recons=recons)
    if precision not in FLOAT_PRECISIONS:
        raise LatentCodecError(f"unknown float precision {precision!r}; known: {FLOAT_PRECISIONS}")
    network = _load_model(model, mirror, threads, model_options)
    jobs = []
    for source, latent_path, recon_path in zip(sources, latents, recons, strict=True):
        stored = load_arrays(latent_path, "latent", "height", "width")
        latent = stored["latent"].astype(precision)
        jobs.append(
            dict(
                latent=latent.astype(np.float32),
                stored=stored,
                source=source,
                float_latent=latent_path,
                recon=recon_path,
                model=model,
                codec=NO_CODEC,
                bits=8 * latent.itemsize,
                packing=NO_PACKING,
                quality=precision,
                quality_value=None,
                effort="",
                stored_bytes=latent.nbytes,
                side_bytes=0,
                exact=precision == CEILING_QUALITY,
                compressed=latent_path,
                quantizer=NO_QUANTIZER,
                clipped=math.nan,
            )
        )
    write_table(_decode_and_measure(network, jobs, perceptual_metrics), table)


def pixel_baseline(
    *,
    sources: Paths,
    compressed: str | os.PathLike,
    recons: str | os.PathLike,
    table: str | os.PathLike,
    name: str,
    codec: str,
    quality_values: Sequence[int],
    options: dict | None = None,
    max_pixels: int | None = MAX_PIXELS,
    perceptual_metrics: Sequence[str] = PERCEPTUAL_METRICS,
) -> None:
    """Store the original images with an ordinary codec at each quality value and measure them.

    Files go to `<compressed>/q<quality_value>/<image>.<codec>` and reconstructions to
    `<recons>/q<quality_value>/<image>.png`; rows have model `none` and codec = the baseline's
    label, and their quality label is `q<quality_value>`.
    """
    coder = get_codec(codec, **(options or {}))
    originals = {source: load_image(source, max_pixels) for source in sources}
    rows = []
    for quality_value in quality_values:
        quality = f"q{quality_value}"
        for source, original in originals.items():
            image = Path(source).stem
            data = coder.encode(original, 8, quality_value)
            file_path = Path(compressed) / quality / f"{image}.{codec}"
            recon_path = Path(recons) / quality / f"{image}.png"
            write_bytes_atomic(file_path, data)
            decoded = coder.decode(data)
            write_png(recon_path, decoded)
            rows.append(
                _row(
                    source=source,
                    original=original,
                    image=decoded,
                    model=PIXEL_MODEL,
                    codec=name,
                    bits=8,
                    packing=NO_PACKING,
                    quality=quality,
                    quality_value=quality_value,
                    effort=coder.effort_setting,
                    stored_bytes=len(data),
                    side_bytes=0,
                    exact=bool(np.array_equal(decoded, original)),
                    channels=3,
                    compressed=file_path,
                    recon=recon_path,
                    quantizer=NO_QUANTIZER,
                    clipped=math.nan,
                    latent_errors=(math.nan, math.nan),
                    perceptual_metrics=perceptual_metrics,
                )
            )
    write_table(rows, table)


def _decode_and_measure(network, jobs: list[dict], perceptual_metrics: Sequence[str]) -> list[dict]:
    """Decode each job's latent to its original's size (batched by the model), save and
    measure it: one table row per job."""
    images = network.decode_many(
        (job["latent"], int(job["stored"]["height"]), int(job["stored"]["width"])) for job in jobs
    )
    rows = []
    for image, job in zip(images, jobs, strict=True):
        job = dict(job)
        latent, source, recon = job.pop("latent"), job["source"], job["recon"]
        del job["stored"]
        log.info("decoded a latent of %s → %s", source, recon)
        write_png(recon, image)
        reference = load_arrays(job.pop("float_latent"), "latent")["latent"]
        rows.append(
            _row(
                original=load_image(source, max_pixels=None),  # its size was checked at encoding
                image=image,
                channels=latent.shape[0],
                latent_errors=latent_error(reference, latent),
                perceptual_metrics=perceptual_metrics,
                **job,
            )
        )
    return rows


def _row(
    *,
    source,
    original,
    image,
    stored_bytes,
    side_bytes,
    bits,
    latent_errors,
    perceptual_metrics,
    **labels,
):
    """One table row: the reconstruction `image` (saved as PNG at `labels["recon"]`)
    measured against the `original`; perceptual metrics not configured are NaN."""
    height, width = original.shape[:2]
    return {
        "image": Path(source).stem,
        "bitdepth": bits,
        "bytes": stored_bytes,
        "side_bytes": side_bytes,
        "bpp": bits_per_pixel(stored_bytes, width, height),
        "psnr": psnr(original, image),
        "ssim": ssim(original, image),
        "msssim": msssim(original, image),
        **perceptual_scores(perceptual_metrics, original, image, labels["recon"]),
        "latent_mse": latent_errors[0],
        "latent_psnr": latent_errors[1],
        "width": width,
        "height": height,
        "source": str(source),
        **{
            key: str(value) if isinstance(value, os.PathLike) else value
            for key, value in labels.items()
        },
    }

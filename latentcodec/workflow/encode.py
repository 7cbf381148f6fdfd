"""The model's jobs before anything is stored: images to float latents (`encode_images`) and
each float latent's decoder sensitivity per channel (`measure_sensitivity`), which a latent
codec that `needs_sensitivity` (lossy lac) spends its rate by.

Torch is imported lazily and each setting's model loaded once per process (`load_network`).
Every file is written atomically.
"""

from __future__ import annotations

import functools
import io
import logging
import time

import numpy as np

from latentcodec.codecs.lcf import SENSITIVITY_PROBES
from latentcodec.io import MAX_PIXELS, load_arrays, load_image, save_arrays, write_bytes_atomic
from latentcodec.sources import resolve_mirror
from latentcodec.workflow.jobs import Paths, same_length

log = logging.getLogger(__name__)


def load_network(model: str, mirror: str | None, threads: int | None, options: dict):
    """Import torch and load the model: once per job, only in jobs that run it.

    `options` are `load_model`'s: device, dtype, batch_size, tile, overlap. A process that
    runs several steps (a notebook, `bench/plain_loop.py`) loads each setting only once.
    """
    return _cached_model(model, mirror, threads, tuple(sorted(options.items())))


@functools.cache
def _cached_model(model: str, mirror: str | None, threads: int | None, options: tuple):
    from latentcodec.models.autoencoders import load_model

    return load_model(model, mirror=resolve_mirror(mirror), threads=threads, **dict(options))


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
    same_length(images=images, latents=latents)
    network = load_network(model, mirror, threads, model_options)
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
    same_length(latents=latents, sensitivities=sensitivities)
    network = load_network(model, mirror, threads, model_options)
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

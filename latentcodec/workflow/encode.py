"""The model's jobs before anything is stored: images to float latents (`encode_images`), those
latents refined through the fixed decoder (`refine_latents`), and each float latent's decoder
sensitivity per channel (`measure_sensitivity`), which a latent codec that
`needs_sensitivity` (lossy lac) spends its rate by.

Torch is imported lazily and each setting's model loaded once per process (`load_network`).
Every file is written atomically.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import math
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from latentcodec.analysis.costs import REFINEMENT_TABLE
from latentcodec.codecs.lcf import SENSITIVITY_PROBES
from latentcodec.io import MAX_PIXELS, load_arrays, load_image, save_arrays, write_bytes_atomic
from latentcodec.models.refinement import Refinement
from latentcodec.sources import resolve_mirror
from latentcodec.tables import write_csv
from latentcodec.workflow.jobs import EncodeClock, ImageCheckpoints, Paths, same_length

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
    seconds: str | os.PathLike | None = None,
    mirror: str | None = None,
    threads: int | None = None,
    max_pixels: int | None = MAX_PIXELS,
    **model_options,
) -> None:
    """Encode each image to a float latent (.npz with the latent, model id, size, padding);
    `seconds` gets each image's encode time (its batch's, shared, in batches over 1).

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
    clock, last = EncodeClock(), time.perf_counter()
    for image_path, latent_path, latent in zip(images, latents, encoded, strict=True):
        now = time.perf_counter()
        clock.records.append({"image": Path(image_path).stem, "seconds": now - last})
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
        last = time.perf_counter()
    clock.write(seconds)


def refine_latents(
    model: str,
    *,
    encoder: str,
    sources: Paths,
    latents: Paths,
    refined: Paths,
    steps: str | os.PathLike,
    refinement: dict,
    mirror: str | None = None,
    threads: int | None = None,
    **model_options,
) -> None:
    """Refine each image's direct latent through the fixed decoder (`models.refine`), saved
    as the direct latent's file is; `steps` gets every image's loss after each step, its
    PSNR (for the MSE loss) and the seconds since the image's refinement began.

    Each finished image is checkpointed beside `steps` (`<steps>.partial/`, `ImageCheckpoints`)
    until the job ends, so a job killed after hours resumes after its last finished image.
    """
    same_length(sources=sources, latents=latents, refined=refined)
    settings = Refinement(**refinement)
    network = load_network(model, mirror, threads, model_options)
    checkpoints = ImageCheckpoints(
        Path(steps).with_suffix(".partial"), search_settings(model, settings, model_options)
    )
    records = []
    for source, latent_path, out_path in zip(sources, latents, refined, strict=True):
        name = Path(source).stem
        stored = load_arrays(latent_path, "latent", "model", "height", "width", "padding")
        fingerprint = checkpoints.fingerprint(source, latent_path)
        done = checkpoints.load(name, fingerprint, "latent", "step", "loss", "seconds")
        if done is None:
            done = _refined(network, source, stored["latent"], settings)
            checkpoints.save(name, fingerprint, **done)
        else:
            log.info("%s: taken from %s (refined before the job was interrupted)", name,
                     checkpoints.folder)  # fmt: skip
        records += [
            dict(image=name, step=int(step), loss=float(loss), seconds=float(seconds))
            for step, loss, seconds in zip(done["step"], done["loss"], done["seconds"], strict=True)
        ]
        save_arrays(out_path, **{**stored, "latent": done["latent"]})
    table = pd.DataFrame(records).assign(model=model, encoder=encoder)
    if settings.loss == "mse":
        table["psnr"] = -10 * np.log10(table["loss"])
    else:
        table["psnr"] = math.nan
    write_csv(table[list(REFINEMENT_TABLE.columns)], steps)
    checkpoints.clear()


def search_settings(model: str, settings: Refinement, model_options: dict, *also) -> str:
    """What a search's result depends on besides its input files, for `ImageCheckpoints`:
    the model and its options, the settings (and `also`), and, since a latent's last bits
    depend on them, torch's thread count and version and the search's code."""
    import torch

    from latentcodec.codecs import lac_rate
    from latentcodec.models import refine

    code = hashlib.sha256()
    for module in (refine, lac_rate):
        code.update(Path(module.__file__).read_bytes())
    return (
        f"{model} {sorted(model_options.items())} {settings!r} {also!r} "
        f"threads={torch.get_num_threads()} torch={torch.__version__} {code.hexdigest()}"
    )


def _refined(network, source, latent, settings: Refinement) -> dict:
    """One image's refined latent and its loss and seconds after each step, as arrays."""
    from latentcodec.models.refine import refine_latent

    name, start, steps = Path(source).stem, time.perf_counter(), []
    result = refine_latent(
        network,
        load_image(source),
        latent,
        settings,
        label=name,
        on_step=lambda step, loss, _: steps.append((step, loss, time.perf_counter() - start)),
    )
    log.info("%s: refined in %.1f s", name, time.perf_counter() - start)
    step, loss, seconds = (np.array(column) for column in zip(*steps, strict=True))
    return dict(latent=result.latent, step=step, loss=loss, seconds=seconds)


def measure_sensitivity(
    model: str,
    *,
    latents: Paths,
    sensitivities: Paths,
    probes: int = SENSITIVITY_PROBES,
    seconds: str | os.PathLike | None = None,
    mirror: str | None = None,
    threads: int | None = None,
    **model_options,
) -> None:
    """Each float latent's decoder sensitivity per channel, saved as a (C,) float64 .npy.

    See `LatentModel.decoder_sensitivity`: pixel MSE per unit of noise variance on one latent
    value, in the float latent's own scale. The seed is fixed, so a rerun gives the same file.
    `seconds` gets each latent's time.
    """
    same_length(latents=latents, sensitivities=sensitivities)
    network = load_network(model, mirror, threads, model_options)
    clock = EncodeClock()
    for latent_path, out_path in zip(latents, sensitivities, strict=True):
        stored = load_arrays(latent_path, "latent", "height", "width")
        with clock.timed(image=Path(latent_path).stem):
            sensitivity = network.decoder_sensitivity(
                stored["latent"], int(stored["height"]), int(stored["width"]), probes=probes
            )
        log.info(
            "%s: sensitivity %.3g … %.3g (max/min %.1f) in %.1f s",
            latent_path,
            sensitivity.min(),
            sensitivity.max(),
            sensitivity.max() / sensitivity.min(),
            clock.records[-1]["seconds"],
        )
        buffer = io.BytesIO()
        np.save(buffer, sensitivity.astype(np.float64))
        write_bytes_atomic(out_path, buffer.getvalue())
    clock.write(seconds)

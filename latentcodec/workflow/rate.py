"""Rate-aware lac (`codecs.lac_rate`), the model job of one lossy lac setting of a rate-aware
route: each image's latent, from the route's start (its distortion-refined latent), searched
on pixel MSE + λ · lac's estimated bits through the fixed decoder, then stored by lac as
`compress_latents` stores every other setting, so every later step reads the files alike.
Its table says, per image, the search's loss before and after and the estimate against the
payload lac wrote (the proxy's error). Each image's search is checkpointed until the job ends
(`ImageCheckpoints`), as the refinement's is.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from latentcodec.analysis.rate import RATE_TABLE
from latentcodec.codecs.container import write_container
from latentcodec.codecs.lac_format import parse
from latentcodec.codecs.lac_rate import LacRate
from latentcodec.codecs.lcf import sensitivity_per_integer, store_latent
from latentcodec.codecs.quantized_file import load_quantized
from latentcodec.codecs.registry import latent_codec
from latentcodec.io import load_arrays, load_image
from latentcodec.models.refinement import Refinement
from latentcodec.tables import write_csv
from latentcodec.workflow.encode import load_network, search_settings
from latentcodec.workflow.jobs import EncodeClock, ImageCheckpoints, Paths, same_length
from latentcodec.workflow.setting import Setting
from latentcodec.workflow.store import load_sensitivity

log = logging.getLogger(__name__)


def rate_aware_lac(
    model: str,
    *,
    encoder: str,
    sources: Paths,
    latents: Paths,
    quantized: Paths,
    sensitivities: Paths,
    compressed: Paths,
    table: str | os.PathLike,
    seconds: str | os.PathLike,
    search_seconds: str | os.PathLike,
    setting: Setting,
    refinement: dict,
    description: str,
    mirror: str | None = None,
    threads: int | None = None,
    **model_options,
) -> None:
    """Search and store each image at `setting` (lossy lac) with `refinement`'s rate steps,
    on the grid of its integer latent in `quantized`, λ and the channel steps from its
    decoder sensitivity; `description` (how the latent was made) goes in each file.
    `search_seconds` gets each image's search time, `seconds` its store's, as any codec's."""
    same_length(sources=sources, latents=latents, quantized=quantized,
                sensitivities=sensitivities, compressed=compressed)  # fmt: skip
    stage = Refinement(**refinement).rate_stage()
    coder = latent_codec(setting.codec, setting.packing)
    network = load_network(model, mirror, threads, model_options)
    checkpoints = ImageCheckpoints(
        Path(table).with_suffix(".partial"),
        search_settings(model, stage, model_options, setting.codec, setting.quality_value),
    )
    search_clock, clock, rows = EncodeClock(), EncodeClock(), []
    for paths in zip(sources, latents, quantized, sensitivities, compressed, strict=True):
        source, latent_path, quantized_path, sensitivity_path, out_path = paths
        name = Path(source).stem
        rate, stored, sensitivity = load_rate(
            quantized_path, sensitivity_path, setting.quality_value
        )
        found = _searched(network, source, latent_path, stage, rate, search_clock,
                          checkpoints, checkpoints.fingerprint(*paths[:4]))  # fmt: skip
        with clock.timed(image=name):
            container = store_latent(
                rate.integers(found.latent), model=model, height=int(stored["height"]),
                width=int(stored["width"]), coder=coder, quality_value=setting.quality_value,
                sensitivity=sensitivity, encoder=description,
            )  # fmt: skip
        write_container(out_path, container)
        rows.append(_search_row(name, rate, found, container.payload))
    frame = pd.DataFrame(rows).assign(
        model=model, encoder=encoder, bitdepth=setting.bits, quality=setting.quality
    )
    write_csv(frame[list(RATE_TABLE.columns)], table)
    clock.write(seconds)
    search_clock.write(search_seconds)
    checkpoints.clear()


def load_rate(quantized_path, sensitivity_path, quality_value: int):
    """lac's rate at `quality_value` on the grid of a route's stored integer latent, its
    channel steps from the image's decoder sensitivity: (LacRate, the stored quantised file's
    arrays, the sensitivity)."""
    start, stored = load_quantized(quantized_path)
    sensitivity = load_sensitivity(sensitivity_path, start.values.shape[0])
    rate = LacRate(start, quality_value, sensitivity_per_integer(sensitivity, start))
    return rate, stored, sensitivity


def _searched(network, source, latent_path, stage: Refinement, rate: LacRate,
              clock: EncodeClock, checkpoints: ImageCheckpoints, fingerprint: str):  # fmt: skip
    """One image's search from its start latent, timed on `clock`, or, when a job killed
    earlier finished it, its checkpoint."""
    from latentcodec.models.refine import Refined, refine_latent  # imports torch

    name = Path(source).stem
    done = checkpoints.load(name, fingerprint, "latent", "losses", "best_step", "seconds")
    if done is not None:
        log.info("%s: taken from %s (searched before the job was interrupted)", name,
                 checkpoints.folder)  # fmt: skip
        clock.records.append({"image": name, "seconds": float(done["seconds"])})
        return Refined(done["latent"], done["losses"].tolist(), int(done["best_step"]))
    latent = load_arrays(latent_path, "latent")["latent"]
    with clock.timed(image=name):
        found = refine_latent(network, load_image(source), latent, stage, rate=rate, label=name)
    checkpoints.save(name, fingerprint, latent=found.latent, losses=np.array(found.losses),
                     best_step=np.array(found.best_step),
                     seconds=np.array(clock.records[-1]["seconds"]))  # fmt: skip
    return found


def _search_row(name: str, rate: LacRate, found, payload: bytes) -> dict:
    """One image's line of the search table: λ, the loss before and after, and lac's
    estimated payload for the integers found against the payload it wrote."""
    estimated = rate.terms(found.latent)[1]
    written = 32 * parse(payload)[1].size
    log.info("%s: %d payload bits, estimated %.0f (%+.2f %%)", name, written, estimated,
             100 * (estimated / written - 1))  # fmt: skip
    return dict(image=name, weight=rate.weight, loss_start=found.losses[0],
                loss_end=found.losses[found.best_step], estimated_bits=estimated,
                payload_bits=written)  # fmt: skip

"""How refinement converges: on a few images per refined route, the decoded image's PSNR and
SSIMULACRA2 after chosen steps, decoded from the latent on the grid the codecs receive, and
the seconds the refinement itself spent up to each (scoring excluded): what the default step
count is chosen from (`models.refinement.DEFAULT_STEPS`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from latentcodec.analysis.convergence import CONVERGENCE_TABLE
from latentcodec.io import load_arrays, load_image
from latentcodec.measure.metrics import psnr
from latentcodec.measure.ssimulacra2 import ssimulacra2
from latentcodec.models.refinement import Refinement
from latentcodec.tables import write_csv
from latentcodec.workflow.encode import load_network
from latentcodec.workflow.jobs import Paths, same_length

log = logging.getLogger(__name__)


def refinement_convergence(
    model: str,
    *,
    encoder: str,
    sources: Paths,
    latents: Paths,
    table: str | os.PathLike,
    refinement: dict,
    steps: int,
    mirror: str | None = None,
    threads: int | None = None,
    **model_options,
) -> None:
    """Refine each image's direct latent for `steps` steps (the route's refinement otherwise)
    and score the decoded image at each of `checkpoints(steps)` (0: the encoder's latent)."""
    from latentcodec.models.refine import refine_latent  # imports torch

    same_length(sources=sources, latents=latents)
    settings = Refinement(**{**refinement, "steps": steps})
    scored = checkpoints(steps)
    network = load_network(model, mirror, threads, model_options)
    rows = []
    for source, latent_path in zip(sources, latents, strict=True):
        original, name = load_image(source), Path(source).stem
        clock = _RefinementClock()

        def score(step, _loss, latent, original=original, name=name, clock=clock):
            if step not in scored:
                return
            seconds = clock.spent()
            with clock.paused():
                decoded = network.decode(settings.on_grid(latent), *original.shape[:2])
                row = dict(image=name, step=step, seconds=seconds, psnr=psnr(original, decoded))
                rows.append(row | {"ssimulacra2": ssimulacra2(original, decoded)})
            log.info("%s step %d: %.2f dB after %.1f s", name, step, row["psnr"], seconds)

        refine_latent(network, original, load_arrays(latent_path, "latent")["latent"],
                      settings, label=name, on_step=score)  # fmt: skip
    frame = pd.DataFrame(rows).assign(model=model, encoder=encoder)
    write_csv(frame[list(CONVERGENCE_TABLE.columns)], table)


def checkpoints(steps: int) -> list[int]:
    """The steps scored: every one of the first five, then every fifth, and the last."""
    return sorted({*range(min(steps, 5) + 1), *range(0, steps + 1, 5), steps})


class _RefinementClock:
    """Seconds spent refining, without the time spent scoring along the way."""

    def __init__(self):
        self._start, self._paused = time.perf_counter(), 0.0

    def spent(self) -> float:
        return time.perf_counter() - self._start - self._paused

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        began = time.perf_counter()
        yield
        self._paused += time.perf_counter() - began

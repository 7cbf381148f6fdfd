"""The pixel-domain baselines: the original images stored with an ordinary image codec at
a quality value of its grid, decoded and measured (rows with model `none`)."""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from latentcodec.codecs.registry import get_codec
from latentcodec.io import MAX_PIXELS, load_image, write_bytes_atomic, write_png
from latentcodec.measure.perceptual import PERCEPTUAL_METRICS
from latentcodec.tables import NO_QUANTIZER, PIXEL_BITS, write_table
from latentcodec.workflow.jobs import EncodeClock, Paths
from latentcodec.workflow.rows import measure, setting_row
from latentcodec.workflow.setting import Setting, StoredFile

log = logging.getLogger(__name__)


def pixel_baseline(
    *,
    sources: Paths,
    compressed: str | os.PathLike,
    recons: str | os.PathLike,
    table: str | os.PathLike,
    name: str,
    codec: str,
    quality_value: int,
    options: dict | None = None,
    max_pixels: int | None = MAX_PIXELS,
    perceptual_metrics: Sequence[str] = PERCEPTUAL_METRICS,
    seconds: str | os.PathLike | None = None,
) -> None:
    """Store the original images with an ordinary codec at one quality value and measure them;
    `seconds` gets each file's encode time. One quality a job: a grid's qualities run side by
    side, and adding one to the grid makes only its files.

    Files go to `<compressed>/<image>.<codec>` and reconstructions to `<recons>/<image>.png`;
    rows have model `none` and codec = the baseline's label (`name`), and their quality label
    is `q<quality_value>`.
    """
    coder = get_codec(codec, **(options or {}))
    setting = Setting.pixel(name, quality_value, coder.effort_setting)
    start, rows, clock = time.perf_counter(), [], EncodeClock()
    for done, source in enumerate(sources, start=1):
        original = load_image(source, max_pixels)
        with clock.timed(image=Path(source).stem, quality=setting.quality):
            data = coder.encode(original, PIXEL_BITS, quality_value)
        rows.append(
            _stored_row(
                coder, setting, data, source, original, Path(compressed), Path(recons),
                perceptual_metrics,
            )
        )  # fmt: skip
        log.info(
            "%s %s: %d of %d images stored and measured (%.1f s)",
            name,
            setting.quality,
            done,
            len(sources),
            time.perf_counter() - start,
        )
    write_table(rows, table)
    clock.write(seconds)


def _stored_row(
    coder, setting: Setting, data: bytes, source, original: np.ndarray,
    compressed: Path, recons: Path, perceptual_metrics: Sequence[str],
) -> dict:  # fmt: skip
    """Keep one pixel file and its decoded image, and measure it against the original."""
    image = Path(source).stem
    file_path = compressed / f"{image}.{coder.name}"
    recon_path = recons / f"{image}.png"
    write_bytes_atomic(file_path, data)
    decoded = coder.decode(data)
    write_png(recon_path, decoded)
    kept = StoredFile(
        compressed=str(file_path),
        bytes=len(data),
        side_bytes=0,
        exact=bool(np.array_equal(decoded, original)),
        quantizer=NO_QUANTIZER,
        clipped=math.nan,
    )
    measured = measure(
        source=source,
        original=original,
        image=decoded,
        recon=recon_path,
        channels=original.shape[2],
        latent_errors=(math.nan, math.nan),
        perceptual_metrics=perceptual_metrics,
    )
    return setting_row(setting, kept, measured)

"""Rows of metrics.csv: a `Setting`, the file a user keeps at it (`StoredFile`) and the
decoded image measured against its original (`Measured`) make one `Row`, always through
`setting_row`, which also derives bpp. A lossless codec's rows take the measurements of the
one decode its exact integers share (`measured_by_image`).

Every row measures PSNR, SSIM, MS-SSIM and the perceptual metrics the caller names
(`perceptual_metrics`: SSIMULACRA2 and Butteraugli, `latentcodec.measure.perceptual`); the
ones not named are NaN.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from latentcodec.io import load_arrays, load_image, write_png
from latentcodec.measure.metrics import bits_per_pixel, latent_error, msssim, psnr, ssim
from latentcodec.measure.perceptual import perceptual_scores
from latentcodec.tables import COLUMNS, Row, read_table
from latentcodec.workflow.jobs import Paths
from latentcodec.workflow.setting import Setting, StoredFile

log = logging.getLogger(__name__)


SETTING_COLUMNS = (
    "model",
    "encoder",
    "bitdepth",
    "packing",
    "codec",
    "quality",
    "quality_value",
    "effort",
)
# What measuring one decoded image (`measure`) gives: every column that is not the setting's,
# the stored file's or bpp (which `setting_row` derives).
MEASURED_COLUMNS = tuple(
    column
    for column in COLUMNS
    if column not in {*SETTING_COLUMNS, *(field.name for field in fields(StoredFile)), "bpp"}
)
Measured = dict  # MEASURED_COLUMNS → value: one decoded image against its original


def measured_by_image(path: str | os.PathLike) -> dict[str, Measured]:
    """The measurements of a results table, by image (the stem of its source, which is always
    read as text): a decode that several settings share."""
    measured = {}
    for record in read_table(path)[list(MEASURED_COLUMNS)].to_dict("records"):
        image = Path(record["source"]).stem
        measured[image] = {**record, "image": image}
    return measured


def setting_row(setting: Setting, stored: StoredFile, measured: Measured) -> Row:
    """The row of one image at one setting: the only place a row is made."""
    return Row(
        model=setting.model,
        encoder=setting.encoder,
        bitdepth=setting.bits,
        packing=setting.packing,
        codec=setting.codec,
        quality=setting.quality,
        quality_value=setting.quality_value,
        effort=setting.effort,
        bpp=bits_per_pixel(stored.bytes, measured["width"], measured["height"]),
        **asdict(stored),
        **measured,
    )


def measure(
    *,
    source: str | os.PathLike,
    original: np.ndarray,
    image: np.ndarray,
    recon: str | os.PathLike,
    channels: int,
    latent_errors: tuple[float, float],
    perceptual_metrics: Sequence[str],
) -> Measured:
    """The decoded `image` (saved as PNG at `recon`) against the `original`."""
    height, width = original.shape[:2]
    return dict(
        image=Path(source).stem,
        source=str(source),
        recon=str(recon),
        width=width,
        height=height,
        channels=channels,
        psnr=psnr(original, image),
        ssim=ssim(original, image),
        msssim=msssim(original, image),
        **perceptual_scores(perceptual_metrics, original, image, recon),
        latent_mse=latent_errors[0],
        latent_psnr=latent_errors[1],
    )


@dataclass(frozen=True)
class LatentDecode:
    """One float latent for the model to decode, to the size of its image, into the row of
    `setting` for the file kept (`stored`)."""

    setting: Setting
    stored: StoredFile
    latent: np.ndarray
    height: int
    width: int


def decode_and_measure(
    network,
    decodes: list[LatentDecode],
    sources: Paths,
    latents: Paths,
    recons: Paths,
    perceptual_metrics: Sequence[str],
) -> list[Row]:
    """Decode each latent to its original's size (batched by the model), save it at its
    `recons` path and measure it against its `sources` image (and, in the latent domain,
    against the float latent as encoded, `latents`): one row per decode."""
    images = network.decode_many((job.latent, job.height, job.width) for job in decodes)
    rows = []
    for image, job, source, float_latent, recon in zip(
        images, decodes, sources, latents, recons, strict=True
    ):
        log.info("decoded a latent of %s → %s", source, recon)
        write_png(recon, image)
        reference = load_arrays(float_latent, "latent")["latent"]
        measured = measure(
            source=source,
            original=load_image(source, max_pixels=None),  # its size was checked at encoding
            image=image,
            recon=recon,
            channels=job.latent.shape[0],
            latent_errors=latent_error(reference, job.latent),
            perceptual_metrics=perceptual_metrics,
        )
        rows.append(setting_row(job.setting, job.stored, measured))
    return rows

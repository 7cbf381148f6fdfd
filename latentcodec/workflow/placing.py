"""The dataset's images placed for a run: each fetched or read, verified, converted to 8-bit
RGB PNG and shrunk to `dataset.max_side` where asked (`fetch_image`), and the record of which
images the run uses and where each came from (`write_dataset_table`, results/<run>/dataset.csv).
Which images a config selects, and where each comes from, is `latentcodec.workflow.datasets`.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from latentcodec.errors import LatentCodecError
from latentcodec.io import MAX_PIXELS, atomic_path, read_rgb, write_png
from latentcodec.sources import fetch_verified, resolve_mirror
from latentcodec.tables import write_csv
from latentcodec.workflow.datasets import (
    ArchiveImages,
    Dataset,
    LocalImages,
    dataset_from_config,
)

log = logging.getLogger(__name__)

DATASET_COLUMNS = ["image", "dataset", "member", "origin", "origin_sha256", "seed", "max_side"]


def fetch_image(
    settings: dict,
    image: str,
    destination: str | os.PathLike,
    mirror: str | os.PathLike | None = None,
) -> None:
    """Place one image of the config's dataset at `destination` as 8-bit RGB PNG.

    A registered dataset's file comes from the mirror or the web and is verified against its
    shipped SHA-256 sum; a folder dataset's image, or an archive's member, is read and
    converted. With `max_side` set, a larger image is then shrunk to fit. `mirror` is the
    config value; when None, $LATENTCODEC_MIRROR is used if set.
    """
    dataset = dataset_from_config(settings, mirror=mirror)
    max_side = settings.get("max_side")
    if not max_side:
        _place(dataset, settings, image, destination, mirror)
        return
    with atomic_path(destination) as placed:
        _place(dataset, settings, image, placed, mirror)
        shrink_to_fit(placed, max_side)


def shrink_to_fit(path: Path, max_side: int) -> None:
    """Resize an RGB PNG in place so its longer side is `max_side` (Lanczos, aspect kept).

    A smaller image is left byte for byte as it is.
    """
    pixels = read_rgb(path)
    height, width = pixels.shape[:2]
    if max(height, width) <= max_side:
        log.info("%s: %d×%d fits dataset.max_side %d; kept as is", path, width, height, max_side)
        return
    scale = max_side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = Image.fromarray(pixels).resize(size, Image.Resampling.LANCZOS)
    log.warning(
        "%s: resized %d×%d to %d×%d (dataset.max_side %d, Lanczos)",
        path.name,
        width,
        height,
        *size,
        max_side,
    )
    write_png(path, np.asarray(resized))


def _place(
    dataset: Dataset | LocalImages | ArchiveImages,
    settings: dict,
    image: str,
    destination: str | os.PathLike,
    mirror: str | os.PathLike | None,
) -> None:
    """Put the image at `destination` as it comes: verified bytes, or converted to RGB PNG."""
    if isinstance(dataset, LocalImages | ArchiveImages):
        dataset.place(image, destination, settings.get("max_pixels", MAX_PIXELS))
        return
    filename = dataset.filename(image)
    if filename not in dataset.checksums:
        raise LatentCodecError(f"{image!r} is not an image of the {dataset.name} dataset")
    fetch_verified(
        kind="datasets",
        collection=dataset.name,
        filename=filename,
        url=dataset.url_pattern.format(filename=filename),
        sha256=dataset.checksums[filename],
        destination=destination,
        mirror=resolve_mirror(mirror),
    )


def write_dataset_table(
    settings: dict,
    images: list[str],
    output: str | os.PathLike,
    mirror: str | os.PathLike | None = None,
) -> None:
    """results/<run>/dataset.csv: each image of the run and exactly where it came from.

    `origin` is the URL or path, `origin_sha256` the SHA-256 of that file (for an archive,
    of the whole zip: the record of the bytes a run used where no SHA-256 is published);
    `seed` is set for sampled datasets only.
    """
    dataset = dataset_from_config(settings, mirror=mirror)
    sampled = isinstance(dataset, ArchiveImages) and dataset.sample is not None
    rows = [
        {
            "image": image,
            "dataset": dataset.name,
            **dataset.origin(image),
            "seed": dataset.seed if sampled else None,
            "max_side": settings.get("max_side"),
        }
        for image in images
    ]
    table = pd.DataFrame(rows, columns=DATASET_COLUMNS)
    write_csv(table.astype({"seed": "Int64", "max_side": "Int64"}), output)

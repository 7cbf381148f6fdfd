"""Dataset registry: where each image comes from, its checksum, and how a config selects images."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from latentcodec.errors import LatentCodecError
from latentcodec.sources import fetch_verified, resolve_mirror, shipped_checksums


@dataclass(frozen=True)
class Dataset:
    """A fixed list of images, each with a download URL and a shipped SHA-256 sum."""

    name: str
    url_pattern: str  # formatted with the file name
    licence: str

    @property
    def checksums(self) -> dict[str, str]:
        return shipped_checksums(self.name)

    @property
    def images(self) -> list[str]:
        """Image ids (file names without extension), in their canonical order."""
        return sorted(Path(filename).stem for filename in self.checksums)

    def filename(self, image: str) -> str:
        return f"{image}.png"


KODAK = Dataset(
    name="kodak",
    url_pattern="http://r0k.us/graphics/kodak/kodak/{filename}",
    licence="Kodak Lossless True Color Image Suite, released by Eastman Kodak for unrestricted use",
)

DATASETS = {dataset.name: dataset for dataset in (KODAK,)}


def get_dataset(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        raise LatentCodecError(
            f"unknown dataset {name!r}; known: {', '.join(sorted(DATASETS))}"
        ) from None


def select_images(dataset: Dataset, selection: str | int | list[str]) -> list[str]:
    """Resolve the config's `images` value: "all", the first N, or a list of image ids."""
    available = dataset.images
    if selection == "all":
        return available
    if isinstance(selection, int) and not isinstance(selection, bool):
        if not 1 <= selection <= len(available):
            raise LatentCodecError(
                f"dataset.images: {selection} is out of range; {dataset.name} has "
                f"{len(available)} images"
            )
        return available[:selection]
    if isinstance(selection, list):
        unknown = [image for image in selection if image not in available]
        if unknown:
            raise LatentCodecError(
                f"dataset.images: {unknown} not in {dataset.name} (e.g. {available[0]})"
            )
        if len(set(selection)) != len(selection):
            raise LatentCodecError(f"dataset.images: duplicate entries in {selection}")
        return list(selection)
    raise LatentCodecError(
        f'dataset.images: expected "all", a count or a list of ids, got {selection!r}'
    )


def fetch_image(
    dataset_name: str,
    image: str,
    destination: str | os.PathLike,
    mirror: str | os.PathLike | None = None,
) -> None:
    """Place one verified image of the dataset at `destination`, from the mirror or the web.

    `mirror` is the config value; when None, $LATENTCODEC_MIRROR is used if set.
    """
    dataset = get_dataset(dataset_name)
    filename = dataset.filename(image)
    if filename not in dataset.checksums:
        raise LatentCodecError(f"{image!r} is not an image of the {dataset_name} dataset")
    fetch_verified(
        kind="datasets",
        collection=dataset.name,
        filename=filename,
        url=dataset.url_pattern.format(filename=filename),
        sha256=dataset.checksums[filename],
        destination=destination,
        mirror=resolve_mirror(mirror),
    )

"""Datasets: where each image comes from, how it is verified, and how a config selects images.

- Registered datasets (Kodak) have a download URL and a shipped SHA-256 sum per image.
- `folder`: the user's own images, from a folder or a .zip (config `dataset.path`). Each is
  read with `latentcodec.io.load_image` (any common mode becomes 8-bit RGB, logged) and
  placed as PNG, so every later step sees exactly what the model saw. A zip is read without
  extracting it: members with absolute paths, `..`, or links are refused, and each member is
  read with a size cap, so a crafted archive cannot write outside the workflow or fill the
  disk.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from latentcodec.errors import LatentCodecError
from latentcodec.io import MAX_PIXELS, load_image, write_png
from latentcodec.sources import fetch_verified, resolve_mirror, shipped_checksums

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp", ".ppm", ".avif"}
IMAGE_ID = re.compile(r"^[A-Za-z0-9_.-]+$")
MAX_MEMBER_BYTES = 256 * 2**20  # a larger single image in an archive is refused


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
FOLDER = "folder"


@dataclass(frozen=True)
class LocalImages:
    """The user's own images: every image file in a folder (not recursive) or in a .zip."""

    path: Path
    max_member_bytes: int = MAX_MEMBER_BYTES

    @property
    def name(self) -> str:
        """A key for `resources/datasets/<key>/`: another path gets other files."""
        digest = hashlib.sha256(str(self.path.resolve()).encode()).hexdigest()[:10]
        return f"{FOLDER}-{digest}"

    @property
    def images(self) -> list[str]:
        return sorted(self._files())

    def _files(self) -> dict[str, str]:
        """Image id → file name (in the folder) or member name (in the zip)."""
        if self.path.is_dir():
            names = [entry.name for entry in self.path.iterdir() if entry.is_file()]
        elif zipfile.is_zipfile(self.path):
            names = [info.filename for info in _safe_members(self.path, self.max_member_bytes)]
        else:
            raise LatentCodecError(f"dataset.path: {self.path} is neither a folder nor a zip file")
        files: dict[str, str] = {}
        for name in sorted(names):
            pure = PurePosixPath(name)
            if pure.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            if not IMAGE_ID.match(pure.stem):
                raise LatentCodecError(
                    f"{self.path}: {name!r} needs a name of letters, digits, '_', '-' and '.' "
                    "to become an image id"
                )
            if pure.stem in files:
                raise LatentCodecError(
                    f"{self.path}: {files[pure.stem]!r} and {name!r} have the same image id"
                )
            files[pure.stem] = name
        if not files:
            raise LatentCodecError(
                f"{self.path}: no image files ({', '.join(sorted(IMAGE_SUFFIXES))})"
            )
        return files

    def place(self, image: str, destination: str | os.PathLike, max_pixels: int | None) -> None:
        """Read one image (converting it to 8-bit RGB, logged) and write it as PNG."""
        name = self._files().get(image)
        if name is None:
            raise LatentCodecError(f"{image!r} is not an image of {self.path}")
        if self.path.is_dir():
            pixels = load_image(self.path / name, max_pixels)
        else:
            data = _read_member(self.path, name, self.max_member_bytes)
            pixels = load_image(io.BytesIO(data), max_pixels, label=f"{self.path}:{name}")
        write_png(destination, pixels)


def _safe_members(path: Path, max_bytes: int) -> list[zipfile.ZipInfo]:
    """The zip's file members, refusing the whole archive if any member could escape it."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise LatentCodecError(f"{path}: not a readable zip archive ({error})") from error
    for info in members:
        pure = PurePosixPath(info.filename.replace("\\", "/"))
        if pure.is_absolute() or ".." in pure.parts or re.match(r"^[A-Za-z]:", info.filename):
            raise LatentCodecError(
                f"{path}: member {info.filename!r} points outside the archive; refusing it"
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            raise LatentCodecError(f"{path}: member {info.filename!r} is a link; refusing it")
        if info.file_size > max_bytes:
            raise LatentCodecError(
                f"{path}: member {info.filename!r} unpacks to {info.file_size} bytes, over the "
                f"limit of {max_bytes}"
            )
    return [info for info in members if not info.is_dir()]


def _read_member(path: Path, name: str, max_bytes: int) -> bytes:
    """A member's bytes, reading at most `max_bytes` + 1 whatever its header claims."""
    with zipfile.ZipFile(path) as archive, archive.open(name) as stream:
        data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise LatentCodecError(f"{path}: member {name!r} unpacks to more than {max_bytes} bytes")
    return data


def dataset_from_config(settings: dict) -> Dataset | LocalImages:
    """The dataset the config's `dataset` section names."""
    if settings["name"] == FOLDER:
        if not settings.get("path"):
            raise LatentCodecError("dataset.path: the folder dataset needs a folder or a .zip")
        path = Path(settings["path"]).expanduser()
        if not path.exists():
            raise LatentCodecError(f"dataset.path: {path} does not exist")
        return LocalImages(path)
    return get_dataset(settings["name"])


def get_dataset(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        known = ", ".join(sorted([*DATASETS, FOLDER]))
        raise LatentCodecError(f"unknown dataset {name!r}; known: {known}") from None


def select_images(dataset: Dataset | LocalImages, selection: str | int | list[str]) -> list[str]:
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
    settings: dict,
    image: str,
    destination: str | os.PathLike,
    mirror: str | os.PathLike | None = None,
) -> None:
    """Place one image of the config's dataset at `destination` as 8-bit RGB PNG.

    A registered dataset's file comes from the mirror or the web and is verified against its
    shipped SHA-256 sum; a folder dataset's image is read and converted. `mirror` is the
    config value; when None, $LATENTCODEC_MIRROR is used if set.
    """
    dataset = dataset_from_config(settings)
    if isinstance(dataset, LocalImages):
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

"""Datasets: where each image comes from, how it is verified, and how a config selects images.

- Registered datasets (Kodak) have a download URL and a shipped SHA-256 sum per image.
- Registered archives (Flickr8k, CLIC 2020 professional validation) are one published zip,
  checked against the one digest known for it, read where it lies (mirror) or downloaded
  once into the cache. Its member list is read when the workflow is parsed, because the
  image ids are wildcards; Flickr8k is sampled (`dataset.sample` images by `dataset.seed`),
  and only the chosen members are ever read, one at a time, never unpacked to disk.
- `folder`: the user's own images, from a folder or a .zip (config `dataset.path`). Each is
  read with `latentcodec.io.load_image` (any common mode becomes 8-bit RGB, logged) and
  placed as PNG, so every later step sees exactly what the model saw. A zip is read without
  extracting it: members with absolute paths, `..`, or links are refused, and each member is
  read with a size cap, so a crafted archive cannot write outside the workflow or fill the
  disk.
- `dataset.max_side`: images whose longer side exceeds it are shrunk (Pillow Lanczos, aspect
  kept); the value becomes part of the folder key, `resources/datasets/kodak-max1024/`.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath

from latentcodec.errors import LatentCodecError
from latentcodec.io import (
    load_image,
    write_png,
    write_text_atomic,
)
from latentcodec.sources import (
    cache_dir,
    cached_copy,
    check_digest,
    file_digests,
    resolve_mirror,
    sha256_of,
    shipped_checksums,
)

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp", ".ppm", ".avif"}
IMAGE_ID = re.compile(r"^[A-Za-z0-9_.-]+$")
MAX_MEMBER_BYTES = 256 * 2**20  # a larger single image in an archive is refused
DEFAULT_SAMPLE = 20  # images drawn from a sampled archive (schema: dataset.sample)


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

    def origin(self, image: str) -> dict:
        """Where an image came from, for results/<run>/dataset.csv."""
        filename = self.filename(image)
        url = self.url_pattern.format(filename=filename)
        return {"member": filename, "origin": url, "origin_sha256": self.checksums[filename]}


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
        return _image_ids(self.path, names, IMAGE_SUFFIXES)

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

    def origin(self, image: str) -> dict:
        """Where an image came from, for results/<run>/dataset.csv."""
        name = self._files()[image]
        source = self.path / name if self.path.is_dir() else self.path
        return {"member": name, "origin": str(self.path), "origin_sha256": sha256_of(source)}


def _image_ids(source: Path, names: list[str], suffixes: set[str]) -> dict[str, str]:
    """Image id (the name's stem) → name, for the names with an image suffix."""
    files: dict[str, str] = {}
    for name in sorted(names):
        pure = PurePosixPath(name)
        if pure.suffix.lower() not in suffixes:
            continue
        if not IMAGE_ID.match(pure.stem):
            raise LatentCodecError(
                f"{source}: {name!r} needs a name of letters, digits, '_', '-' and '.' "
                "to become an image id"
            )
        if pure.stem in files:
            raise LatentCodecError(
                f"{source}: {files[pure.stem]!r} and {name!r} have the same image id"
            )
        files[pure.stem] = name
    if not files:
        raise LatentCodecError(f"{source}: no image files ({', '.join(sorted(suffixes))})")
    return files


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


@dataclass(frozen=True)
class Archive:
    """A published zip of images, identified by the one digest known for it."""

    name: str
    filename: str
    url: str
    algorithm: str  # hashlib name of the published digest
    digest: str
    suffixes: frozenset[str]
    sampled: bool  # True: the config's dataset.sample images by seed; False: every image
    licence: str
    checksum_note: str  # where the digest comes from


FLICKR8K = Archive(
    name="flickr8k",
    filename="Flickr8k_Dataset.zip",
    url="https://github.com/jbrownlee/Datasets/releases/download/Flickr8k/Flickr8k_Dataset.zip",
    algorithm="md5",
    digest="f18a1e2920de5bd84dae7cf08ec78978",
    suffixes=frozenset({".jpg", ".jpeg"}),
    sampled=True,
    licence=(
        "Flickr8k (Hodosh, Young and Hockenmaier, 2013): for research use under Flickr's "
        "terms of use; each photo keeps its owner's own licence"
    ),
    checksum_note=(
        "no SHA-256 is published; the MD5 is the one third-party loaders check "
        "(mlverse/torchvision and others). The archive's SHA-256 is logged and written to "
        "results/<run>/dataset.csv"
    ),
)
CLIC2020_PROFESSIONAL_VALID = Archive(
    name="clic2020-professional-valid",
    filename="professional_valid_2020.zip",
    url="https://data.vision.ee.ethz.ch/cvl/clic/professional_valid_2020.zip",
    algorithm="md5",
    digest="7111ee240435911db04dbc5f40d50272",
    suffixes=frozenset({".png"}),
    sampled=False,
    licence=(
        "CLIC 2020 professional validation set (41 photos; compression.cc): for research and "
        "benchmarking; each photo keeps its own licence (the challenge took them from Unsplash)"
    ),
    checksum_note=(
        "no checksum is published by the challenge; the MD5 is the one third-party loaders "
        "check (google-deepmind/c3_neural_compression and others). The SHA-1 in "
        "facebookresearch/NeuralCompression is not used: it hashes only the zip's last 22 "
        "bytes. The archive's SHA-256 is logged and written to results/<run>/dataset.csv"
    ),
)
ARCHIVES = {archive.name: archive for archive in (FLICKR8K, CLIC2020_PROFESSIONAL_VALID)}


@dataclass(frozen=True)
class ArchiveImages:
    """A registered archive as a config uses it: every image, or a seeded sample of them."""

    archive: Archive
    sample: int | None  # None: every image of the archive
    seed: int
    mirror: Path | None

    @property
    def name(self) -> str:
        return self.archive.name

    @property
    def images(self) -> list[str]:
        return sorted(self.members)

    @cached_property
    def members(self) -> dict[str, str]:
        """Image id → member name, for the images this config uses (read once per process)."""
        path = self.local_path()
        names = [
            info.filename
            for info in _safe_members(path, MAX_MEMBER_BYTES)
            if not _is_macos_metadata(info.filename)
        ]
        members = _image_ids(path, names, self.archive.suffixes)
        if self.sample is None:
            return members
        if self.sample > len(members):
            raise LatentCodecError(
                f"dataset.sample: {self.sample} is more than the {len(members)} images of "
                f"{self.name}"
            )
        ranked = sorted(members, key=lambda image: sample_rank(self.seed, members[image]))
        return {image: members[image] for image in sorted(ranked[: self.sample])}

    def local_path(self) -> Path:
        """The verified archive: the mirror's copy, or a download kept in the cache."""
        path = cached_copy(
            kind="datasets",
            collection=self.name,
            filename=self.archive.filename,
            url=self.archive.url,
            mirror=self.mirror,
            check=lambda candidate: archive_digests(candidate, self.archive, remember=False),
        )
        archive_digests(path, self.archive)
        return path

    def place(self, image: str, destination: str | os.PathLike, max_pixels: int | None) -> None:
        """Read one member (converting it to 8-bit RGB, logged) and write it as PNG."""
        name = self.members.get(image)
        if name is None:
            raise LatentCodecError(f"{image!r} is not among the images of {self.name} in use")
        path = self.local_path()
        data = _read_member(path, name, MAX_MEMBER_BYTES)
        write_png(destination, load_image(io.BytesIO(data), max_pixels, label=f"{path}:{name}"))

    def origin(self, image: str) -> dict:
        """Where an image came from, for results/<run>/dataset.csv."""
        digests = archive_digests(self.local_path(), self.archive)
        return {
            "member": self.members[image],
            "origin": self.archive.url,
            "origin_sha256": digests["sha256"],
        }


def sample_rank(seed: int, member: str) -> str:
    """A member's place in the seed's order: the N smallest ranks are the sample.

    A hash, not a random generator, so the sample is the same on every platform and
    version, and raising dataset.sample keeps every image drawn before.
    """
    return hashlib.sha256(f"{seed}:{member}".encode()).hexdigest()


def _is_macos_metadata(name: str) -> bool:
    """Finder's resource-fork copies (`__MACOSX/…`, `._name.jpg`) are not images."""
    return name.startswith("__MACOSX/") or name.rpartition("/")[2].startswith("._")


def archive_digests(path: Path, archive: Archive, *, remember: bool = True) -> dict[str, str]:
    """Check `path` against the archive's published digest; return its MD5 and SHA-256.

    Hashing a 1 GB archive takes seconds and happens in every process that parses the
    workflow, so a successful check is remembered in the cache, keyed by the file's path,
    size and modification time; a changed file is hashed again.
    """
    status = path.stat()
    identity = {
        "path": str(path.resolve()),
        "size": status.st_size,
        "mtime_ns": status.st_mtime_ns,
        archive.algorithm: archive.digest,
    }
    stamp = cache_dir() / "verified" / f"{sha256_text(identity['path'])[:16]}.json"
    try:
        remembered = json.loads(stamp.read_text())
        if remembered["file"] == identity:
            return remembered["digests"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    digests = file_digests(path, {archive.algorithm, "sha256"})
    check_digest(path, archive.algorithm, digests[archive.algorithm], archive.digest)
    log.info(
        "%s: %s matches the published %s; its SHA-256 is %s",
        archive.name,
        path,
        archive.algorithm.upper(),
        digests["sha256"],
    )
    if remember:
        try:
            write_text_atomic(stamp, json.dumps({"file": identity, "digests": digests}))
        except OSError as error:
            log.warning("%s: cannot remember the check in %s (%s)", path, stamp, error)
    return digests


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def dataset_from_config(
    settings: dict, mirror: str | os.PathLike | None = None
) -> Dataset | LocalImages | ArchiveImages:
    """The dataset the config's `dataset` section names (`mirror`: the config key)."""
    if settings["name"] in ARCHIVES:
        archive = ARCHIVES[settings["name"]]
        return ArchiveImages(
            archive,
            sample=settings.get("sample", DEFAULT_SAMPLE) if archive.sampled else None,
            seed=settings.get("seed", 0),
            mirror=resolve_mirror(mirror),
        )
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
        known = ", ".join(sorted([*DATASETS, *ARCHIVES, FOLDER]))
        raise LatentCodecError(f"unknown dataset {name!r}; known: {known}") from None


def dataset_key(dataset: Dataset | LocalImages | ArchiveImages, max_side: int | None) -> str:
    """The folder under resources/datasets/: the dataset's key, plus -max<N> when shrunk."""
    return f"{dataset.name}-max{max_side}" if max_side else dataset.name


def select_images(
    dataset: Dataset | LocalImages | ArchiveImages, selection: str | int | list[str]
) -> list[str]:
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

"""Getting verified copies of remote files: from a local mirror when one is set, else the network.

A mirror is a folder laid out like the project's `shared/` folder:

    <mirror>/datasets/<dataset>/<file>
    <mirror>/models/<model>/<file>

It is named by the config key `mirror` or, when that is unset, the environment variable
`LATENTCODEC_MIRROR`. Every file, mirrored or downloaded, is checked against the SHA-256
sum the package ships before anything uses it — or, for a dataset archive whose publishers
gave no SHA-256, against the digest the dataset registry names (`latentcodec.datasets`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path

from latentcodec.errors import LatentCodecError
from latentcodec.io import atomic_path

log = logging.getLogger(__name__)

MIRROR_VARIABLE = "LATENTCODEC_MIRROR"
DOWNLOAD_TIMEOUT_S = 60


def resolve_mirror(configured: str | os.PathLike | None = None) -> Path | None:
    """The mirror folder: the config value if given, else $LATENTCODEC_MIRROR, else None."""
    value = configured or os.environ.get(MIRROR_VARIABLE)
    if not value:
        return None
    mirror = Path(value).expanduser()
    if not mirror.is_dir():
        source = "config key 'mirror'" if configured else f"${MIRROR_VARIABLE}"
        raise LatentCodecError(f"mirror folder {mirror} (from {source}) does not exist")
    return mirror


def shipped_checksums(name: str) -> dict[str, str]:
    """The SHA-256 sums shipped with the package in `data/<name>.sha256` (sha256sum format)."""
    text = resources.files("latentcodec.data").joinpath(f"{name}.sha256").read_text()
    sums = {}
    for line in text.splitlines():
        if line.strip():
            digest, filename = line.split(maxsplit=1)
            sums[filename.lstrip("*")] = digest
    return sums


DIGEST_LABELS = {"sha256": "SHA-256", "md5": "MD5"}


def file_digests(path: str | os.PathLike, algorithms: Iterable[str]) -> dict[str, str]:
    """Hex digests of a file under several hashlib algorithms, reading it once."""
    digests = {algorithm: hashlib.new(algorithm) for algorithm in algorithms}
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            for digest in digests.values():
                digest.update(block)
    return {algorithm: digest.hexdigest() for algorithm, digest in digests.items()}


def sha256_of(path: str | os.PathLike) -> str:
    return file_digests(path, ["sha256"])["sha256"]


def check_digest(path: str | os.PathLike, algorithm: str, actual: str, expected: str) -> None:
    """Fail, naming the file and both sums, unless the digests agree."""
    if actual != expected:
        label = DIGEST_LABELS.get(algorithm, algorithm)
        raise LatentCodecError(
            f"{path}: {label} is {actual}, expected {expected}; "
            "the file is corrupt or not the published one — delete it and fetch it again"
        )


def verify(path: str | os.PathLike, expected: str) -> None:
    """Fail, naming the file and both sums, unless `path` has SHA-256 `expected`."""
    check_digest(path, "sha256", sha256_of(path), expected)


def fetch_verified(
    *,
    kind: str,
    collection: str,
    filename: str,
    url: str,
    sha256: str,
    destination: str | os.PathLike,
    mirror: Path | None,
) -> None:
    """Copy `<mirror>/<kind>/<collection>/<filename>` or download `url` to `destination`.

    The result is verified before it is renamed into place, so `destination` either holds the
    published bytes or does not exist.
    """
    with atomic_path(destination) as tmp:
        if mirror is not None:
            tmp.write_bytes(_mirror_path(mirror, kind, collection, filename).read_bytes())
        else:
            _download(url, tmp, kind=kind, collection=collection, filename=filename)
        verify(tmp, sha256)


def _mirror_path(mirror: Path, kind: str, collection: str, filename: str) -> Path:
    path = mirror / kind / collection / filename
    if not path.is_file():
        raise LatentCodecError(
            f"{path}: not found in the mirror {mirror} "
            f"(expected layout: <mirror>/{kind}/{collection}/{filename})"
        )
    return path


def _download(url: str, target: Path, *, kind: str, collection: str, filename: str) -> None:
    try:
        with (
            urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response,
            open(target, "wb") as stream,
        ):
            shutil.copyfileobj(response, stream, 1 << 20)  # archives are ~1 GB: stream them
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise LatentCodecError(
            f"cannot download {url} ({getattr(error, 'reason', error)}). Without network, "
            f"provide a local copy: put {filename} in <folder>/{kind}/{collection}/ and set "
            f"{MIRROR_VARIABLE}=<folder> (or the config key 'mirror')"
        ) from error


def cache_dir() -> Path:
    """Where downloaded model files are kept: $LATENTCODEC_CACHE or ~/.cache/latentcodec."""
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "latentcodec"
    return Path(os.environ.get("LATENTCODEC_CACHE", default))


def local_copy(
    *, kind: str, collection: str, filename: str, url: str, sha256: str, mirror: Path | None
) -> Path:
    """A verified local path of a file: the mirror's copy, else a cached download."""
    if mirror is not None:
        path = _mirror_path(mirror, kind, collection, filename)
        verify(path, sha256)
        return path
    path = cache_dir() / kind / collection / filename
    if not path.is_file():
        fetch_verified(
            kind=kind,
            collection=collection,
            filename=filename,
            url=url,
            sha256=sha256,
            destination=path,
            mirror=None,
        )
    verify(path, sha256)
    return path


def cached_copy(
    *,
    kind: str,
    collection: str,
    filename: str,
    url: str,
    mirror: Path | None,
    check: Callable[[Path], object],
) -> Path:
    """A local path of a large file: the mirror's copy read in place, else a cached download.

    The download happens once, streamed to a temporary name; `check(path)` (a checksum test)
    must pass before it is renamed into the cache, so the cache never holds a bad copy.
    Callers check the returned path themselves (cheaply, see `datasets.archive_digests`).
    """
    if mirror is not None:
        return _mirror_path(mirror, kind, collection, filename)
    path = cache_dir() / kind / collection / filename
    if not path.is_file():
        log.warning("downloading %s once into %s (later runs read it from there)", url, path)
        with atomic_path(path) as tmp:
            _download(url, tmp, kind=kind, collection=collection, filename=filename)
            check(tmp)
    return path

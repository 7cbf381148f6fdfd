"""Getting verified copies of remote files: from a local mirror when one is set, else the network.

A mirror is a folder laid out like the project's `shared/` folder:

    <mirror>/datasets/<dataset>/<file>
    <mirror>/models/<model>/<file>

It is named by the config key `mirror` or, when that is unset, the environment variable
`LATENTCODEC_MIRROR`. Every file, mirrored or downloaded, is checked against the SHA-256
sum the package ships before anything uses it.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from importlib import resources
from pathlib import Path

from latentcodec.errors import LatentCodecError
from latentcodec.io import atomic_path

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


def sha256_of(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: str | os.PathLike, expected: str) -> None:
    """Fail, naming the file and both sums, unless `path` has SHA-256 `expected`."""
    actual = sha256_of(path)
    if actual != expected:
        raise LatentCodecError(
            f"{path}: SHA-256 is {actual}, expected {expected}; "
            "the file is corrupt or not the published one — delete it and fetch it again"
        )


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
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
            target.write_bytes(response.read())
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

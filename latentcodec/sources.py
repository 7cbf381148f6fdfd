"""Getting verified copies of remote files: from a local mirror when one is set, else the network.

A mirror is a folder laid out like the project's `shared/` folder:

    <mirror>/datasets/<dataset>/<file>
    <mirror>/models/<model>/<file>

It is named by the config key `mirror` or, when that is unset, the environment variable
`LATENTCODEC_MIRROR`. Every file, mirrored or downloaded, is checked against a SHA-256 sum
before anything uses it: the one the package ships; for a dataset archive whose publishers
gave no SHA-256, the digest the dataset registry names (`latentcodec.workflow.datasets`); for model
weights in a mirror, the mirror folder's `SHA256SUMS`; for model weights downloaded without a
shipped sum, the sum recorded beside the cached file on first download (trust on first use).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from latentcodec.errors import LatentCodecError
from latentcodec.io import atomic_path, write_text_atomic

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


def shipped_file(*parts: str):
    """A file the package ships under `latentcodec/data/` (an importlib.resources
    Traversable: open it, read it, ask `is_file()`), found in an installed package too."""
    found = resources.files("latentcodec.data")
    for part in parts:
        found = found.joinpath(part)
    return found


def shipped_checksums(name: str) -> dict[str, str]:
    """The SHA-256 sums shipped with the package in `data/<name>.sha256` (sha256sum format)."""
    return parse_checksums(shipped_file(f"{name}.sha256").read_text())


def parse_checksums(text: str) -> dict[str, str]:
    """File name → digest from `sha256sum` output (`<digest>  <name>`, `*` for binary mode)."""
    sums = {}
    for line in text.splitlines():
        if line.strip():
            digest, filename = line.split(maxsplit=1)
            sums[filename.strip().lstrip("*")] = digest.lower()
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


WEIGHT_SUFFIXES = (".safetensors", ".pth")  # the order a mirror folder is searched in
CHECKSUMS_FILE = "SHA256SUMS"


@dataclass(frozen=True)
class WeightsFile:
    """A local copy of a weights file and the SHA-256 sum it was verified against."""

    path: Path
    sha256: str


def model_weights(
    model: str, parts: Iterable[str], *, url: str, mirror: Path | None
) -> dict[str, WeightsFile]:
    """Verified local copies of `<model>_<part>` weight files, by part.

    From a mirror: `<mirror>/models/<model>/<model>_<part>.safetensors` or `.pth`, checked
    against that folder's `SHA256SUMS` (and against a sum the package ships for the same file
    name, if any). Without one: `<url>/<model>_<part>.pth`, downloaded once into the cache
    and checked against the shipped sum or, where none is shipped, the one recorded on first
    download (`recorded_copy`).
    """
    shipped = shipped_checksums(model) if _ships_checksums(model) else {}
    return {part: _weights_file(model, part, url, mirror, shipped) for part in parts}


def _weights_file(
    model: str, part: str, url: str, mirror: Path | None, shipped: dict[str, str]
) -> WeightsFile:
    if mirror is not None:
        path = _mirrored_weights(mirror, model, part)
        digest = sha256_of(path)
        check_digest(path, "sha256", digest, _mirror_checksum(path))
        if path.name in shipped:
            check_digest(path, "sha256", digest, shipped[path.name])
        return WeightsFile(path, digest)
    filename = f"{model}_{part}.pth"
    if filename not in shipped:
        return recorded_copy(collection=model, filename=filename, url=f"{url}/{filename}")
    path = cache_dir() / "models" / model / filename
    if not path.is_file():
        fetch_verified(
            kind="models",
            collection=model,
            filename=filename,
            url=f"{url}/{filename}",
            sha256=shipped[filename],
            destination=path,
            mirror=None,
        )
    verify(path, shipped[filename])
    return WeightsFile(path, shipped[filename])


def _ships_checksums(name: str) -> bool:
    return shipped_file(f"{name}.sha256").is_file()


def _mirrored_weights(mirror: Path, model: str, part: str) -> Path:
    folder = mirror / "models" / model
    candidates = [folder / f"{model}_{part}{suffix}" for suffix in WEIGHT_SUFFIXES]
    for path in candidates:
        if path.is_file():
            return path
    raise LatentCodecError(
        f"{' or '.join(map(str, candidates))}: not found in the mirror {mirror} (expected "
        f"layout: <mirror>/models/{model}/<file>, with a {CHECKSUMS_FILE} listing it beside it)"
    )


def _mirror_checksum(path: Path) -> str:
    """The sum `SHA256SUMS` beside `path` lists for it; an error naming both files otherwise."""
    listing = path.parent / CHECKSUMS_FILE
    if not listing.is_file():
        raise LatentCodecError(
            f"{path}: no {listing} to check it against; write one with "
            f"`sha256sum {path.name} > {CHECKSUMS_FILE}` in that folder"
        )
    sums = parse_checksums(listing.read_text())
    if path.name not in sums:
        raise LatentCodecError(f"{path}: not listed in {listing}; add its SHA-256 there")
    return sums[path.name]


def recorded_copy(*, collection: str, filename: str, url: str) -> WeightsFile:
    """A cached download of a model file whose publisher gives no sum: trust on first use.

    The first download's SHA-256 is logged and written beside the file as `<file>.sha256`;
    every later use is checked against it, so a changed or corrupted copy is refused. A
    `.sha256` put there by hand pins the sum before the first download.
    """
    path = cache_dir() / "models" / collection / filename
    recorded = path.with_name(f"{filename}.sha256")
    if not path.is_file():
        with atomic_path(path) as tmp:
            _download(url, tmp, kind="models", collection=collection, filename=filename)
            digest = sha256_of(tmp)
            if recorded.is_file():
                check_digest(
                    f"{url} (sum pinned in {recorded})", "sha256", digest, _recorded_sum(recorded)
                )
            else:
                write_text_atomic(recorded, f"{digest}  {filename}\n")
                log.warning(
                    "%s: no published SHA-256; recorded %s on first download in %s "
                    "(later uses are checked against it)",
                    url,
                    digest,
                    recorded,
                )
    if not recorded.is_file():
        raise LatentCodecError(
            f"{path}: no recorded SHA-256 ({recorded} is missing); delete the file to download "
            "it again and record its sum"
        )
    expected = _recorded_sum(recorded)
    verify(path, expected)
    return WeightsFile(path, expected)


def _recorded_sum(recorded: Path) -> str:
    sums = list(parse_checksums(recorded.read_text()).values())
    if len(sums) != 1:
        raise LatentCodecError(f"{recorded}: expected one `<sha256>  <file>` line")
    return sums[0]


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

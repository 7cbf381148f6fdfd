"""What produced a run's numbers: library versions, codec builds and model weight sums.

Written next to `metrics.csv` as `versions.json`, so a result can be traced to the software
that made it. Versions come from package metadata: nothing here imports torch.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from importlib import metadata

from latentcodec import __version__
from latentcodec.codecs.registry import CODECS
from latentcodec.io import write_text_atomic
from latentcodec.measure.perceptual import BUTTERAUGLI_TOOL
from latentcodec.models.registry import get_spec
from latentcodec.sources import model_weights, resolve_mirror

PACKAGES = [
    "torch",
    "diffusers",
    "huggingface-hub",
    "numpy",
    "pillow",
    "imagecodecs",
    "scikit-image",
    "pytorch-msssim",
    "scipy",
    "safetensors",
    "pandas",
    "matplotlib",
    "snakemake",
]


def versions(models: list[str], codecs: list[str], mirror: str | None = None) -> dict:
    """Versions of Python, the packages, each codec's library, and the models' weights.

    `mirror` is the config's (see `latentcodec.sources`): the weights' sums are those of the
    files the models load from there, or from the download cache without one.
    """
    folder = resolve_mirror(mirror)
    return {
        "latentcodec": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": {name: _installed(name) for name in PACKAGES},
        "codecs": {name: CODECS[name].library() for name in sorted(set(codecs))},
        "tools": {BUTTERAUGLI_TOOL: _debian_version("libjxl-devtools")},
        "models": {name: _weights(name, folder) for name in models},
    }


def write_versions(
    output: str | os.PathLike, models: list[str], codecs: list[str], mirror: str | None = None
) -> None:
    record = versions(models, codecs, mirror)
    write_text_atomic(output, json.dumps(record, indent=2, sort_keys=True) + "\n")


def _debian_version(package: str) -> str | None:
    """The Debian package version a tool came from (it prints none itself), if known."""
    try:
        result = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True
        )
    except OSError:  # not a Debian-based system
        return None
    if result.returncode != 0:
        return None
    return result.stdout.strip() or None


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _weights(name: str, mirror) -> dict:
    """The weight files' SHA-256 sums, verified as loading verifies them (downloading if needed).

    Without a mirror, a TAESD-family model whose sums the package does not ship is
    downloaded here if no job has yet, so that its first-use sum is recorded in any case.
    """
    spec = get_spec(name)
    if spec.family == "taesd":
        files = model_weights(name, ("encoder", "decoder"), url=spec.source, mirror=mirror)
        return {
            "source": str(files["encoder"].path.parent) if mirror else spec.source,
            "sha256": {file.path.name: file.sha256 for file in files.values()},
        }
    loader = "AutoencoderKL" if spec.family == "diffusers-kl" else "AutoencoderTiny"
    return {"source": spec.source, "loader": f"diffusers {loader}.from_pretrained"}

"""What produced a run's numbers: library versions, codec builds and model weight sums.

Written next to `metrics.csv` as `versions.json`, so a result can be traced to the software
that made it. Versions come from package metadata: nothing here imports torch.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from importlib import metadata

from latentcodec import __version__
from latentcodec.codecs import CODECS
from latentcodec.io import write_text_atomic
from latentcodec.models import get_spec
from latentcodec.sources import shipped_checksums

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
    "pandas",
    "matplotlib",
    "snakemake",
]


def versions(models: list[str], codecs: list[str]) -> dict:
    """Versions of Python, the packages, each codec's library, and the models' weights."""
    return {
        "latentcodec": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": {name: _installed(name) for name in PACKAGES},
        "codecs": {name: CODECS[name].library() for name in sorted(set(codecs))},
        "models": {name: _weights(name) for name in models},
    }


def write_versions(output: str | os.PathLike, models: list[str], codecs: list[str]) -> None:
    write_text_atomic(output, json.dumps(versions(models, codecs), indent=2, sort_keys=True) + "\n")


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _weights(name: str) -> dict:
    spec = get_spec(name)
    if spec.family == "taesd":
        return {"source": spec.source, "sha256": shipped_checksums(name)}
    return {"source": spec.source, "loader": "diffusers AutoencoderKL.from_pretrained"}

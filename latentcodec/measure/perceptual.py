"""Perceptual metrics of a results row: SSIMULACRA2 and Butteraugli.

- SSIMULACRA2: `latentcodec.measure.ssimulacra2`, a port of libjxl's reference tool (column
  `ssimulacra2`; 100 = identical, higher is better).
- Butteraugli: libjxl's own `butteraugli_main` (Debian/Ubuntu: `apt-get install
  libjxl-devtools`), run as `butteraugli_main REF.png DIST.png --pnorm 3`; columns
  `butteraugli` (its max-norm) and `butteraugli_3norm` (its 3-norm); 0 = identical, lower
  is better. It reads PNGs without a colour profile as sRGB and views them at its default
  80 nits.

The config key `perceptual_metrics` says which to compute; the columns of a metric not
configured hold NaN, by choice. A configured metric whose tool is missing stops the workflow
at start-up (`check_tools`), so a missing tool never turns into NaN.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from latentcodec.errors import LatentCodecError
from latentcodec.measure.ssimulacra2 import ssimulacra2

PERCEPTUAL_METRICS = ("ssimulacra2", "butteraugli")  # the config's default: all of them
METRIC_COLUMNS = {
    "ssimulacra2": ("ssimulacra2",),
    "butteraugli": ("butteraugli", "butteraugli_3norm"),
}
BUTTERAUGLI_TOOL = "butteraugli_main"
BUTTERAUGLI_INSTALL = (
    f"{BUTTERAUGLI_TOOL} (libjxl's Butteraugli tool) is not on PATH: install it with "
    "`apt-get install libjxl-devtools` on Debian/Ubuntu, or elsewhere build libjxl with "
    "-DJPEGXL_ENABLE_DEVTOOLS=ON and put its tools/butteraugli_main on PATH; or leave "
    "butteraugli out of perceptual_metrics"
)
# stdout of `butteraugli_main A B --pnorm 3`: the max-norm, then "3-norm: <value>".
_BUTTERAUGLI_OUTPUT = re.compile(r"\A\s*(\S+)\s*\n\s*3-norm:\s*(\S+)\s*\Z")

ImageInput = np.ndarray | str | os.PathLike


def check_tools(metrics: Sequence[str], key: str = "perceptual_metrics") -> None:
    """Raise LatentCodecError, saying how to install it, if a metric's tool is missing."""
    unknown = [name for name in metrics if name not in METRIC_COLUMNS]
    if unknown:
        raise LatentCodecError(
            f"{key}: unknown metric(s) {unknown}; known: {', '.join(METRIC_COLUMNS)}"
        )
    if "butteraugli" in metrics and shutil.which(BUTTERAUGLI_TOOL) is None:
        raise LatentCodecError(f"{key}: butteraugli is configured, but {BUTTERAUGLI_INSTALL}")


def perceptual_scores(
    metrics: Sequence[str],
    original: np.ndarray,
    image: np.ndarray,
    image_path: str | os.PathLike | None = None,
) -> dict[str, float]:
    """Every perceptual column for one reconstruction: computed if configured, else NaN.

    `image_path`, if given, is a PNG holding exactly `image` (the saved reconstruction),
    handed to Butteraugli instead of writing the array again.
    """
    check_tools(metrics)
    scores = {column: math.nan for columns in METRIC_COLUMNS.values() for column in columns}
    if "ssimulacra2" in metrics:
        scores["ssimulacra2"] = ssimulacra2(original, image)
    if "butteraugli" in metrics:
        distorted = image if image_path is None else image_path
        scores["butteraugli"], scores["butteraugli_3norm"] = butteraugli(original, distorted)
    return scores


def butteraugli(reference: ImageInput, distorted: ImageInput) -> tuple[float, float]:
    """(max-norm, 3-norm) Butteraugli distance of `distorted` from `reference`.

    Each is an image file's path or an (H, W, 3) uint8 sRGB array (written to a temporary
    PNG). Raises LatentCodecError naming both files if the tool is missing, fails, or prints
    anything but two non-negative numbers.
    """
    if isinstance(reference, np.ndarray) and isinstance(distorted, np.ndarray):
        if reference.shape != distorted.shape:
            raise LatentCodecError(
                f"Butteraugli: images differ in shape: {reference.shape} vs {distorted.shape}"
            )
    with tempfile.TemporaryDirectory(prefix="butteraugli-") as folder:
        paths = [
            _as_png(item, Path(folder) / f"{role}.png")
            for item, role in ((reference, "reference"), (distorted, "distorted"))
        ]
        return _run_butteraugli(*paths)


def _as_png(item: ImageInput, path: Path) -> Path:
    if not isinstance(item, np.ndarray):
        return Path(item)
    if item.dtype != np.uint8 or item.ndim != 3 or item.shape[2] != 3:
        raise LatentCodecError(
            f"Butteraugli: expected an (H, W, 3) uint8 image, got {item.shape} {item.dtype}"
        )
    # No colour profile: butteraugli_main reads it as sRGB, as every metric here does.
    # Uncompressed: a temporary file, written 2–3× faster than at zlib's level 1.
    Image.fromarray(item, mode="RGB").save(path, format="PNG", compress_level=0)
    return path


def _run_butteraugli(reference: Path, distorted: Path) -> tuple[float, float]:
    files = f"{reference} and {distorted}"
    command = [BUTTERAUGLI_TOOL, str(reference), str(distorted), "--pnorm", "3"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise LatentCodecError(
            f"Butteraugli of {files} cannot run: {BUTTERAUGLI_INSTALL}"
        ) from None
    if result.returncode != 0:
        raise LatentCodecError(
            f"Butteraugli of {files}: {BUTTERAUGLI_TOOL} exited with {result.returncode}: "
            f"{result.stderr.strip()[-500:] or '(no message)'}"
        )
    match = _BUTTERAUGLI_OUTPUT.match(result.stdout)
    try:
        values = tuple(float(text) for text in match.groups()) if match else ()
    except ValueError:
        values = ()
    if len(values) != 2 or not all(math.isfinite(value) and value >= 0 for value in values):
        raise LatentCodecError(
            f"Butteraugli of {files}: unexpected output from {BUTTERAUGLI_TOOL} "
            f"(expected the max-norm, then '3-norm: <value>'): {result.stdout[:300]!r}"
        )
    return values

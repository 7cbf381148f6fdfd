"""Butteraugli through libjxl's tool, the perceptual scores, and the check that a configured
metric's tool is installed (latentcodec.measure.perceptual)."""

from __future__ import annotations

import math
import os
import stat

import numpy as np
import pytest
from PIL import Image

from latentcodec.errors import LatentCodecError
from latentcodec.measure.perceptual import (
    BUTTERAUGLI_TOOL,
    PERCEPTUAL_METRICS,
    butteraugli,
    check_tools,
    perceptual_scores,
)
from tests.helpers import PERCEPTUAL_COLUMNS, image_pair


def fake_tool(tmp_path, monkeypatch, script: str) -> None:
    """Put a `butteraugli_main` shell script first on PATH."""
    folder = tmp_path / "fake-bin"
    folder.mkdir()
    path = folder / BUTTERAUGLI_TOOL
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")


def test_identical_images_are_at_distance_zero(tool):
    original, _ = image_pair(0)
    assert butteraugli(original, original.copy()) == (0.0, 0.0)


def test_the_distance_grows_with_noise_and_the_max_norm_bounds_the_3_norm(tool):
    distances = [butteraugli(*image_pair(sigma)) for sigma in (2, 8, 32)]
    assert all(0 < pnorm <= maximum for maximum, pnorm in distances)
    assert [d[0] for d in distances] == sorted(d[0] for d in distances)
    assert [d[1] for d in distances] == sorted(d[1] for d in distances)


def test_paths_and_arrays_give_the_same_distance(tool, tmp_path):
    original, distorted = image_pair(8)
    Image.fromarray(original).save(tmp_path / "a.png")
    Image.fromarray(distorted).save(tmp_path / "b.png")
    from_paths = butteraugli(tmp_path / "a.png", str(tmp_path / "b.png"))
    assert from_paths == butteraugli(original, distorted)
    assert from_paths == butteraugli(tmp_path / "a.png", distorted)


def test_a_tool_failure_names_both_files(tool, tmp_path):
    original, _ = image_pair(0)
    missing = tmp_path / "missing.png"
    with pytest.raises(LatentCodecError, match=r"missing\.png.*exited with"):
        butteraugli(original, missing)


def test_images_of_different_shapes_are_refused():
    with pytest.raises(LatentCodecError, match="differ in shape"):
        butteraugli(np.zeros((8, 8, 3), np.uint8), np.zeros((8, 9, 3), np.uint8))


@pytest.mark.parametrize(
    "output", ["", "1.5\n", "hello\n3-norm: 1.0\n", "1.5\n3-norm: nan\n", "1.5\n2-norm: 1\n"]
)
def test_unexpected_output_is_an_error_naming_the_files(tmp_path, monkeypatch, output):
    fake_tool(tmp_path, monkeypatch, f"printf '{output}'\n")
    with pytest.raises(LatentCodecError, match=r"reference\.png and .*unexpected output"):
        butteraugli(*image_pair(4))


def test_the_output_is_parsed_as_max_norm_then_3_norm(tmp_path, monkeypatch):
    fake_tool(tmp_path, monkeypatch, "echo 3.4766368866\necho '3-norm: 1.636786'\n")
    assert butteraugli(*image_pair(4)) == (3.4766368866, 1.636786)


def test_a_missing_tool_says_how_to_install_it(no_tools):
    with pytest.raises(LatentCodecError, match="apt-get install libjxl-devtools"):
        check_tools(["butteraugli"])
    with pytest.raises(LatentCodecError, match="JPEGXL_ENABLE_DEVTOOLS=ON"):
        butteraugli(*image_pair(4))
    check_tools(["ssimulacra2"])  # computed in the package: needs no tool


def test_unconfigured_metrics_are_nan_and_configured_ones_are_computed(tool):
    original, distorted = image_pair(8)
    none = perceptual_scores([], original, distorted)
    assert list(none) == PERCEPTUAL_COLUMNS and all(math.isnan(v) for v in none.values())
    only = perceptual_scores(["ssimulacra2"], original, distorted)
    assert only["ssimulacra2"] < 100 and math.isnan(only["butteraugli"])
    both = perceptual_scores(PERCEPTUAL_METRICS, original, distorted)
    assert both["ssimulacra2"] == only["ssimulacra2"] and both["butteraugli"] > 0


def test_perceptual_scores_refuse_an_unknown_metric():
    with pytest.raises(LatentCodecError, match=r"unknown metric\(s\) \['lpips'\]"):
        perceptual_scores(["lpips"], *image_pair(0))

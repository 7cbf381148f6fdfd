"""Butteraugli through libjxl's tool, the perceptual columns of every row, and the start-up
check that a configured metric's tool is installed."""

from __future__ import annotations

import copy
import math
import os
import shutil
import stat
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image
from snakemake.utils import validate

from latentcodec.config import check_config
from latentcodec.errors import LatentCodecError
from latentcodec.perceptual import (
    BUTTERAUGLI_TOOL,
    PERCEPTUAL_METRICS,
    butteraugli,
    check_tools,
    perceptual_scores,
)
from latentcodec.pipeline import pixel_baseline
from latentcodec.tables import read_table

from .conftest import REPO

PERCEPTUAL_COLUMNS = ["ssimulacra2", "butteraugli", "butteraugli_3norm"]


@pytest.fixture(scope="module")
def tool():
    """butteraugli_main on PATH: skipped without it on a developer machine, failed in CI
    (.ci/run installs it), so the Butteraugli tests cannot silently stop running."""
    if shutil.which(BUTTERAUGLI_TOOL) is None:
        message = f"{BUTTERAUGLI_TOOL} not on PATH (apt-get install libjxl-devtools)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def no_tools(tmp_path, monkeypatch):
    """PATH holding nothing, so no external tool is found."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def fake_tool(tmp_path, monkeypatch, script: str) -> None:
    """Put a `butteraugli_main` shell script first on PATH."""
    folder = tmp_path / "fake-bin"
    folder.mkdir()
    path = folder / BUTTERAUGLI_TOOL
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")


def image_pair(sigma: float, shape=(48, 64, 3), seed=0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]]
    base = np.stack([x * 3, y * 4, (x + y) * 2], axis=-1) % 256
    noisy = base + rng.normal(0, sigma, shape)
    return base.astype(np.uint8), np.clip(np.rint(noisy), 0, 255).astype(np.uint8)


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


def validated(config: dict) -> dict:
    config = copy.deepcopy(config)
    validate(config, str(REPO / "schemas" / "config.schema.yaml"))
    return config


def test_the_schema_default_is_every_metric():
    assert validated({})["perceptual_metrics"] == list(PERCEPTUAL_METRICS)
    with pytest.raises(Exception, match="(?i)validation"):
        validated({"perceptual_metrics": ["lpips"]})


def test_the_workflow_stops_at_start_up_when_butteraugli_is_missing(no_tools):
    default = yaml.safe_load((REPO / "config.yaml").read_text())
    with pytest.raises(LatentCodecError, match=r"perceptual_metrics: .*libjxl-devtools"):
        check_config(validated(default))
    check_config(validated({**default, "perceptual_metrics": ["ssimulacra2"]}))


@pytest.mark.parametrize("metrics", [[], ["ssimulacra2", "butteraugli"]])
def test_pixel_baseline_rows_carry_the_perceptual_columns(tool, tmp_path, metrics):
    sources = []
    for seed in (0, 1):
        original, _ = image_pair(0, shape=(40, 56, 3), seed=seed)
        sources.append(tmp_path / f"img{seed}.png")
        Image.fromarray(original).save(sources[-1])
    table = tmp_path / "metrics.csv"
    pixel_baseline(
        sources=sources,
        compressed=tmp_path / "compressed",
        recons=tmp_path / "recon",
        table=table,
        name="jpeg",
        codec="jpeg",
        quality_values=[20, 90],
        perceptual_metrics=metrics,
    )
    rows = read_table(table)
    assert len(rows) == 4
    if not metrics:
        assert rows[PERCEPTUAL_COLUMNS].isna().all().all()
        return
    assert rows[PERCEPTUAL_COLUMNS].notna().all().all()
    by_quality = rows.groupby("quality_value")[PERCEPTUAL_COLUMNS].mean()
    assert by_quality.loc[90, "ssimulacra2"] > by_quality.loc[20, "ssimulacra2"]
    assert by_quality.loc[90, "butteraugli"] < by_quality.loc[20, "butteraugli"]
    recon = Path(rows["recon"].iloc[0])
    assert recon.is_file()

"""Shared fixtures: the mirror of real data (Kodak, TAEF2) laid out like shared/, and libjxl's
Butteraugli tool (present, or absent from PATH)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from latentcodec.measure.perceptual import BUTTERAUGLI_TOOL

REPO = Path(__file__).resolve().parent.parent
# The test files that take minutes, slowest first. `make pytest` hands whole files to two
# workers in collection order (--no-loadscope-reorder); xdist's own order, by number of tests,
# could start the DAG runs late and leave one worker running them alone at the end.
SLOWEST_FILES = ("test_workflow.py", "test_workflow_configs.py", "test_gpu_check.py")


def pytest_collection_modifyitems(items):
    """Collect the slowest files first (the sort is stable: the rest keep their order)."""

    def rank(item) -> int:
        path = item.path.relative_to(REPO / "tests").as_posix()
        return SLOWEST_FILES.index(path) if path in SLOWEST_FILES else len(SLOWEST_FILES)

    items.sort(key=rank)


@pytest.fixture(scope="session")
def mirror() -> Path:
    """$LATENTCODEC_MIRROR, else ../shared beside the checkout.

    Skipped on a developer machine without it; in CI (CI=true) a missing mirror fails,
    so the real-data tests cannot silently stop running.
    """
    candidate = Path(os.environ.get("LATENTCODEC_MIRROR") or REPO.parent / "shared").resolve()
    if not (candidate / "datasets" / "kodak" / "kodim01.png").is_file():
        message = f"no real-data mirror at {candidate} (set LATENTCODEC_MIRROR)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return candidate


@pytest.fixture(scope="session")
def kodim01(mirror):
    from latentcodec.io import read_rgb

    return read_rgb(mirror / "datasets" / "kodak" / "kodim01.png")


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

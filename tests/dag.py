"""Running the workflow in tests: a copy of it in a fresh folder, the tiny config, a Snakemake
call, its dry run's job counts and its table (tests/test_workflow.py and
tests/test_workflow_configs.py, tests/workflow/test_datasets.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import yaml

from tests.conftest import REPO

SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
WORKFLOW_FILES = [
    "Snakefile",
    "config.yaml",
    "rules",
    "scripts",
    "schemas",
    "envs",
    "notebooks",
    "report",
]
TINY = {
    "run": "tiny",
    # shrunk to 256×171: the DAG's logic at a ninth of the model work of 768×512
    "dataset": {"name": "kodak", "images": ["kodim23"], "max_side": 256},
    "models": ["taef2"],
    "device": "cpu",
    "codecs": {
        "png": {"bitdepths": [8]},
        "avif": {"bitdepths": [10], "qualities": {"low": 30, "high": 70}, "options": {"speed": 8}},
    },
    "baselines": {
        "jpeg": {"codec": "jpeg", "qualities": [10, 50, 90]},
        "webp": {"codec": "webp", "qualities": [10, 50, 90]},
        "avif444": {"codec": "avif", "qualities": [20, 60], "options": {"speed": 8}},
    },
    "comparison": {"equal_size_bitdepths": [10]},
}


def snakemake(workdir: Path, config: dict, mirror: Path, *args: str):
    (workdir / "tiny.yaml").write_text(yaml.safe_dump(config))
    return subprocess.run(
        [SNAKEMAKE, "--cores", "2", "--configfile", "tiny.yaml"] + list(args),
        cwd=workdir,
        env={**os.environ, "LATENTCODEC_MIRROR": str(mirror)},
        capture_output=True,
        text=True,
    )


def planned_jobs(result) -> dict[str, int]:
    """The 'Job stats' table of a dry run, as {rule: count}."""
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    if "Nothing to be done (all requested files are present and up to date)." in lines:
        return {}
    start = lines.index("Job stats:") + 3
    jobs = {}
    for line in lines[start:]:
        name, count = line.split()
        if name == "total":
            return jobs
        jobs[name] = int(count)
    raise AssertionError(result.stdout)


def fresh_workdir(tmp_path_factory, name: str) -> Path:
    workdir = tmp_path_factory.mktemp(name)
    for entry in WORKFLOW_FILES:
        source = REPO / entry
        copy = shutil.copytree if source.is_dir() else shutil.copy
        copy(source, workdir / entry)
    (workdir / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    return workdir


def read_results(workdir: Path) -> pd.DataFrame:
    return pd.read_csv(workdir / "results" / "tiny" / "metrics.csv", dtype={"quality": str})

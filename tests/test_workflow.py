"""The DAG end to end on a tiny config, and what a config change reruns (slow)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from .conftest import REPO

pytestmark = pytest.mark.slow

SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
WORKFLOW_FILES = ["Snakefile", "config.yaml", "rules", "scripts", "schemas", "envs"]
TINY = {
    "run": "tiny",
    "dataset": {"name": "kodak", "images": ["kodim23"]},
    "models": ["taef2"],
    "device": "cpu",
    "codecs": {
        "png": {"bitdepths": [8]},
        "avif": {"bitdepths": [10], "qualities": {"low": 30}, "options": {"speed": 8}},
    },
}


def snakemake(workdir: Path, config: dict, mirror: Path, *args: str):
    (workdir / "tiny.yaml").write_text(yaml.safe_dump(config))
    return subprocess.run(
        [SNAKEMAKE, "--cores", "2", "--configfile", "tiny.yaml", "--replace-workflow-config"]
        + list(args),
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


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, mirror):
    workdir = tmp_path_factory.mktemp("workflow")
    for name in WORKFLOW_FILES:
        source = REPO / name
        copy = shutil.copytree if source.is_dir() else shutil.copy
        copy(source, workdir / name)
    result = snakemake(workdir, TINY, mirror)
    assert result.returncode == 0, result.stderr[-4000:]
    return workdir


def test_tiny_run_writes_one_tidy_row_per_setting(tiny_run):
    table = pd.read_csv(tiny_run / "results" / "tiny" / "metrics.csv", dtype={"quality": str})
    settings = set(zip(table["codec"], table["bitdepth"], table["quality"], strict=True))
    assert settings == {("none", 32, "float32"), ("png", 8, "lossless"), ("avif", 10, "low")}
    assert (table["image"] == "kodim23").all() and (table["model"] == "taef2").all()
    by_codec = table.set_index("codec")
    assert by_codec.loc["png", "exact"] and not by_codec.loc["avif", "exact"]
    for row in table.itertuples():
        assert row.bpp == pytest.approx(8 * (row.bytes + row.side_bytes) / (768 * 512))
        assert (tiny_run / row.recon).is_file() and (tiny_run / row.compressed).is_file()
    stored = tiny_run / by_codec.loc["avif", "compressed"]
    assert (
        stored.read_bytes()[4:12] == b"ftypavif"
        and stored.stat().st_size == by_codec.loc["avif", "bytes"]
    )
    assert by_codec.loc["none", "psnr"] > 20
    assert by_codec.loc["png", "psnr"] > by_codec.loc["avif", "psnr"]
    assert by_codec.loc["avif", "bpp"] < by_codec.loc["png", "bpp"]


def test_tiny_run_draws_the_figures_and_the_summary(tiny_run):
    results = tiny_run / "results" / "tiny"
    for figure in ("rd.png", "rd.svg", "crops.png"):
        assert (results / "figures" / figure).stat().st_size > 1000
    summary = (results / "summary.md").read_text()
    assert "| taef2 | ceiling (no codec) | float |" in summary
    assert "| taef2 | avif | 10 | low |" in summary


def test_a_finished_run_has_nothing_left_to_do(tiny_run, mirror):
    assert planned_jobs(snakemake(tiny_run, TINY, mirror, "--dry-run")) == {}


def test_adding_an_avif_quality_adds_only_its_jobs(tiny_run, mirror):
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config["codecs"]["avif"]["qualities"]["high"] = 70
    assert planned_jobs(snakemake(tiny_run, config, mirror, "--dry-run")) == {
        "compress_latents": 1,
        "reconstruct": 1,
        "aggregate": 1,
        "summarize": 1,
        "plot_rd": 1,
        "plot_crops": 1,
        "all": 1,
    }


def test_changing_a_quality_value_reruns_only_that_branch(tiny_run, mirror):
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config["codecs"]["avif"]["qualities"]["low"] = 25
    jobs = planned_jobs(snakemake(tiny_run, config, mirror, "--dry-run"))
    assert jobs["compress_latents"] == 1 and jobs["reconstruct"] == 1
    assert not {"encode_image", "ceiling", "quantize_latents", "fetch_image"} & set(jobs)


def test_removing_a_bit_depth_reruns_only_the_tables_and_figures(tiny_run, mirror):
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config["codecs"]["png"]["bitdepths"] = []
    assert set(planned_jobs(snakemake(tiny_run, config, mirror, "--dry-run"))) == {
        "aggregate", "summarize", "plot_rd", "plot_crops", "all",
    }  # fmt: skip


def test_a_config_asking_avif_for_16_bits_stops_before_any_job(tiny_run, mirror):
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config["codecs"]["avif"]["bitdepths"] = [16]
    result = snakemake(tiny_run, config, mirror, "--dry-run")
    assert result.returncode != 0
    assert "codecs.avif.bitdepths: avif cannot store [16]" in result.stdout + result.stderr

"""bench/gpu-check.sh end to end on the CPU: a narrow random SDXL-config VAE, one Kodak
image, Snakemake with --resources gpu=1 against the plain loop (slow)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def test_the_gpu_check_runs_end_to_end_on_the_cpu(tmp_path, mirror):
    command = [str(REPO / "bench" / "gpu-check.sh"), "--device", "cpu", "--images", "1"]
    command += ["--small", "--batch", "1", "--cores", "2", "--output", str(tmp_path)]
    env = {**os.environ, "LATENTCODEC_MIRROR": str(mirror), "PYTHON": sys.executable}
    env["GPU_CHECK_TIMEOUT"] = "1800"  # minutes on two idle cores; more on a busy machine
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["no_nan"] and summary["same_metrics_as_loop"]
    assert summary["images"] == 1 and summary["snakemake_s"] > 0 and summary["plain_loop_s"] > 0
    rates = summary["throughput"]
    assert rates["device"] == "cpu" and rates["precision"] == "float32"
    assert rates["256x256 encode: bare diffusers loop"] > 0
    assert rates["256x256 decode: latentcodec path"] > 0
    assert rates["256x256 refinement (sdxl-vae-fp16-fix, 2 steps): images/s"] > 0
    assert "| overhead |" in (tmp_path / "check.md").read_text()

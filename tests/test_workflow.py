"""The DAG end to end on a tiny config, and what a config change reruns (slow)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml
from PIL import Image

from latentcodec.cli import main as latentcodec_command
from latentcodec.codecs.container import read_container
from latentcodec.workflow.jobs import WALL_TIME_FILES
from tests.conftest import REPO
from tests.dag import SNAKEMAKE, TINY, fresh_workdir, planned_jobs, read_results, snakemake

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, mirror):
    workdir = fresh_workdir(tmp_path_factory, "workflow")
    result = snakemake(workdir, TINY, mirror)
    assert result.returncode == 0, result.stderr[-4000:]
    return workdir


def result_files(workdir: Path) -> dict[str, bytes]:
    """The tables, stored files and reconstructions of a run, by relative path; not the files
    that record wall time (`WALL_TIME_FILES`)."""
    results = workdir / "results" / "tiny"
    patterns = ["*.csv", "*.md", "**/compressed/**/*.*", "**/recon/**/*.png", "**/*.npz"]
    return {
        str(path.relative_to(results)): path.read_bytes()
        for pattern in patterns
        for path in results.glob(pattern)
        if path.is_file() and path.name not in WALL_TIME_FILES
    }


def placed_image(workdir: Path) -> Path:
    """The tiny run's one image as the run placed it, shrunk (dataset.max_side)."""
    return workdir / "resources" / "datasets" / "kodak-max256" / "kodim23.png"


def test_tiny_run_writes_one_tidy_row_per_setting(tiny_run):
    table = read_results(tiny_run)
    assert (table["image"] == "kodim23").all()
    latent = table[table["model"] == "taef2"]
    settings = set(zip(latent["codec"], latent["bitdepth"], latent["quality"], strict=True))
    assert settings == {
        ("none", 32, "float32"),
        ("none", 8, "quantized"),
        ("none", 10, "quantized"),
        ("png", 8, "lossless"),
        ("avif", 10, "low"),
        ("avif", 10, "high"),
    }
    with Image.open(placed_image(tiny_run)) as image:
        assert image.size == (256, 171)
    for row in table.itertuples():
        assert row.bpp == 8 * row.bytes / (256 * 171)
        assert (tiny_run / row.recon).is_file() and (tiny_run / row.compressed).is_file()
        assert 0 < row.msssim <= 1 and 0 < row.ssim <= 1
        # the default perceptual_metrics: SSIMULACRA2 and Butteraugli on every row
        assert row.ssimulacra2 < 100 and 0 < row.butteraugli_3norm <= row.butteraugli
    by_codec = latent[latent["bitdepth"] != 32].set_index(["codec", "bitdepth"])
    png = by_codec.loc[("png", 8)]
    avif = latent.set_index(["codec", "quality"]).loc[("avif", "low")]
    assert png["exact"] and not avif["exact"]
    stored = tiny_run / avif["compressed"]
    assert stored.suffix == ".lcf" and stored.stat().st_size == avif["bytes"]
    payload = read_container(stored).payload
    assert payload[4:12] == b"ftypavif" and avif["side_bytes"] == avif["bytes"] - len(payload)
    ceiling = latent[latent["bitdepth"] == 32].iloc[0]
    assert ceiling["psnr"] > 20 and ceiling["latent_psnr"] == float("inf")
    assert png["psnr"] > avif["psnr"] and avif["bpp"] < png["bpp"]
    assert np.isfinite(avif["latent_psnr"]) and avif["latent_psnr"] < png["latent_psnr"]


def test_the_cli_writes_the_file_the_table_counts(tiny_run, mirror, tmp_path, capsys, monkeypatch):
    """One bpp: `latentcodec encode` with a row's setting writes that row's `.lcf`, byte for
    byte, and reports the table's bpp."""
    row = read_results(tiny_run).query("codec == 'png' and bitdepth == 8").iloc[0]
    image, lcf = placed_image(tiny_run), tmp_path / "kodim23.lcf"
    monkeypatch.setenv("LATENTCODEC_MIRROR", str(mirror))
    arguments = ["--model", "taef2", "--codec", "png", "--bits", "8", "--device", "cpu"]
    assert latentcodec_command(["encode", str(image), str(lcf), *arguments]) == 0
    assert lcf.read_bytes() == (tiny_run / row["compressed"]).read_bytes()
    assert f"{row['bytes']} bytes, {row['bpp']:.4f} bpp" in capsys.readouterr().out


def test_lossless_files_reuse_the_one_decode_of_their_integers(tiny_run):
    latent = read_results(tiny_run).set_index(["codec", "bitdepth", "quality"])
    png, decoded = latent.loc[("png", 8, "lossless")], latent.loc[("none", 8, "quantized")]
    assert png["recon"] == decoded["recon"] and png["psnr"] == decoded["psnr"]
    assert png["bytes"] < decoded["bytes"]  # PNG does compress the raw integers
    benchmarks = tiny_run / "benchmarks" / "tiny"
    assert not list(benchmarks.glob("reconstruct/taef2/b8/**/*.tsv"))
    assert len(list(benchmarks.glob("reconstruct/**/*.tsv"))) == 2  # the two avif levels


def test_each_model_job_loads_the_model_once_and_each_latent_is_decoded_once(tiny_run):
    logs = tiny_run / "logs" / "tiny"
    model_jobs = [
        path
        for rule in ("encode_images", "decode_quantized", "reconstruct", "ceiling")
        for path in logs.glob(f"{rule}/**/*.log")
    ]
    assert len(model_jobs) == 1 + 2 + 2 + 1  # 1 image; b8, b10; avif low, high; ceiling
    for path in model_jobs:
        assert path.read_text().count("loading taef2 on cpu") == 1, path
    decodes = sum(path.read_text().count("decoded a latent of") for path in model_jobs)
    table = read_results(tiny_run).query("model == 'taef2'")
    distinct_latents = (table["codec"] == "none").sum() + (~table["exact"]).sum()
    assert decodes == distinct_latents == 5  # the lossless PNG row reuses the b8 decode


def test_pixel_baselines_sit_in_the_same_table(tiny_run):
    pixels = read_results(tiny_run).query("model == 'none'")
    assert set(pixels["codec"]) == {"jpeg", "webp", "avif444"}
    jpeg = pixels[pixels["codec"] == "jpeg"].sort_values("quality_value")
    assert jpeg["quality"].tolist() == ["q10", "q50", "q90"]
    assert jpeg["bpp"].is_monotonic_increasing and jpeg["psnr"].is_monotonic_increasing
    assert (pixels["packing"] == "none").all() and pixels["latent_psnr"].isna().all()


def test_tiny_run_draws_the_figures_and_the_tables(tiny_run):
    results = tiny_run / "results" / "tiny"
    for figure in (
        "rd.png",
        "rd.svg",
        "rd_ssimulacra2.png",
        "rd_msssim.png",
        "crops.png",
        "equal_size.png",
    ):
        assert (results / "figures" / figure).stat().st_size > 1000
    summary = (results / "summary.md").read_text()
    assert "| taef2 | ceiling (float latent) | float |" in summary
    assert "| taef2 | avif | 10 | interleaved | low |" in summary
    assert "| none | jpeg (pixels) | 8 | none | q10 |" in summary
    pairs = pd.read_csv(results / "equal_size.csv")
    # The two lossy AVIF files (not the lossless PNG), each matched by JPEG and WebP.
    assert sorted(zip(pairs["quality"], pairs["baseline"], strict=True)) == [
        ("high", "jpeg"), ("high", "webp"), ("low", "jpeg"), ("low", "webp"),
    ]  # fmt: skip
    for pair in pairs.itertuples():
        assert (tiny_run / pair.pixel_file).stat().st_size == pair.pixel_bytes
    assert np.allclose(pairs["size_ratio"], pairs["pixel_bytes"] / pairs["latent_bytes"])
    assert (pairs["size_mismatch"] == ((pairs["size_ratio"] - 1).abs() > 0.05)).all()
    bd = pd.read_csv(results / "bdrate.csv")
    assert bd[["codec", "bitdepth", "anchor", "points"]].values.tolist() == [
        ["avif", 10, "avif444", 2]
    ]
    assert "| taef2 | avif | 10 | interleaved | 2 |" in (results / "bdrate.md").read_text()


def test_the_notebook_runs_on_the_table_and_draws_the_figures(tiny_run):
    results = tiny_run / "results" / "tiny"
    executed = nbformat.read(results / "notebook.ipynb", as_version=4)
    injected = [
        cell for cell in executed.cells if "injected-parameters" in cell.metadata.get("tags", [])
    ]
    assert "metrics_csv = 'results/tiny/metrics.csv'" in injected[0].source
    outputs = [
        output for cell in executed.cells if cell.cell_type == "code" for output in cell.outputs
    ]
    assert [output for output in outputs if output.output_type == "error"] == []
    assert f"results/tiny/metrics.csv: {len(read_results(tiny_run))} rows, 1 images" in "".join(
        output.get("text", "") for output in outputs
    )
    assert sum("image/png" in output.get("data", {}) for output in outputs) == 3  # rd, crops, equal
    html = (results / "notebook.html").read_text()
    assert html.count('src="data:image/png;base64,') == 3 and "avif444" in html


def test_the_report_holds_the_figures_the_summary_and_the_notebook(tiny_run, mirror):
    started = time.monotonic()
    result = snakemake(tiny_run, TINY, mirror, "--report", "report.html")
    assert result.returncode == 0, result.stderr[-4000:]
    assert time.monotonic() - started < 120
    report = (tiny_run / "report.html").read_text()
    for name, mime in [
        ("rd.png", "image/png"),
        ("crops.png", "image/png"),
        ("equal_size.png", "image/png"),
        ("summary.md", "text/markdown"),
        ("notebook.html", "text/html"),
    ]:
        assert f"data:{mime};charset=utf8;filename={name};base64," in report, name
    assert "Rate-distortion curves of run" in report  # a caption, rendered
    assert "latentcodec</strong>: are the latents" in report  # report/workflow.rst
    assert "avif444" in report and "kodim23" in report  # the config, in the description


def test_a_finished_run_has_nothing_left_to_do(tiny_run, mirror):
    assert planned_jobs(snakemake(tiny_run, TINY, mirror, "--dry-run")) == {}


def test_adding_an_avif_quality_adds_only_its_jobs(tiny_run, mirror):
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config["codecs"]["avif"]["qualities"]["medium"] = 50
    assert planned_jobs(snakemake(tiny_run, config, mirror, "--dry-run")) == {
        "compress_latents": 1,
        "reconstruct": 1,
        "aggregate": 1,
        "tables": 1,
        "match_sizes": 1,
        "equal_size": 1,
        "figures": 1,
        "plot_equal_size": 1,
        "execute_notebook": 1,
        "entropy_report": 1,
        "encode_costs": 1,
        "findings": 1,
        "all": 1,
    }


def test_adding_a_pixel_baseline_quality_encodes_only_that_quality(tiny_run, mirror):
    """A baseline's grid is one job a quality: another quality leaves the others' files (AVIF
    at speed 0 takes minutes a quality) and its comparisons are made again."""
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config["baselines"]["avif444"]["qualities"] = [20, 40, 60]
    jobs = planned_jobs(snakemake(tiny_run, config, mirror, "--dry-run"))
    assert jobs["pixel_baseline"] == 1 and jobs["aggregate"] == 1
    assert not {"encode_images", "compress_latents", "reconstruct"} & set(jobs)


def test_changing_a_quality_value_reruns_only_that_branch(tiny_run, mirror):
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config["codecs"]["avif"]["qualities"]["low"] = 25
    jobs = planned_jobs(snakemake(tiny_run, config, mirror, "--dry-run"))
    assert jobs["compress_latents"] == 1 and jobs["reconstruct"] == 1
    assert not {"encode_images", "ceiling", "quantize_latents", "fetch_image"} & set(jobs)


def test_selecting_another_image_places_only_that_image(tiny_run, mirror):
    """The images under resources/ are shared by every run: a run selecting other images (the
    smoke test's two) must not re-place, and so rerun everything downstream of, the rest."""
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config["dataset"]["images"] = ["kodim22", "kodim23"]
    jobs = planned_jobs(snakemake(tiny_run, config, mirror, "--dry-run"))
    assert jobs["fetch_image"] == 1


def test_removing_a_bit_depth_reruns_only_the_tables_and_figures(tiny_run, mirror):
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config["codecs"]["png"]["bitdepths"] = []
    assert set(planned_jobs(snakemake(tiny_run, config, mirror, "--dry-run"))) == {
        "aggregate", "tables", "match_sizes", "equal_size", "figures", "plot_equal_size",
        "record_versions", "execute_notebook", "channel_statistics", "entropy_bounds",
        "entropy_report", "encode_costs", "findings", "all",
    }  # fmt: skip


def test_a_config_asking_avif_for_16_bits_stops_before_any_job(tiny_run, mirror):
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config["codecs"]["avif"]["bitdepths"] = [16]
    result = snakemake(tiny_run, config, mirror, "--dry-run")
    assert result.returncode != 0
    assert "codecs.avif.bitdepths: avif cannot store 16-bit" in result.stdout + result.stderr


def test_a_run_killed_mid_way_resumes_to_byte_identical_results(tiny_run, tmp_path_factory, mirror):
    """A second run from scratch, killed inside a job and resumed, ends with the first run's
    files byte for byte: resuming is safe, and the run is deterministic."""
    workdir = fresh_workdir(tmp_path_factory, "killed")
    command = [SNAKEMAKE, "--cores", "2", "--configfile", "tiny.yaml"]
    env = {**os.environ, "LATENTCODEC_MIRROR": str(mirror)}
    process = subprocess.Popen(
        command, cwd=workdir, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    logs = workdir / "logs" / "tiny"
    deadline = time.monotonic() + 300
    while not list(logs.glob("reconstruct/**/*.log")) and process.poll() is None:
        assert time.monotonic() < deadline, "no reconstruct job started within 300 s"
        time.sleep(0.2)
    time.sleep(1.0)  # inside a compress-and-decode job
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not (workdir / "results" / "tiny" / "metrics.csv").exists()
    unlock = subprocess.run(command + ["--unlock"], cwd=workdir, env=env, capture_output=True)
    assert unlock.returncode == 0
    resumed = subprocess.run(
        command + ["--rerun-incomplete"], cwd=workdir, env=env, capture_output=True, text=True
    )
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    assert list((workdir / "results").glob("**/.*.tmp")) == []
    first, second = result_files(tiny_run), result_files(workdir)
    assert len(first) > 20 and first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []
    versions = (workdir / "results" / "tiny" / "versions.json").read_text()
    assert '"torch"' in versions and "libavif" in versions and "taef2_encoder.pth" in versions


def test_the_benchs_plain_loop_gives_the_workflows_rows_and_stores_lossy_lac(
    tiny_run, tmp_path, mirror
):
    """`make bench` times the DAG against bench/plain_loop.py: the loop makes every file the
    DAG does (lossy lac's decoder sensitivities too) and the same rows, one thread per job."""
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config["codecs"]["lac"] = {"bitdepths": [8], "qualities": {"q30": 30}}
    config["mirror"] = str(mirror)
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(config))
    loop = subprocess.run(
        [sys.executable, str(REPO / "bench" / "plain_loop.py"), "tiny.yaml", "."],
        cwd=tmp_path,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
    )
    assert loop.returncode == 0, loop.stderr[-4000:]
    keys = ["model", "codec", "bitdepth", "quality", "image", "bytes", "psnr"]
    looped = pd.read_csv(tmp_path / "results" / "tiny" / "metrics.csv", dtype={"quality": str})
    assert len(looped.query("codec == 'lac' and quality == 'q30'")) == 1
    dag = read_results(tiny_run)[keys].sort_values(keys).reset_index(drop=True)
    shared = looped[looped["codec"] != "lac"][keys].sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(shared, dag)

"""The DAG on configs other than the tiny run's (slow): a folder of odd images through two
models, lac's and the rate-aware route's jobs planned, the seed study's protocol. A file of its
own, so that `make pytest` runs it beside tests/test_workflow.py, not after it."""

from __future__ import annotations

import io

import numpy as np
import pytest
import yaml
from PIL import Image

from latentcodec.codecs.container import read_container
from tests.dag import TINY, fresh_workdir, planned_jobs, read_results, snakemake

pytestmark = pytest.mark.slow


def test_a_folder_of_odd_images_runs_through_the_whole_dag_with_two_models(
    tmp_path_factory, mirror, kodim01
):
    from latentcodec.models.autoencoders import random_model

    # A mirror with the real TAEF2 and a random-weight TAESD (AutoencoderTiny), as saved.
    models = tmp_path_factory.mktemp("mirror") / "models"
    models.mkdir()
    (models / "taef2").symlink_to(mirror / "models" / "taef2")
    small = {"encoder_block_out_channels": [16] * 4, "decoder_block_out_channels": [16] * 4}
    random_model("taesd-hf", **small).network.save_pretrained(models / "taesd-hf")
    workdir = fresh_workdir(tmp_path_factory, "folder")
    folder = workdir / "mine"
    folder.mkdir()
    Image.fromarray(kodim01[:77, :61]).save(folder / "odd.png")
    Image.fromarray(kodim01[100:140, :50]).convert("L").save(folder / "grey.png")
    Image.fromarray(kodim01[200:233, :47]).convert("RGBA").save(folder / "alpha.png")
    config = {**TINY, "run": "tiny", "dataset": {"name": "folder", "path": "mine"}}
    config["codecs"] = {"png": {"bitdepths": [8]}}
    config["models"] = ["taef2", "taesd-hf"]
    result = snakemake(workdir, config, models.parent)
    assert result.returncode == 0, result.stderr[-4000:]
    table = read_results(workdir)
    channels = table[table["model"] != "none"].groupby("model")["channels"].first().to_dict()
    assert channels == {"taef2": 32, "taesd-hf": 4}
    latent = table[table["model"] == "taef2"]
    assert sorted(set(latent["image"])) == ["alpha", "grey", "odd"]
    sizes = latent.groupby("image")[["height", "width"]].first().to_dict("index")
    assert sizes == {
        "alpha": {"height": 33, "width": 47},
        "grey": {"height": 40, "width": 50},
        "odd": {"height": 77, "width": 61},
    }
    assert latent["msssim"].isna().all() and latent["ssim"].notna().all()
    encode_logs = (workdir / "logs" / "tiny" / "encode_images").glob("*.log")
    assert sorted(path.name for path in encode_logs) == ["taef2.log", "taesd-hf.log"]
    assert (workdir / "results" / "tiny" / "figures" / "rd.png").stat().st_size > 1000
    logs = "".join(path.read_text() for path in (workdir / "logs").glob("fetch_image/**/*.log"))
    assert "converted mode L to 8-bit RGB" in logs and "converted mode RGBA" in logs


def test_lac_plans_its_files_and_one_sensitivity_job_per_model(tmp_path_factory, mirror):
    """lac takes no packing (path segment `none`); only its lossy points need the decoder
    sensitivity, measured once per model for all images."""
    workdir = fresh_workdir(tmp_path_factory, "lac")
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config["codecs"]["lac"] = {"bitdepths": [8], "qualities": {"lossless": 100, "q30": 30}}
    result = snakemake(workdir, config, mirror, "--dry-run")
    jobs = planned_jobs(result)
    assert jobs["sensitivity"] == 1
    assert jobs["compress_latents"] == 3 + 2  # png, avif low/high; lac lossless and q30
    assert jobs["verify_lossless"] == 2 and jobs["reconstruct"] == 2 + 1
    for path in ("b8/none/lac-lossless/lossless.csv", "b8/none/lac-q30/metrics.csv"):
        assert f"results/tiny/taef2/{path}" in result.stdout
    config["codecs"]["lac"]["qualities"] = {"lossless": 100}
    assert "sensitivity" not in planned_jobs(snakemake(workdir, config, mirror, "--dry-run"))


def test_a_rate_aware_route_plans_lacs_lossy_files_on_its_starts_latents(tmp_path_factory, mirror):
    """`rate_steps`: one model job per lossy lac quality (`rate_aware_lac`), reading the
    latents, integers and sensitivities of the route refined the same way without them."""
    workdir = fresh_workdir(tmp_path_factory, "rate")
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config["codecs"]["lac"] = {"bitdepths": [8], "qualities": {"lossless": 100, "q30": 30}}
    config["encoders"] = {"refined": {"steps": 1}, "rated": {"steps": 1, "rate_steps": 1}}
    result = snakemake(workdir, config, mirror, "--dry-run")
    jobs = planned_jobs(result)
    assert jobs["rate_aware_lac"] == 1 and jobs["refine_latents"] == 1
    assert jobs["sensitivity"] == 2 and jobs["quantize_latents"] == 2 * 2  # b8, b10
    assert jobs["compress_latents"] == 2 * (3 + 2)  # png, avif low/high, lac: direct, refined
    assert "results/tiny/taef2+rated/b8/none/lac-q30/rate.csv" in result.stdout
    for elsewhere in ("taef2+rated/latents", "taef2+rated/b8/quantized/kodim", "rated/sens"):
        assert elsewhere not in result.stdout


def test_the_seed_studys_protocol_runs_through_the_dag_to_its_table(tmp_path_factory, mirror):
    """configs/seed-study.yaml in small, up to metrics.csv (the derived tables and figures are
    the tiny run's): a fixed range [−4, 4], numpy and JPEG XL files, the float16 latent; every
    row says its quantiser and the share it clipped."""
    workdir = fresh_workdir(tmp_path_factory, "seed")
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config.update(
        models=["taesdxl"],
        quantization={"clip": 4.0},
        float_precisions=["float16"],
        codecs={
            "npy": {"bitdepths": [8]},
            "npz": {"bitdepths": [8]},
            "jxl": {"bitdepths": [8], "qualities": {"lossless": 100}, "options": {"effort": 9}},
            "jxld": {"bitdepths": [8], "qualities": {"d0_1": 100}, "options": {"effort": 9}},
        },
        comparison={"equal_size_bitdepths": [8], "latent_anchor": "jxld"},
    )
    result = snakemake(workdir, config, mirror, "--until", "aggregate")
    assert result.returncode == 0, result.stderr[-4000:]
    table = read_results(workdir)
    latent = table[table["model"] == "taesdxl"].set_index(["codec", "quality"])
    integers = latent[latent["quantizer"] != "none"]
    assert set(integers["quantizer"]) == {"clip4"}
    assert integers["clipped"].between(0, 0.01).all() and integers["clipped"].nunique() == 1
    assert latent.loc[("none", "float32"), "quantizer"] == "none"
    float16 = latent.loc[("none", "float16")]
    # 4 channels of ⌈171/8⌉ × 256/8 float16 values: the 256×171 image, padded to 176 rows
    assert float16["bitdepth"] == 16 and float16["bytes"] == 4 * 22 * 32 * 2
    assert abs(float16["psnr"] - latent.loc[("none", "float32"), "psnr"]) < 0.05
    assert latent.loc[("jxld", "d0_1"), "exact"] == False  # noqa: E712 (numpy bool)
    for codec in ("npy", "npz", "jxl"):
        assert latent.loc[(codec, "lossless"), "exact"] == True  # noqa: E712
    stored = read_container(workdir / latent.loc[("npy", "lossless"), "compressed"])
    assert stored.clip == 4.0 and stored.packing == "interleaved"
    rgba = np.load(io.BytesIO(stored.payload))  # the payload is numpy.save's own file
    assert rgba.shape == (22, 32, 4) and rgba.dtype == np.uint8
    assert latent.loc[("npy", "lossless"), "bytes"] == 29 + 7 + 3 + 1 + 4 + len(stored.payload) + 4

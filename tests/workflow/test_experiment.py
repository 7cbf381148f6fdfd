"""The experiment a config describes (latentcodec.workflow.experiment): what the rules ask."""

import copy
from dataclasses import asdict, replace

import pytest
import yaml
from snakemake.utils import validate

from latentcodec.codecs.packing import NO_PACKING
from latentcodec.errors import LatentCodecError
from latentcodec.workflow.config import check_config
from latentcodec.workflow.experiment import (
    CONVERGENCE_OUTPUTS,
    FINAL_OUTPUTS,
    RATE_OUTPUTS,
    Experiment,
)
from latentcodec.workflow.setting import Setting
from tests.conftest import REPO

SCHEMA = str(REPO / "schemas" / "config.schema.yaml")


def experiment(**changes) -> Experiment:
    """The smoke run's experiment, with top-level keys changed."""
    config = yaml.safe_load((REPO / ".test" / "config-smoke.yaml").read_text()) | changes
    config = copy.deepcopy(config)
    validate(config, SCHEMA)
    check_config(config)
    return Experiment(config)


@pytest.fixture(scope="module")
def smoke():
    return experiment()


def test_the_settings_are_the_sweep_of_each_model_with_the_codecs_effort(smoke):
    settings = smoke.settings["taef2"]
    assert [(s.codec, s.bits, s.quality) for s in settings] == [
        ("png", 8, "lossless"),
        ("png", 16, "lossless"),
        ("avif", 8, "low"),
        ("avif", 8, "medium"),
        ("avif", 8, "high"),
        ("lac", 8, "q30"),
    ]
    medium = smoke.setting("taef2", "8", "interleaved", "avif", "medium")
    assert medium == Setting(
        model="taef2",
        bits=8,
        packing="interleaved",
        codec="avif",
        quality="medium",
        quality_value=50,
        effort="speed=6",
    )
    assert medium.encoder == "direct" and Setting(**asdict(medium)) == medium
    assert smoke.bit_depths("taef2") == [8, 16]


def test_a_refined_route_sweeps_what_the_direct_one_does_in_a_folder_of_its_own(smoke):
    assert smoke.routes == ["taef2", "taef2+refined", "taef2+rated"]
    assert smoke.refined_routes() == ["taef2+refined"]
    direct, refined = (smoke.settings[route] for route in smoke.routes[:2])
    assert [replace(setting, encoder="refined") for setting in direct] == refined
    setting = smoke.setting("taef2+refined", 8, "interleaved", "avif", "low")
    assert smoke.compressed(setting)[0] == (
        "results/smoke/taef2+refined/b8/interleaved/avif-low/compressed/kodim01.lcf"
    )
    assert smoke.latent_source("taef2+refined") == {"model": "taef2", "encoder": "refined"}
    assert smoke.direct_latents("taef2+refined") == smoke.latents("taef2")
    assert smoke.refinement("taef2+refined") == {
        "steps": 2, "learning_rate": 0.02, "schedule": "constant", "loss": "mse", "bits": 8,
        "clip": None,
    }  # fmt: skip
    assert smoke.encoder_description("taef2") == "direct"
    assert smoke.encoder_description("taef2+refined").startswith("refined mse 2 steps")


def test_a_rate_aware_route_stores_lacs_lossy_files_from_its_starts_latents(smoke):
    """`rated` (2 steps, then 1 rate step) starts from `refined` (the same 2 steps): its
    latents, integers and sensitivities are refined's; only lac's lossy files are its own."""
    route = "taef2+rated"
    assert smoke.rate_routes() == [route] and smoke.codec_routes() == ["taef2", "taef2+refined"]
    assert smoke.rate_starts == {route: "taef2+refined"}
    assert [(s.codec, s.quality) for s in smoke.settings[route]] == [("lac", "q30")]
    setting = smoke.settings[route][0]
    assert smoke.latents(route) == smoke.latents("taef2+refined")
    assert smoke.quantized(route, 8) == smoke.quantized("taef2+refined", 8)
    assert smoke.sensitivities(setting) == [
        f"results/smoke/taef2+refined/sensitivity/kodim0{i}.npy" for i in (1, 2)
    ]
    assert smoke.compressed(setting)[0] == (
        "results/smoke/taef2+rated/b8/none/lac-q30/compressed/kodim01.lcf"
    )
    assert smoke.refinement(route) == smoke.refinement("taef2+refined")
    assert smoke.rate_refinement(route) == {**smoke.refinement(route), "rate_steps": 1}
    assert smoke.encoder_description(route).endswith(", then 1 steps mse+lac rate")
    costs = {e["encoder"]: e["paths"] for e in smoke.encode_cost_entries()["latent"]
             if e["codec"] == "lac"}  # fmt: skip
    assert costs["rated"]["refine"] == "results/smoke/taef2+refined/refinement.csv"
    assert costs["rated"]["sensitivity"] == costs["refined"]["sensitivity"]
    assert costs["rated"]["codec"].startswith("results/smoke/taef2+rated/b8/none/lac-q30/")
    assert (
        costs["rated"]["search"] == "results/smoke/taef2+rated/b8/none/lac-q30/search_seconds.csv"
    )
    assert costs["refined"]["search"] is None
    assert smoke.rate_tables() == ["results/smoke/taef2+rated/b8/none/lac-q30/rate.csv"]


def test_an_encoder_may_name_the_models_it_refines():
    two = experiment(models=["taef2", "taesd"], encoders={"refined": {"models": ["taesd"]}})
    assert two.routes == ["taef2", "taesd", "taesd+refined"]
    with pytest.raises(LatentCodecError, match=r"encoders.refined.models: \['taesdxl'\]"):
        experiment(encoders={"refined": {"models": ["taesdxl"]}})


def test_lossless_rows_come_from_the_shared_decode_and_lossy_rows_from_their_own(smoke):
    png = smoke.setting("taef2", 16, "interleaved", "png", "lossless")
    avif = smoke.setting("taef2", 8, "interleaved", "avif", "low")
    assert smoke.sweep_table(png) == "results/smoke/taef2/b16/interleaved/png-lossless/lossless.csv"
    assert smoke.sweep_table(avif) == "results/smoke/taef2/b8/interleaved/avif-low/metrics.csv"
    tables = smoke.metric_tables()
    # ceiling, depths and sweep of each route (direct, refined; rated: lac q30 at 8 bits), and
    # each pixel baseline at each quality (jpeg 5, webp 5, avif444 4)
    assert len(tables) == len(set(tables)) == 2 * (1 + 2 + 6) + (1 + 1 + 1) + 14
    assert smoke.decoded_table("taef2", 16) in tables
    assert smoke.compressed(avif) == [
        f"results/smoke/taef2/b8/interleaved/avif-low/compressed/kodim0{i}.lcf" for i in (1, 2)
    ]


def test_only_lossy_lac_takes_the_decoder_sensitivity():
    lac = {"bitdepths": [8], "qualities": {"lossless": 100, "q30": 30}}
    run = experiment(codecs={"lac": lac})
    lossless, lossy = run.settings["taef2"]
    assert lossless.packing == lossy.packing == NO_PACKING
    assert not run.needs_sensitivity(lossless) and run.sensitivities(lossless) == []
    assert run.needs_sensitivity(lossy)
    assert run.sensitivities(lossy) == [
        f"results/smoke/taef2/sensitivity/kodim0{i}.npy" for i in (1, 2)
    ]


def test_the_comparisons_name_their_pixel_baselines(smoke):
    assert smoke.lead_model() == "taef2"
    assert smoke.pixel_avif_baselines() == ["avif444"]
    assert smoke.equal_size_baselines() == {
        "jpeg": {"codec": "jpeg", "options": {}},
        "webp": {"codec": "webp", "options": {}},
    }
    assert smoke.baseline_codecs() == {"jpeg": "jpeg", "webp": "webp", "avif444": "avif"}
    assert smoke.baseline_params("avif444", "40")["quality_value"] == 40
    with pytest.raises(LatentCodecError, match=r"baselines.avif444: quality 50 is not in its grid"):
        smoke.baseline_params("avif444", "50")
    assert smoke.baseline_folders()[:2] == [
        "results/smoke/baselines/jpeg/q5",
        "results/smoke/baselines/jpeg/q10",
    ]
    assert len(smoke.baseline_folders()) == 5 + 5 + 4  # a job per quality of each grid
    without_avif = experiment(
        baselines={"jpeg": {"codec": "jpeg", "qualities": [10, 90]}},
        comparison={"anchor": "jpeg", "equal_size": ["jpeg"]},
    )
    assert without_avif.pixel_avif_baselines() == ["jpeg"]  # the anchor


def test_codec_options_and_the_codecs_used(smoke):
    assert smoke.codec_options("avif") == {"speed": 6}
    assert smoke.all_codec_options() == {"png": {}, "avif": {"speed": 6}, "lac": {}}
    assert smoke.codecs_used() == ["avif", "jpeg", "lac", "png", "webp"]


def test_a_run_on_two_images_writes_no_published_comparison(smoke):
    """…but its refinement's convergence, which the smoke config follows on one image, and
    its rate-aware searches' summary."""
    outputs = smoke.final_outputs()
    expected = [*FINAL_OUTPUTS, *CONVERGENCE_OUTPUTS, *RATE_OUTPUTS]
    assert outputs == [f"results/smoke/{name}" for name in expected]
    assert not smoke.shows_compressai()


def test_without_a_refined_route_there_is_no_convergence_to_follow():
    direct = experiment(encoders={})
    assert direct.routes == ["taef2"] and direct.convergence_images() == []
    assert not any("convergence" in path for path in direct.final_outputs())


def test_the_wildcards_take_only_the_runs_values(smoke):
    constraints = smoke.wildcard_constraints()
    assert constraints["image"] == "kodim01|kodim02"
    assert constraints["codec"] == "avif|lac|png"
    assert constraints["baseline"] == "jpeg|webp|avif444"
    assert constraints["precision"] == "none"  # no float precisions configured


def test_model_jobs_hold_a_gpu_only_on_cuda():
    assert experiment(device="cpu").model_gpus() == 0
    assert experiment(device="cuda").model_gpus() == 1

import copy
import subprocess
import sys

import pytest
import yaml
from snakemake.utils import update_config, validate

from latentcodec.codecs.packing import NO_PACKING
from latentcodec.codecs.registry import get_codec
from latentcodec.errors import LatentCodecError
from latentcodec.measure.perceptual import PERCEPTUAL_METRICS
from latentcodec.models.refinement import Refinement
from latentcodec.workflow.config import (
    _check_codec,
    baseline_jobs,
    check_config,
    check_equal_effort,
    is_lossless,
    rate_start,
    refinement_of,
    sweep,
)
from latentcodec.workflow.setting import Setting
from tests.conftest import REPO

SCHEMA = str(REPO / "schemas" / "config.schema.yaml")
# Every config a user can run: each replaces config.yaml whole (see the Snakefile).
CONFIG_FILES = [
    REPO / "config.yaml",
    *sorted((REPO / "configs").glob("*.yaml")),
    *sorted((REPO / ".test").glob("*.yaml")),
]


def validated(config: dict) -> dict:
    config = copy.deepcopy(config)
    validate(config, SCHEMA)
    return config


@pytest.fixture
def default_config():
    return validated(yaml.safe_load((REPO / "config.yaml").read_text()))


def test_schema_fills_every_default_into_an_empty_config(default_config):
    filled = validated({})
    assert filled["run"] == "kodak" and filled["dataset"] == default_config["dataset"]
    assert filled["models"] == ["sdxl-vae-fp16-fix"] and filled["device"] == "auto"
    assert filled["codecs"] == default_config["codecs"]
    for key in ("figures", "baselines", "comparison", "dtype", "batch_size", "tiling", "mirror"):
        assert filled[key] == default_config[key], key
    check_config(filled)


def test_default_and_smoke_configs_pass(default_config):
    check_config(default_config)
    smoke = yaml.safe_load((REPO / ".test" / "config-smoke.yaml").read_text())
    check_config(validated({**default_config, **smoke}))


def test_default_sweep_is_png_at_four_depths_and_avif_at_three_depths_times_three_levels(
    default_config,
):
    jobs = sweep(default_config, "sdxl-vae-fp16-fix")
    assert [job for job in jobs if job.codec == "png"] == [
        Setting(
            model="sdxl-vae-fp16-fix",
            bits=bits,
            packing="interleaved",
            codec="png",
            quality="lossless",
            effort="compression=9",
        )
        for bits in (8, 10, 12, 16)
    ]
    assert all(is_lossless(job) for job in jobs if job.codec == "png")
    avif = {(job.bits, job.quality, job.quality_value) for job in jobs if job.codec == "avif"}
    assert avif == {
        (bits, label, value)
        for bits in (8, 10, 12)
        for label, value in {"low": 30, "medium": 50, "high": 70}.items()
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"codecs": {"avif": {"bitdepths": [8, 16], "qualities": {"low": 30}}}},
            r"codecs\.avif\.bitdepths: avif cannot store 16-bit samples",
        ),
        (
            {"codecs": {"png": {"bitdepths": [8], "qualities": {"low": 3}}}},
            r"codecs\.png\.qualities\.low: png is lossless only",
        ),
        (
            {"codecs": {"avif": {"bitdepths": [8]}}},
            r"codecs\.avif\.qualities: avif needs a quality in 0 … 100",
        ),
        (
            {"codecs": {"avif": {"bitdepths": [8], "qualities": {"top": 101}}}},
            r"codecs\.avif\.qualities\.top: avif needs a quality in 0 … 100.*; got 101",
        ),
        ({"codecs": {"gif": {"bitdepths": [8]}}}, r"codecs\.gif: unknown codec"),
        (
            {"codecs": {"avif": {"bitdepths": [8], "qualities": {"a": 5}, "options": {"sped": 1}}}},
            r"codecs\.avif\.options: .*sped",
        ),
        ({"models": ["sd15"]}, r"models: unknown model 'sd15'"),
        ({"models": ["sdxl-vae"], "dtype": "float16"}, r"dtype: sdxl-vae is not safe in float16"),
        ({"dataset": {"name": "kodak", "images": ["kodim00"]}}, r"dataset\.images"),
        (
            {"dataset": {"name": "kodak", "images": 2}, "figures": {"crop_image": "kodim23"}},
            r"figures\.crop_image: 'kodim23' is not among the run's images \(kodim01, kodim02\)",
        ),
        (
            {
                "dataset": {"name": "kodak", "images": 2},
                "figures": {"equal_size_images": ["kodim07"]},
            },
            r"figures\.equal_size_images: \['kodim07'\] are not among the run's images",
        ),
        ({"codecs": {"png": {"bitdepths": []}}, "baselines": {}}, r"codecs: no codec job"),
        (
            {"codecs": {"avif": {"bitdepths": [8], "qualities": {"a": 5}, "packing": ["planar"]}}},
            r"codecs\.avif\.packing: avif cannot store planar tiles of 1 plane",
        ),
        (
            {
                "codecs": {
                    "avif": {"bitdepths": [8], "qualities": {"a": 5}, "options": {"chroma": "420"}}
                }
            },
            r"codecs\.avif\.options: avif: the identity matrix needs chroma 444",
        ),
        (
            {"baselines": {"png": {"codec": "png", "qualities": [1]}}},
            r"baselines\.png\.codec: png is lossless only",
        ),
        (
            {"baselines": {"jpeg": {"codec": "jpeg", "qualities": [0, 50]}}},
            r"baselines\.jpeg\.qualities: jpeg needs a quality in 1 … 100; got 0",
        ),
        (
            {"baselines": {"j2k": {"codec": "j2k", "qualities": [30]}}},
            r"comparison\.anchor: \['avif444'\] not among the configured baselines",
        ),
        ({"comparison": {"equal_size": ["gif"]}}, r"comparison\.equal_size: \['gif'\]"),
        (
            {"comparison": {"latent_anchor": "avif444"}},
            r"comparison\.latent_anchor: 'avif444' is not a latent codec",
        ),
        ({"tiling": {"tile": 64, "overlap": 64}}, r"tiling: overlap \(64\) must be smaller"),
        (
            {
                "baselines": {
                    "avif444": {"codec": "avif", "qualities": [30], "options": {"speed": 8}}
                }
            },
            r"codecs\.avif\.options\.speed = 6 but baselines\.avif444\.options\.speed = 8",
        ),
        (
            {
                "codecs": {"webpll": {"bitdepths": [8]}},
                "baselines": {
                    "webp": {"codec": "webp", "qualities": [50], "options": {"method": 4}}
                },
            },
            r"codecs\.webpll\.options\.method = 6 but baselines\.webp\.options\.method = 4",
        ),
        (
            {
                "codecs": {"jxl": {"bitdepths": [8], "qualities": {"a": 50}}},
                "baselines": {"jxl": {"codec": "jxl", "qualities": [50], "options": {"effort": 3}}},
            },
            r"codecs\.jxl\.options\.effort = 7 but baselines\.jxl\.options\.effort = 3",
        ),
    ],
)
def test_bad_configs_are_rejected_naming_the_key(change, message):
    with pytest.raises(LatentCodecError, match=message):
        check_config(validated(change))


@pytest.mark.parametrize(
    "config",
    [
        {"device": "gpu"},
        {"codecs": {"png": {"bitdepths": [8, 8]}}},
        {"codecs": {"avif": {"bitdepths": [8], "qualities": {"Low-1": 30}}}},
        {"dataset": {"images": 0}},
        {"tiling": {"tile": 100}},
        {"tiling": {"tile": 32}},
        {"batch_size": 0},
        {"unknown_key": 1},
    ],
)
def test_schema_rejects_malformed_values(config):
    with pytest.raises(Exception, match="(?i)validation"):
        validated(config)


@pytest.mark.parametrize("path", CONFIG_FILES, ids=lambda path: str(path.relative_to(REPO)))
def test_every_config_in_the_repo_keeps_equal_effort_at_avif_speed_6_or_slower(path):
    config = validated(yaml.safe_load(path.read_text()) or {})
    check_equal_effort(config)
    avif_options = [
        settings.get("options", {}) for name, settings in config["codecs"].items() if name == "avif"
    ] + [job.options for job in baseline_jobs(config) if job.codec == "avif"]
    speeds = [get_codec("avif", **options).speed for options in avif_options]
    assert all(speed <= 6 for speed in speeds), f"{path.name}: AVIF speeds {speeds}"


def test_a_webp_baseline_without_options_loads_beside_latent_webp_lossless():
    """The defaults keep equal effort: the webp baseline's method defaults to webpll's 6."""
    config = validated(
        {
            "codecs": {"webpll": {"bitdepths": [8]}},
            "baselines": {"webp": {"codec": "webp", "qualities": [50]}},
            "comparison": {"anchor": "webp", "equal_size": ["webp"]},
        }
    )
    check_config(config)
    assert get_codec("webp").effort_setting == get_codec("webpll").effort_setting == "method=6"


@pytest.mark.parametrize(
    ("quantization", "message"),
    [({"clip": 0.1}, "quantization.clip: clip must be a positive number that float32 holds")],
)
def test_a_clip_float32_cannot_hold_is_refused_naming_the_key(quantization, message):
    with pytest.raises(LatentCodecError, match=message):
        check_config(validated({"quantization": quantization}))


@pytest.mark.parametrize(
    "config",
    [{"quantization": {"clip": 0}}, {"quantization": {"clip": -4}}, {"float_precisions": ["x"]}],
)
def test_the_schema_refuses_a_range_or_precision_that_is_not_one(config):
    with pytest.raises(Exception, match="(?i)validation"):
        validated(config)


def test_codecs_without_a_pixel_counterpart_need_no_equal_effort():
    config = validated(
        {
            "codecs": {"png": {"bitdepths": [8], "options": {"compression": 1}}},
            "baselines": {"jpeg": {"codec": "jpeg", "qualities": [50]}},
            "comparison": {"anchor": "jpeg", "equal_size": ["jpeg"]},
        }
    )
    check_config(config)


def test_building_the_dag_does_not_import_torch():
    code = (
        "import sys, latentcodec.workflow.experiment, latentcodec.workflow.store,"
        " latentcodec.workflow.decode, latentcodec.report.plots;"
        "assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_model_bitdepths_widen_the_sweep_for_the_named_model_only(default_config):
    config = validated(
        {
            **default_config,
            "models": ["taef2", "taesdxl"],
            "codecs": {"png": {"bitdepths": [8], "model_bitdepths": {"taesdxl": [8, 16]}}},
        }
    )
    check_config(config)
    assert [job.bits for job in sweep(config, "taef2")] == [8]
    assert [job.bits for job in sweep(config, "taesdxl")] == [8, 16]
    assert [(job.model, job.bits) for job in sweep(config)] == [
        ("taef2", 8),
        ("taesdxl", 8),
        ("taesdxl", 16),
    ]


@pytest.mark.parametrize(
    ("model_bitdepths", "message"),
    [
        ({"taesdx": [8]}, r"codecs\.avif\.model_bitdepths: unknown model"),
        ({"taesdxl": [16]}, r"codecs\.avif\.model_bitdepths\.taesdxl: avif cannot store 16-bit"),
    ],
)
def test_model_bitdepths_are_checked_with_their_key(default_config, model_bitdepths, message):
    avif = {**default_config["codecs"]["avif"], "model_bitdepths": model_bitdepths}
    config = validated({**default_config, "codecs": {"avif": avif}})
    with pytest.raises(LatentCodecError, match=message):
        check_config(config)


def test_model_qualities_keep_a_model_to_the_named_levels(default_config):
    lac = {"bitdepths": [8], "qualities": {"lossless": 100, "q30": 30}}
    config = validated(
        {
            **default_config,
            "models": ["taef2", "taesd"],
            "codecs": {"lac": {**lac, "model_qualities": {"taesd": ["lossless"]}}},
        }
    )
    check_config(config)
    assert [job.quality for job in sweep(config, "taef2")] == ["lossless", "q30"]
    assert [(job.quality, job.packing) for job in sweep(config, "taesd")] == [("lossless", "none")]


@pytest.mark.parametrize(
    ("model_qualities", "message"),
    [
        ({"taesdx": ["lossless"]}, r"codecs\.lac\.model_qualities: unknown model 'taesdx'"),
        ({"taesd": ["q31"]}, r"codecs\.lac\.model_qualities\.taesd: \['q31'\] not among"),
    ],
)
def test_model_qualities_are_checked_with_their_key(default_config, model_qualities, message):
    lac = {"bitdepths": [8], "qualities": {"lossless": 100, "q30": 30}}
    config = validated(
        {**default_config, "codecs": {"lac": {**lac, "model_qualities": model_qualities}}}
    )
    with pytest.raises(LatentCodecError, match=message):
        check_config(config)


def test_config_refuses_a_packing_for_lac_and_sweeps_it_unpacked():
    with pytest.raises(
        LatentCodecError, match=r"codecs\.lac\.packing: lac codes the .* no packing"
    ):
        _check_codec("lac", {"bitdepths": [8], "qualities": {"high": 90}, "packing": ["planar"]})
    settings_ = {"bitdepths": [8], "qualities": {"lossless": 100, "low": 20}}
    _check_codec("lac", settings_)
    config = {"models": ["taef2"], "codecs": {"lac": settings_}}
    assert {job.packing for job in sweep(config)} == {NO_PACKING}


def test_the_schema_default_is_every_metric():
    assert validated({})["perceptual_metrics"] == list(PERCEPTUAL_METRICS)
    with pytest.raises(Exception, match="(?i)validation"):
        validated({"perceptual_metrics": ["lpips"]})


def test_the_workflow_stops_at_start_up_when_butteraugli_is_missing(no_tools):
    default = yaml.safe_load((REPO / "config.yaml").read_text())
    with pytest.raises(LatentCodecError, match=r"perceptual_metrics: .*libjxl-devtools"):
        check_config(validated(default))
    check_config(validated({**default, "perceptual_metrics": ["ssimulacra2"]}))


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"steps": -1}, r"-1 is less than the minimum of 1"),
        ({"steps": 0}, r"0 is less than the minimum of 1"),
        ({"learning_rate": 0}, r"0 is less than or equal to the minimum of 0"),
        ({"learning_rate": -0.5}, r"-0.5 is less than or equal to the minimum of 0"),
        ({"schedule": "linear"}, r"'linear' is not one of \['constant', 'cosine'\]"),
        (
            {"steps": 20, "lr": 0.1},
            r"Additional properties are not allowed \('lr' was unexpected\)",
        ),
    ],
)
def test_the_schema_refuses_bad_refinement_settings_saying_which(entry, message):
    """The message names the value and what is wrong with it, under encoders.<label>."""
    with pytest.raises(Exception, match=message) as refused:
        validated({"encoders": {"refined": entry}})
    assert "encoders" in str(refused.value)


def test_the_direct_encoder_is_not_a_label_and_a_refinement_gets_its_defaults():
    with pytest.raises(Exception, match="(?i)validation"):
        validated({"encoders": {"direct": {}}})
    config = validated({"encoders": {"refined": {}}})
    assert config["encoders"]["refined"] == {
        "steps": 20, "learning_rate": 0.02, "schedule": "constant", "loss": "mse", "bits": 8,
        "rate_steps": 0, "models": None, "qualities": None,
    }  # fmt: skip
    assert refinement_of(config, "refined") == Refinement()


LAC_LOSSY = {"lac": {"bitdepths": [8], "qualities": {"lossless": 100, "q30": 30}}}
LAC_TWO_LOSSY = {"lac": {"bitdepths": [8], "qualities": {"lossless": 100, "q30": 30, "q50": 50}}}


def test_a_rate_aware_route_sweeps_lacs_lossy_settings_from_its_start(default_config):
    config = {**default_config, "codecs": {**default_config["codecs"], **LAC_LOSSY}}
    config["encoders"] = validated({"encoders": {"refined": {}, "rate": {"rate_steps": 5}}})[
        "encoders"
    ]
    check_config(config)
    model = config["models"][0]
    assert rate_start(config, model, "rate") == "refined"
    assert rate_start(config, model, "refined") is None
    assert [(s.codec, s.quality) for s in sweep(config, model, "rate")] == [("lac", "q30")]


def test_a_rate_aware_route_searches_the_qualities_it_picks_and_the_others_sweep_them_all(
    default_config,
):
    config = {**default_config, "codecs": {**default_config["codecs"], **LAC_TWO_LOSSY}}
    encoders = {"refined": {}, "rate": {"rate_steps": 5, "qualities": ["q50"]}}
    config["encoders"] = validated({"encoders": encoders})["encoders"]
    check_config(config)
    model = config["models"][0]
    assert [s.quality for s in sweep(config, model, "rate")] == ["q50"]
    assert {"q30", "q50"} <= {s.quality for s in sweep(config, model, "refined")}
    assert refinement_of(config, "rate") == Refinement(rate_steps=5)


@pytest.mark.parametrize(
    "encoders, codecs, message",
    [
        ({"refined": {}, "rate": {"rate_steps": 5, "qualities": ["q75"]}}, LAC_TWO_LOSSY,
         r"encoders.rate.qualities: \['q75'\] are not lossy lac qualities for .* "
         r"\(codecs.lac sweeps \['q30', 'q50'\]\)"),
        ({"refined": {}, "rate": {"rate_steps": 5, "qualities": ["lossless"]}}, LAC_TWO_LOSSY,
         "encoders.rate.qualities: .'lossless'. are not lossy lac qualities"),
        ({"refined": {"qualities": ["q30"]}}, LAC_TWO_LOSSY,
         "encoders.refined.qualities: only a rate-aware route"),
        ({"rate": {"rate_steps": 5}}, LAC_LOSSY, "encoders.rate: rate steps start from the "
         "latents of an entry refined the same way without them, and none refines"),
        ({"refined": {"steps": 10}, "rate": {"rate_steps": 5}}, LAC_LOSSY, "none refines"),
        ({"refined": {}, "rate": {"rate_steps": 5}}, {"png": {"bitdepths": [8]}},
         "encoders.rate: rate steps estimate lac's bits, but codecs sweep no lossy lac"),
        ({"refined": {"loss": "msssim"}, "rate": {"rate_steps": 5, "loss": "msssim"}}, LAC_LOSSY,
         "encoders.rate: refinement: rate steps add lac's bits to the pixel MSE"),
    ],
)  # fmt: skip
def test_a_rate_aware_route_without_a_start_or_lossy_lac_is_refused(
    default_config, encoders, codecs, message
):
    config = {**default_config, "codecs": codecs}
    config["encoders"] = validated({"encoders": encoders})["encoders"]
    with pytest.raises(LatentCodecError, match=message):
        check_config(config)


def test_the_direct_speed0_config_is_the_speed0_run_without_its_refined_routes():
    """configs/speed0-direct.yaml makes files of the speed-0 run (same `run`), so every setting
    but the refined routes, the models and the crop grid's rows must be speed0.yaml's."""
    full, direct = (
        yaml.safe_load((REPO / "configs" / name).read_text())
        for name in ("speed0.yaml", "speed0-direct.yaml")
    )
    assert "encoders" not in direct and direct["models"] == ["taesdxl"]
    assert set(direct["figures"]["equal_size_models"]) <= set(full["figures"]["equal_size_models"])
    for config in (full, direct):
        config.pop("encoders", None)
        config.pop("models")
        config["figures"].pop("equal_size_models")
    assert direct == full


@pytest.mark.parametrize(
    "path", sorted((REPO / "configs" / "overlays").glob("speed0-*.yaml")), ids=lambda p: p.stem
)
def test_a_speed0_overlay_is_the_speed0_run_for_one_of_its_models(path):
    """An overlay (laid over configs/speed0.yaml by a second --configfile) names its own run
    and leads with its model, and changes nothing else: its numbers are the speed-0 run's."""
    full = yaml.safe_load((REPO / "configs" / "speed0.yaml").read_text())
    overlay = yaml.safe_load(path.read_text())
    model = path.stem.removeprefix("speed0-")
    assert model in full["models"]
    assert overlay == {
        "run": f"speed0-{model}",
        "models": [model],
        "figures": {"equal_size_models": [model, f"{model}+refined"]},
        "findings": {"lead_model": model},
    }
    merged = copy.deepcopy(full)
    update_config(merged, overlay)
    assert merged["codecs"] == full["codecs"] and merged["encoders"] == full["encoders"]
    check_config(validated(merged))


def test_the_rate_steps_overlay_adds_a_32_step_route_to_taesd3s_speed0_run():
    """configs/overlays/rate-steps-taesd3.yaml, over the speed-0 run and its TAESD3 overlay:
    the findings' 8-step rate-aware route beside a 32-step one, both from the same start, and a
    distortion-only route given as many steps as the 32-step route spends in all."""
    merged = yaml.safe_load((REPO / "configs" / "speed0.yaml").read_text())
    for name in ("speed0-taesd3", "rate-steps-taesd3"):
        update_config(
            merged, yaml.safe_load((REPO / "configs" / "overlays" / f"{name}.yaml").read_text())
        )
    merged = validated(merged)
    check_config(merged)
    assert merged["models"] == ["taesd3"]
    assert refinement_of(merged, "refined_rate") == Refinement(rate_steps=8)
    assert refinement_of(merged, "refined_rate32") == Refinement(rate_steps=32)
    assert rate_start(merged, "taesd3", "refined_rate32") == "refined"
    assert refinement_of(merged, "refined52") == Refinement(steps=20 + 32)

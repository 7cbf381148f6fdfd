"""The keywords the workflow scripts take from their Snakemake object, and the checkpoints a
long job resumes from (latentcodec.workflow.jobs)."""

from types import SimpleNamespace

import numpy as np
import pytest

from latentcodec.errors import LatentCodecError
from latentcodec.workflow.jobs import (
    ImageCheckpoints,
    decode_job_options,
    model_job_options,
    named_keywords,
    same_length,
)

JOB = SimpleNamespace(
    input=SimpleNamespace(sources=("a.png", "b.png"), latents=("a.npz", "b.npz")),
    output=SimpleNamespace(recons=("a-out.png", "b-out.png"), table="metrics.csv"),
    params=SimpleNamespace(
        mirror="/mirror",
        model_options={"device": "cpu", "dtype": "float32"},
        perceptual_metrics=["ssimulacra2"],
        quality_value=40,
        options={"speed": 6},
    ),
    wildcards=SimpleNamespace(codec="avif", bits="8", packing="planes", quality="q40"),
    threads=2,
)


def test_model_job_options_passes_the_model_settings_on():
    assert model_job_options(JOB) == {
        "mirror": "/mirror",
        "threads": 2,
        "device": "cpu",
        "dtype": "float32",
    }


def test_decode_job_options_lists_the_files_and_loads_the_model():
    options = decode_job_options(JOB)
    assert options["sources"] == ["a.png", "b.png"]
    assert options["latents"] == ["a.npz", "b.npz"]
    assert options["recons"] == ["a-out.png", "b-out.png"]
    assert options["table"] == "metrics.csv"
    assert options["perceptual_metrics"] == ["ssimulacra2"]
    assert options.items() >= model_job_options(JOB).items()


def test_lists_of_files_must_pair_up():
    same_length(a=[1, 2], b=["x", "y"])
    with pytest.raises(LatentCodecError, match="mismatched numbers of files"):
        same_length(a=[1, 2], b=["x"])


def test_named_keywords_are_the_rules_named_files_and_params():
    from snakemake.iocontainers import InputFiles, OutputFiles, Params

    inputs = InputFiles(fromdict={"source": "x.png"})
    inputs.append("unnamed.csv")  # an unnamed file is no keyword
    job = SimpleNamespace(
        input=inputs,
        output=OutputFiles(fromdict={"pairs": "pairs.csv"}),
        params=Params(fromdict={"bitdepths": [8]}),
    )
    assert named_keywords(job) == {"source": "x.png", "pairs": "pairs.csv", "bitdepths": [8]}


def test_a_checkpoint_counts_only_for_the_same_settings_and_input_bytes(tmp_path):
    source = tmp_path / "a.png"
    source.write_bytes(b"image")
    checkpoints = ImageCheckpoints(tmp_path / "partial", "steps=20")
    fingerprint = checkpoints.fingerprint(source)
    checkpoints.save("a", fingerprint, latent=np.arange(3.0))
    loaded = checkpoints.load("a", fingerprint, "latent")
    np.testing.assert_array_equal(loaded["latent"], np.arange(3.0))
    assert checkpoints.load("b", fingerprint, "latent") is None
    other_settings = ImageCheckpoints(tmp_path / "partial", "steps=10")
    assert other_settings.load("a", other_settings.fingerprint(source), "latent") is None
    source.write_bytes(b"another image")
    assert checkpoints.load("a", checkpoints.fingerprint(source), "latent") is None
    checkpoints.clear()
    assert not (tmp_path / "partial").exists()


def test_a_damaged_checkpoint_is_refined_afresh(tmp_path, caplog):
    checkpoints = ImageCheckpoints(tmp_path, "steps=20")
    (tmp_path / "a.npz").write_bytes(b"PK\x03\x04 not a whole archive")
    assert checkpoints.load("a", "any", "latent") is None
    assert "a.npz: cannot read" in caplog.text and "starting afresh" in caplog.text

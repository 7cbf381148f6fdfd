"""The model's jobs before storing (latentcodec.workflow.encode)."""

import logging
from pathlib import Path

import pandas as pd
import pytest

from latentcodec.io import read_rgb, write_png
from latentcodec.workflow import encode
from latentcodec.workflow.encode import _cached_model, encode_images, refine_latents


@pytest.mark.slow
def test_one_encode_job_per_model_writes_the_bytes_of_per_image_jobs(tmp_path, mirror):
    """The per-model job, batching both (equal-size) images, against one fresh model load
    per image as the former per-image jobs did: the same latent files, byte for byte."""
    images = [mirror / "datasets" / "kodak" / f"{name}.png" for name in ("kodim01", "kodim02")]
    options = {"mirror": str(mirror), "threads": 1, "device": "cpu"}
    per_model = [tmp_path / "model" / f"{path.stem}.npz" for path in images]
    encode_images("taef2", images, per_model, batch_size=2, **options)
    for image in images:
        _cached_model.cache_clear()
        encode_images("taef2", [image], [tmp_path / "image" / f"{image.stem}.npz"], **options)
    for path in per_model:
        assert path.read_bytes() == (tmp_path / "image" / path.name).read_bytes(), path.name


@pytest.mark.slow
def test_a_refinement_killed_after_an_image_resumes_to_the_same_latents(
    tmp_path, mirror, monkeypatch, caplog
):
    """A job killed after its first image (a session's end), run again: the first image is
    taken from its checkpoint, not refined again, and every latent is the uninterrupted job's."""
    kodak = mirror / "datasets" / "kodak"
    sources = []
    for name in ("kodim01", "kodim02"):
        sources.append(tmp_path / f"{name}.png")
        write_png(sources[-1], read_rgb(kodak / f"{name}.png")[:64, :96])
    latents = [tmp_path / "direct" / f"{path.stem}.npz" for path in sources]
    options = {"mirror": str(mirror), "threads": 1, "device": "cpu"}
    encode_images("taef2", sources, latents, **options)

    def refine(folder: Path) -> None:
        refine_latents(
            "taef2", encoder="refined", sources=sources, latents=latents,
            refined=[folder / path.name for path in latents], steps=folder / "refinement.csv",
            refinement={"steps": 2}, **options,
        )  # fmt: skip

    refine(tmp_path / "whole")
    real_refined, calls = encode._refined, []

    def killed_at_the_second_image(*args):
        calls.append(args)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_refined(*args)

    monkeypatch.setattr(encode, "_refined", killed_at_the_second_image)
    with pytest.raises(KeyboardInterrupt):
        refine(tmp_path / "resumed")
    assert not (tmp_path / "resumed" / "refinement.csv").exists()
    calls.clear()
    with caplog.at_level(logging.INFO):
        refine(tmp_path / "resumed")
    assert len(calls) == 1 and "kodim01: taken from" in caplog.text
    for path in latents:
        resumed = (tmp_path / "resumed" / path.name).read_bytes()
        assert resumed == (tmp_path / "whole" / path.name).read_bytes(), path.name
    steps = [pd.read_csv(tmp_path / run / "refinement.csv") for run in ("whole", "resumed")]
    columns = ["image", "step", "loss", "psnr"]
    pd.testing.assert_frame_equal(steps[0][columns], steps[1][columns])
    assert not (tmp_path / "resumed" / "refinement.partial").exists()

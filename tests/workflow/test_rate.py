"""Rate-aware lac's model job (latentcodec.workflow.rate)."""

import logging

import pandas as pd
import pytest

from latentcodec.codecs.packing import NO_PACKING
from latentcodec.io import read_rgb, write_png
from latentcodec.models import refine
from latentcodec.workflow.encode import encode_images, measure_sensitivity
from latentcodec.workflow.rate import rate_aware_lac
from latentcodec.workflow.setting import Setting
from latentcodec.workflow.store import quantize_latents


@pytest.mark.slow
def test_a_search_killed_after_an_image_resumes_to_the_same_files(
    tmp_path, mirror, monkeypatch, caplog
):
    """Killed at its second image and run again, the job takes the first from its checkpoint
    and writes the uninterrupted job's files and table, byte for byte."""
    kodak = mirror / "datasets" / "kodak"
    sources = []
    for name in ("kodim01", "kodim02"):
        sources.append(tmp_path / f"{name}.png")
        write_png(sources[-1], read_rgb(kodak / f"{name}.png")[:64, :96])
    options = {"mirror": str(mirror), "threads": 1, "device": "cpu"}
    latents = [tmp_path / "latents" / f"{path.stem}.npz" for path in sources]
    quantized = [tmp_path / "b8" / f"{path.stem}.npz" for path in sources]
    sensitivities = [tmp_path / "sensitivity" / f"{path.stem}.npy" for path in sources]
    encode_images("taef2", sources, latents, **options)
    quantize_latents(latents, quantized, bits=8)
    measure_sensitivity("taef2", latents=latents, sensitivities=sensitivities, **options)
    setting = Setting(model="taef2", encoder="rated", bits=8, packing=NO_PACKING, codec="lac",
                      quality="q50", quality_value=50)  # fmt: skip

    def search(folder):
        rate_aware_lac(
            "taef2", encoder="rated", sources=sources, latents=latents, quantized=quantized,
            sensitivities=sensitivities,
            compressed=[folder / f"{path.stem}.lcf" for path in sources],
            table=folder / "rate.csv", seconds=folder / "seconds.csv",
            search_seconds=folder / "search_seconds.csv", setting=setting,
            refinement={"steps": 1, "rate_steps": 2}, description="test", **options,
        )  # fmt: skip

    search(tmp_path / "whole")
    real_search, calls = refine.refine_latent, []

    def killed_at_the_second_image(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_search(*args, **kwargs)

    monkeypatch.setattr(refine, "refine_latent", killed_at_the_second_image)
    with pytest.raises(KeyboardInterrupt):
        search(tmp_path / "resumed")
    calls.clear()
    with caplog.at_level(logging.INFO):
        search(tmp_path / "resumed")
    assert len(calls) == 1 and "kodim01: taken from" in caplog.text
    for path in sources:
        whole, resumed = (tmp_path / run / f"{path.stem}.lcf" for run in ("whole", "resumed"))
        assert resumed.read_bytes() == whole.read_bytes(), path.stem
    tables = [pd.read_csv(tmp_path / run / "rate.csv") for run in ("whole", "resumed")]
    pd.testing.assert_frame_equal(*tables)
    assert not (tmp_path / "resumed" / "rate.partial").exists()

"""The model's jobs before storing (latentcodec.workflow.encode)."""

import pytest

from latentcodec.workflow.encode import _cached_model, encode_images


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

import numpy as np
import pytest

from latentcodec.io import save_arrays
from latentcodec.workflow.setting import Setting
from latentcodec.workflow.store import quantize_latents


@pytest.fixture
def quantized_files(tmp_path):
    """Two quantised TAEF2-shaped latents (32 channels) at 8 bits."""
    rng = np.random.default_rng(0)
    latents, quantized = [], []
    for image in ("kodim01", "kodim02"):
        path = tmp_path / "latents" / f"{image}.npz"
        save_arrays(
            path,
            latent=rng.normal(size=(32, 4, 6)).astype(np.float32),
            model=np.array("taef2"),
            height=np.array(32),
            width=np.array(48),
        )
        latents.append(path)
        quantized.append(tmp_path / "b8" / f"{image}.npz")
    quantize_latents(latents, quantized, bits=8)
    return quantized


def latent_setting(codec, packing="interleaved", quality="lossless", quality_value=None, **more):
    """A TAEF2 setting at 8 bits unless `more` says otherwise."""
    fields = dict(model="taef2", bits=8, packing=packing, codec=codec, quality=quality)
    return Setting(**(fields | {"quality_value": quality_value} | more))

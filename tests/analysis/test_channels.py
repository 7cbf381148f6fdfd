import numpy as np
import pytest

from latentcodec.analysis.channels import channel_table, lossless_single_plane_codecs
from latentcodec.errors import LatentCodecError
from latentcodec.io import save_arrays


def test_lossless_single_plane_codecs_are_those_that_can_store_one_plane_exactly():
    configured = {"avif": {"speed": 6}, "webpll": {}, "jxl": {"effort": 3}, "j2k": {}}
    expected = {"png": {}, "jxl": {"effort": 3}, "j2k": {}}
    assert lossless_single_plane_codecs(configured, 8) == expected
    assert list(lossless_single_plane_codecs(configured, 5)) == ["png"]


def write_latents(folder, count=2, channels=2):
    latents, quantized = [], []
    rng = np.random.default_rng(0)
    for index in range(count):
        latent = np.zeros((channels, 8, 8), dtype=np.float32)
        latent[1] = rng.normal(size=(8, 8))
        latent[0, 0, 0] = -1.0 - index  # channel 0 ranges over [−2, 0] across the images
        path = folder / f"latent{index}.npz"
        save_arrays(path, latent=latent)
        latents.append(path)
        values = np.zeros((channels, 8, 8), dtype=np.uint8)
        values[1, :4] = 255  # channel 1: half 0, half 255 → 1 bit per value
        path = folder / f"q8_{index}.npz"
        save_arrays(path, values=values, bits=np.array(8))
        quantized.append(path)
        wide = rng.integers(0, 1024, size=(channels, 8, 8)).astype(np.uint16)
        path = folder / f"q10_{index}.npz"
        save_arrays(path, values=wide, bits=np.array(10))
        quantized.append(path)
    return latents, quantized


def test_channel_table_range_entropy_and_shares(tmp_path):
    latents, quantized = write_latents(tmp_path)
    table = channel_table(latents, quantized, {"j2k": {}, "webpll": {}})
    eight = table[table["bitdepth"] == 8].set_index("channel")
    assert (eight.loc[0, "min"], eight.loc[0, "max"]) == (-2.0, 0.0)
    assert eight.loc[0, "entropy_bits"] == 0.0 and eight.loc[1, "entropy_bits"] == 1.0
    for codec in ("png", "j2k"):
        assert eight[f"{codec}_share"].sum() == pytest.approx(1.0)
    assert "webpll_share" not in table  # webp lossless stores 3 or 4 planes, not one
    assert eight.loc[0, "png_bytes"] < eight.loc[1, "png_bytes"]
    ten = table[table["bitdepth"] == 10]
    assert len(ten) == 2 and (ten["entropy_bits"] > 5).all()  # 128 values out of 1024 levels


def test_channel_table_refuses_latents_of_different_widths(tmp_path):
    latents, quantized = write_latents(tmp_path)
    save_arrays(tmp_path / "odd.npz", latent=np.zeros((3, 8, 8), dtype=np.float32))
    with pytest.raises(LatentCodecError, match="channel count"):
        channel_table([*latents, tmp_path / "odd.npz"], quantized, {})

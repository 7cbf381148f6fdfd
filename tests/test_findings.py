import math

import numpy as np
import pandas as pd
import pytest

from latentcodec.errors import LatentCodecError
from latentcodec.findings import (
    bitdepth_gain_table,
    channel_table,
    lossless_single_plane_codecs,
    write_bitdepth_gain,
    write_findings,
)
from latentcodec.io import save_arrays
from latentcodec.operating_points import write_operating_points
from latentcodec.tables import write_table
from tests.test_operating_points import synthetic_frame


def test_bitdepth_gain_is_per_extra_bit_and_against_the_ceiling():
    gain = bitdepth_gain_table(synthetic_frame()).set_index("bitdepth")
    assert math.isnan(gain.loc[8, "gain_db"])
    assert gain.loc[12, "gain_db"] == pytest.approx(0.1)
    assert gain.loc[12, "gain_per_bit_db"] == pytest.approx(0.025)
    assert gain.loc[8, "gap_to_ceiling_db"] == pytest.approx(0.1)


def test_findings_markdown_is_filled_in_from_the_tables(tmp_path):
    metrics = tmp_path / "metrics.csv"
    write_table(synthetic_frame(), metrics)
    names = ["op.csv", "op.md", "opm.csv", "opm.md", "ops.csv", "ops.md", "gain.csv"]
    op, op_md, opm, opm_md, ops, ops_md, gain = (tmp_path / name for name in names)
    write_operating_points(metrics, op, op_md, opm, opm_md, ops, ops_md)
    write_bitdepth_gain(metrics, gain)
    channels = tmp_path / "taef2" / "channels.csv"
    channels.parent.mkdir()
    pd.DataFrame(
        {"channel": [0, 1], "bitdepth": [8, 8], "entropy_bits": [1.0, 3.0],
         "png_share": [0.25, 0.75]}
    ).to_csv(channels, index=False)  # fmt: skip
    figures = tmp_path / "figures"
    figures.mkdir()
    for name in ("rd.png", "crops.png", "equal_size.png", "crops_kodim05.png"):
        (figures / name).write_bytes(b"")
    output = tmp_path / "findings.md"
    write_findings(
        metrics, op, opm, gain, [channels],
        [figures / "rd.png", figures / "crops.png", figures / "equal_size.png"],
        output, dataset="kodak", run="demo",
    )  # fmt: skip
    text = output.read_text()
    assert "Dataset `kodak`, 1 images" in text
    headline = "avif 8-bit interleaved, reaches within 0.5 dB of the `taef2` ceiling (29.50 dB)"
    assert f"{headline} at {4**0.75:.3f} bpp" in text
    assert f"pixel webp needs {0.25 * 2**0.5:.3f} bpp" in text
    assert f"within 0.1 dB of that ceiling (29.90 dB) at {0.25 * 2**0.9:.3f} bpp (webp)" in text
    assert "png 8-bit planar at 3.000 bpp" in text and "75% of the raw 8-bit" in text
    assert "8-bit quantisation already comes within 0.100 dB" in text
    assert "channel 1 takes 75.0% of the bytes" in text
    assert "`figures/crops_kodim05.png`" in text
    assert "No SDXL VAE (`sdxl-vae-fp16-fix`) numbers" in text
    assert "nan" not in text


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

import math

import pandas as pd
import pytest

from latentcodec.bootstrap import Bootstrap
from latentcodec.errors import LatentCodecError
from latentcodec.operating_points import operating_points
from latentcodec.spaces import (
    latent_spaces_figure,
    latent_spaces_markdown,
    latent_spaces_table,
    lead_markdown,
    lead_table,
)
from tests.helpers import results

LEVELS = [("low", 0.5, 30.0), ("medium", 1.0, 33.0), ("high", 2.0, 36.0)]


def test_the_lead_table_puts_each_setting_beside_pixel_avif_at_equal_psnr():
    table = lead_table(
        results(), "taesdxl", {"png": ["lossless"], "avif": ["low", "medium", "high"]},
        ["avif444"], Bootstrap(1000, 0),
    )  # fmt: skip
    assert list(table["quality"]) == ["float32", "lossless", "low", "medium", "high"]
    lossy = table[table["codec"] == "avif"]
    assert lossy["bpp_ratio"].to_numpy() == pytest.approx(2.0)
    assert (lossy["bpp_ratio_low"] >= 1.95).all() and (lossy["bpp_ratio_high"] <= 2.05).all()
    assert list(lossy["gap_to_ceiling_db"]) == pytest.approx([8.0, 5.0, 2.0])
    assert table.iloc[0]["gap_to_ceiling_db"] == 0.0
    assert math.isnan(table.iloc[0]["bpp_ratio"])  # the raw float latent gets no ratio
    # lossless PNG at 38 dB: pixel AVIF between its 36 and 39 dB points, linear in log bpp
    assert table.iloc[1]["pixel_bpp"] == pytest.approx(2 * 2 ** (2 / 3))
    text = lead_markdown(table)
    assert "SDXL latent space" in text and "| avif medium | 8 | 2.000" in text
    assert "2.0× (2.0–2.0)" in text and "| ceiling (float latent) | float |" in text


def test_the_lead_table_names_a_missing_model_or_baseline():
    with pytest.raises(LatentCodecError, match="lead_model: 'taesd3'"):
        lead_table(results(), "taesd3", {}, ["avif444"], Bootstrap(1000, 0))
    with pytest.raises(LatentCodecError, match=r"avif420"):
        lead_table(results(), "taesdxl", {}, ["avif420"], Bootstrap(1000, 0))


def test_latent_spaces_take_each_models_cheapest_curve_and_order_by_channels():
    frame = results()
    points = operating_points(frame, "psnr", Bootstrap(1000, 0))
    perceptual = operating_points(frame, "ssimulacra2", Bootstrap(1000, 0))
    gain = pd.DataFrame(
        {"model": ["taesdxl", "taesdxl", "taef2"], "bitdepth": [5, 6, 8],
         "gap_to_ceiling_db": [0.3, 0.05, 0.2]}
    )  # fmt: skip
    table = latent_spaces_table(points, perceptual, gain)
    assert list(table["model"]) == ["taesdxl", "taef2"]  # 4 channels before 32
    assert list(table["channels"]) == [4, 32]
    assert table.iloc[0]["latent_space"] == "SDXL" and table.iloc[0]["ceiling_bits"] == 6
    assert math.isnan(table.iloc[1]["ceiling_bits"])  # never within 0.1 dB
    assert table.iloc[0]["codec"] == "avif"  # cheaper than lossless PNG at 6 bpp
    assert list(table["bpp_ratio"]) == pytest.approx([2.0, 4.0])
    assert list(table["ssimulacra2_bpp_ratio"]) == pytest.approx([2.0, 4.0])
    text = latent_spaces_markdown(table)
    assert "| taef2 | FLUX.2 | 32 |" in text and "> measured" in text
    latent_spaces_figure(table)  # draws without error from the table alone

import math

import pytest

from latentcodec.analysis.bootstrap import Bootstrap
from latentcodec.analysis.lead import lead_table
from latentcodec.report.lead import lead_markdown
from tests.helpers import results


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
    table.loc[1, "gap_to_ceiling_db"] = -0.001  # a hair above the ceiling
    assert "| -0.00 |" not in lead_markdown(table) and "| 0.00 |" in lead_markdown(table)


def test_a_pixel_rate_read_across_a_wide_bracket_is_marked():
    frame = results()
    assert "†" not in lead_markdown(
        lead_table(frame, "taesdxl", {"png": ["lossless"]}, ["avif444"], Bootstrap(1000, 0))
    )  # every bracket of the synthetic curves is exactly 2×
    gap = frame[~((frame["model"] == "none") & (frame["quality"] == "q3"))]  # pixel 1 → 4 bpp
    table = lead_table(gap, "taesdxl", {"png": ["lossless"]}, ["avif444"], Bootstrap(1000, 0))
    assert list(table["pixel_wide_bracket"]) == [True, True]  # 38 dB: between 33 and 39 dB
    text = lead_markdown(table)
    assert text.count(" † (avif444)") == 2 and "† read between two measured" in text

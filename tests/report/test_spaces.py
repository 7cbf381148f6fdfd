import math

import pandas as pd
import pytest

from latentcodec.analysis.bootstrap import Bootstrap
from latentcodec.analysis.operating_points import operating_points
from latentcodec.analysis.spaces import latent_spaces_table
from latentcodec.report.spaces import latent_spaces_figure, latent_spaces_markdown, spaces_sentence
from tests.analysis.test_spaces import _no_gain, _points
from tests.helpers import results


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


def test_a_rate_read_across_a_wide_bracket_carries_its_mark_into_the_table():
    frame = results()
    assert "†" not in latent_spaces_markdown(
        latent_spaces_table(*_points(frame), _no_gain())
    )  # every bracket of the synthetic curves is exactly 2×
    gap = frame[~((frame["model"] == "none") & (frame["quality"] == "q3"))]  # pixel 1 → 4 bpp
    table = latent_spaces_table(*_points(gap), _no_gain())
    assert list(table["pixel_wide_bracket"]) == [True, True]
    assert not table["latent_wide_bracket"].any()
    text = latent_spaces_markdown(table)
    assert text.count(" † |") == 2 and "† read between two measured rates more than 2×" in text


def test_the_widest_space_is_set_against_the_range_of_the_narrowest_not_their_mean():
    spaces = pd.DataFrame(
        {"model": ["taesd", "taesdxl", "taef2"], "channels": [4, 4, 32],
         "latent_bpp": [0.178, 0.241, 1.239], "ceiling": [24.77, 24.90, 30.19],
         "bpp_ratio": [2.6, 3.6, 5.0], "pixel_status": "interpolated"}
    )  # fmt: skip
    for side in ("latent_bpp", "bpp_ratio"):
        spaces[[f"{side}_low", f"{side}_high", f"{side}_reached"]] = [math.nan, math.nan, 1.0]
    text = spaces_sentence(spaces)
    assert (
        "The widest latent space (32 channels: taef2) costs more bytes than the narrowest "
        "(4 channels: taesd, taesdxl): 1.239 against 0.178–0.241 bpp, for a ceiling of 30.19 "
        "against 24.77–24.90 dB." in text
    )
    spaces.loc[2, "latent_bpp"] = 0.2
    assert "costs about as many bytes as the narrowest" in spaces_sentence(spaces)

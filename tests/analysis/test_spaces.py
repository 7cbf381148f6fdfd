"""The latent-spaces table (`analysis.spaces.latent_spaces_table`): each model's cheapest latent
curve within 0.5 dB of its ceiling against the best pixel codec, and its bracket marks."""

import math

import pandas as pd
import pytest

from latentcodec.analysis.bootstrap import Bootstrap
from latentcodec.analysis.operating_points import operating_points
from latentcodec.analysis.spaces import latent_spaces_table
from tests.helpers import results


def _points(frame):
    return (
        operating_points(frame, "psnr", Bootstrap(1000, 0)),
        operating_points(frame, "ssimulacra2", Bootstrap(1000, 0)),
    )


def _no_gain():
    return pd.DataFrame({"model": [], "bitdepth": [], "gap_to_ceiling_db": []})


def spaces_of_the_synthetic_results() -> pd.DataFrame:
    gain = pd.DataFrame(
        {"model": ["taesdxl", "taesdxl", "taef2"], "bitdepth": [5, 6, 8],
         "gap_to_ceiling_db": [0.3, 0.05, 0.2]}
    )  # fmt: skip
    return latent_spaces_table(*_points(results()), gain)


def test_latent_spaces_take_each_models_cheapest_curve_and_order_by_channels():
    table = spaces_of_the_synthetic_results()
    assert list(table["model"]) == ["taesdxl", "taef2"]  # 4 channels before 32
    assert list(table["channels"]) == [4, 32]
    assert table.iloc[0]["latent_space"] == "SDXL" and table.iloc[0]["ceiling_bits"] == 6
    assert math.isnan(table.iloc[1]["ceiling_bits"])  # never within 0.1 dB
    assert table.iloc[0]["codec"] == "avif"  # cheaper than lossless PNG at 6 bpp
    assert list(table["bpp_ratio"]) == pytest.approx([2.0, 4.0])
    assert list(table["ssimulacra2_bpp_ratio"]) == pytest.approx([2.0, 4.0])


def test_a_rate_read_across_a_wide_bracket_is_marked_on_its_side_only():
    frame = results()
    table = latent_spaces_table(*_points(frame), _no_gain())
    assert not table["pixel_wide_bracket"].any()  # every synthetic bracket is exactly 2×
    gap = frame[~((frame["model"] == "none") & (frame["quality"] == "q3"))]  # pixel 1 → 4 bpp
    table = latent_spaces_table(*_points(gap), _no_gain())
    assert list(table["pixel_wide_bracket"]) == [True, True]
    assert not table["latent_wide_bracket"].any()

import math

import pandas as pd

from latentcodec.analysis.spaces import latent_spaces_table
from latentcodec.report.spaces import latent_spaces_figure, latent_spaces_markdown, spaces_sentence
from tests.analysis.test_spaces import _no_gain, _points, spaces_of_the_synthetic_results
from tests.helpers import results


def test_the_markdown_holds_each_models_row_and_the_figure_draws_from_the_table_alone():
    table = spaces_of_the_synthetic_results()
    text = latent_spaces_markdown(table)
    assert "| taef2 | FLUX.2 | 32 |" in text and "> measured" in text
    latent_spaces_figure(table)


def test_a_rate_read_across_a_wide_bracket_carries_its_mark_into_the_markdown():
    frame = results()
    assert "†" not in latent_spaces_markdown(latent_spaces_table(*_points(frame), _no_gain()))
    gap = frame[~((frame["model"] == "none") & (frame["quality"] == "q3"))]  # pixel 1 → 4 bpp
    text = latent_spaces_markdown(latent_spaces_table(*_points(gap), _no_gain()))
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

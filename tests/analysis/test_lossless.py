import math

import pandas as pd
import pytest

from latentcodec.analysis.lossless import entropy_distances, smallest_lossless
from tests.helpers import synthetic_frame


def report(**rates) -> pd.DataFrame:
    """An entropy report of one model at 8 bits: the three bounds and codecs `name=bpp`."""
    bounds = {"histogram": 2.0, "med": 1.6, "linear": 1.5}
    return pd.DataFrame(
        [{"model": "taef2", "bitdepth": 8, "kind": "bound", "name": name, "codec": "none",
          "bpp": bpp} for name, bpp in bounds.items()]
        + [{"model": "taef2", "bitdepth": 8, "kind": "codec", "name": name, "codec": name,
            "bpp": bpp} for name, bpp in rates.items()]
    )  # fmt: skip


def test_image_codecs_are_set_against_the_cheapest_native_codec_and_it_against_the_bound():
    distances = entropy_distances(report(lac=1.2, png=1.8, jxl=1.5))
    assert distances["codec"].tolist() == ["jxl", "png"]  # cheapest first
    assert distances["change"].tolist() == pytest.approx([1.5 / 1.2 - 1, 1.8 / 1.2 - 1])
    first = distances.iloc[0]
    assert (first["native"], first["bound"]) == ("lac", "linear")
    assert first["bound_gap"] == pytest.approx(1.5 / 1.2 - 1)
    assert entropy_distances(report(png=1.8)).empty  # no codec of the latent itself


def test_the_smallest_lossless_file_is_sought_among_the_depths_that_keep_the_ceiling():
    (best,) = smallest_lossless(synthetic_frame(), ["taef2"]).to_dict("records")
    # 8 bits come within 0.1 dB of the 30 dB ceiling: png there, beside its raw integers
    assert (best["codec"], best["bitdepth"], best["bpp"]) == ("png", 8, 3.0)
    assert best["raw_bpp"] == 4.0 and best["share"] == pytest.approx(0.75)
    assert smallest_lossless(synthetic_frame(), ["none"]).empty
    assert not math.isnan(best["psnr"])

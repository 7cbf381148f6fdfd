"""Encode seconds per image from the jobs' seconds tables."""

import pandas as pd
import pytest

from latentcodec.analysis.costs import encode_costs


def write(path, frame):
    frame.to_csv(path, index=False)
    return str(path)


def test_a_latent_files_cost_adds_its_parts_and_a_pixel_files_is_its_codecs(tmp_path):
    images = ["kodim01", "kodim02"]
    model = write(tmp_path / "m.csv", pd.DataFrame({"image": images, "seconds": [2.0, 4.0]}))
    codec = write(tmp_path / "c.csv", pd.DataFrame({"image": images, "seconds": [0.1, 0.3]}))
    refine = write(
        tmp_path / "r.csv",
        pd.DataFrame({"model": "taesdxl", "encoder": "refined", "image": images * 2,
                      "step": [0, 0, 20, 20], "loss": 0.01, "psnr": 20.0,
                      "seconds": [3.0, 3.0, 60.0, 62.0]}),
    )  # fmt: skip
    pixel = write(
        tmp_path / "p.csv",
        pd.DataFrame({"image": images * 2, "quality": ["q10", "q10", "q50", "q50"],
                      "seconds": [5.0, 7.0, 9.0, 11.0]}),
    )  # fmt: skip
    setting = dict(model="taesdxl", codec="png", bitdepth=8, packing="interleaved",
                   quality="lossless", effort="compression=9")  # fmt: skip
    latent = [
        setting | {"encoder": encoder, "paths": dict(model=model, refine=path, sensitivity=None,
                                                     search=None, codec=codec)}
        for encoder, path in (("direct", None), ("refined", refine))
    ]  # fmt: skip
    costs = encode_costs(latent, [{"name": "avif444", "effort": "speed=0", "codec": pixel}])
    direct, refined, q10, q50 = costs.to_dict("records")
    assert direct["model"] == "taesdxl" and refined["model"] == "taesdxl+refined"
    assert direct["total_seconds"] == pytest.approx(3.0 + 0.2) and direct["refine_seconds"] == 0
    assert refined["refine_seconds"] == 61.0
    assert refined["total_seconds"] == pytest.approx(3.0 + 61.0 + 0.2)
    assert (q10["model"], q10["codec"], q10["quality"], q10["total_seconds"]) == (
        "none",
        "avif444",
        "q10",
        6.0,
    )
    assert q50["codec_seconds"] == 10.0 and q50["images"] == 2


def test_a_rate_aware_files_cost_holds_its_search(tmp_path):
    images = ["kodim01", "kodim02"]
    model, search, codec = (
        write(tmp_path / f"{name}.csv", pd.DataFrame({"image": images, "seconds": seconds}))
        for name, seconds in (("m", [2.0, 4.0]), ("s", [40.0, 50.0]), ("c", [0.1, 0.3]))
    )
    setting = dict(model="taef2", encoder="rated", codec="lac", bitdepth=8, packing="none",
                   quality="q30", effort="")  # fmt: skip
    paths = dict(model=model, refine=None, sensitivity=None, search=search, codec=codec)
    (row,) = encode_costs([setting | {"paths": paths}], []).to_dict("records")
    assert row["model"] == "taef2+rated" and row["search_seconds"] == 45.0
    assert row["total_seconds"] == pytest.approx(3.0 + 45.0 + 0.2)

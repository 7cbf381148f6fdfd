import numpy as np
import pandas as pd
import pytest

from latentcodec.analysis.entropy import (
    BOUNDS,
    write_entropy_bounds,
)
from latentcodec.analysis.lossless import entropy_distances, entropy_report
from latentcodec.report.entropy import distance_sentences, entropy_figure, entropy_markdown
from tests.analysis.test_entropy import latent_file
from tests.helpers import synthetic_frame


def test_report_puts_exact_codecs_beside_the_bounds(tmp_path):
    rng = np.random.default_rng(3)
    values = rng.integers(0, 256, size=(4, 8, 8), dtype=np.uint8)
    bounds, channels = tmp_path / "entropy.csv", tmp_path / "channels.csv"
    write_entropy_bounds([latent_file(tmp_path / "a.npz", values, 8)], bounds, channels,
                         model="taef2")  # fmt: skip
    metrics = synthetic_frame()
    report = entropy_report([pd.read_csv(bounds)], metrics)
    codecs = report[report["kind"] == "codec"]
    exact = metrics[(metrics["model"] == "taef2") & (metrics["codec"] != "none")
                    & metrics["exact"] & (metrics["bitdepth"] == 8)]  # fmt: skip
    assert set(codecs["name"]) == set(exact["codec"]) == set(codecs["codec"])
    assert set(report.loc[report["kind"] == "bound", "codec"]) == {"none"}
    for name, rows in exact.groupby("codec"):
        assert codecs.set_index("name").loc[name, "bpp"] == pytest.approx(rows["bpp"].mean())
    assert list(report.loc[report["kind"] == "bound", "name"]) == list(BOUNDS)
    text = entropy_markdown(report, entropy_distances(report))
    assert "| taef2 | 8 |" in text and "per-channel ranges in both" in text
    entropy_figure(report)  # draws from the table alone


def test_distance_sentences_set_image_codecs_against_lac_and_lac_against_the_bounds():
    rows = [("bound", name, bpp) for name, bpp in zip(BOUNDS, (0.50, 0.48, 0.40), strict=True)]
    rows += [("codec", "lac", 0.42), ("codec", "png-lossless/planar", 0.63)]
    rows += [("codec", "png-lossless/interleaved", 0.64), ("codec", "webpll", 0.441)]
    report = pd.DataFrame(
        [
            {"model": "taesdxl", "bitdepth": 8, "kind": kind, "name": name, "bpp": bpp,
             "codec": "none" if kind == "bound" else name.split("-")[0]}
            for kind, name, bpp in rows
        ]
    )  # fmt: skip
    (sentence,) = distance_sentences(entropy_distances(report))
    assert (
        "`lac` 0.420 bpp" in sentence and "webpll +5.0 %, png-lossless/planar +50.0 %" in sentence
    )
    assert "0.400 bpp) is 4.8 % below `lac`" in sentence
    assert entropy_distances(report[report["name"] != "lac"]).empty  # no latent-native codec

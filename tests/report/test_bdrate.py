import math

import pandas as pd
import pytest

from latentcodec.analysis.bdrate import bd_table
from latentcodec.report.bdrate import bd_markdown, latent_anchor_sentence
from tests.analysis.test_bdrate import ANCHOR, rows
from tests.helpers import PIXEL, ceiling, curve


def test_identical_curves_give_a_bd_rate_interval_containing_0():
    pixel = curve("none", "avif444", PIXEL, noise=1.0, seed=1)
    same = curve("taesdxl", "avif", PIXEL, noise=1.0, seed=1)
    row = bd_table(pd.DataFrame(pixel + same + ceiling()), "avif444").iloc[0]
    assert row["bd_rate_psnr_low"] <= 1e-9 and row["bd_rate_psnr_high"] >= -1e-9
    # The same mean curve measured with other per-image noise: 0 is inside a wide interval.
    other = curve("taesdxl", "avif", PIXEL, noise=1.0, seed=2)
    row = bd_table(pd.DataFrame(pixel + other + ceiling()), "avif444").iloc[0]
    assert row["bd_rate_psnr_low"] < 0 < row["bd_rate_psnr_high"]
    assert row["bd_rate_psnr_high"] - row["bd_rate_psnr_low"] > 5
    assert "to" in bd_markdown(bd_table(pd.DataFrame(pixel + other + ceiling()), "avif444"))


def test_lac_gets_a_bd_rate_against_latent_avif_of_the_same_model_and_bit_depth():
    half = [(label, size // 2, psnr, msssim) for label, size, psnr, msssim in ANCHOR]
    frame = pd.DataFrame(
        rows("none", "avif444", ANCHOR)
        + rows("taesdxl", "avif", ANCHOR)
        + rows("taesdxl", "lac", half, packing="none")
        + rows("taesdxl", "lac", half, packing="none", bits=10)  # no 10-bit latent AVIF
    )
    result = bd_table(frame, "avif444", latent_anchor="avif").set_index(["codec", "bitdepth"])
    assert result.loc[("lac", 8), "bd_rate_latent"] == pytest.approx(-50)
    assert math.isnan(result.loc[("avif", 8), "bd_rate_latent"])  # the anchor itself
    assert math.isnan(result.loc[("lac", 10), "bd_rate_latent"])
    table = result.reset_index()
    assert "against latent avif" in bd_markdown(table)
    assert "`lac` on `taesdxl` -50.0" in latent_anchor_sentence(table)


def test_the_markdown_gives_the_psnr_range_each_bd_rate_compares_over():
    lower = [(label, size, psnr - 2, msssim) for label, size, psnr, msssim in ANCHOR]
    far = [("a", 10_000, 50.0, 0.999), ("b", 20_000, 52.0, 0.9995)]
    frame = pd.DataFrame(
        rows("none", "avif444", ANCHOR) + rows("taef2", "avif", lower) + rows("taesd", "avif", far)
    )
    text = bd_markdown(bd_table(frame, "avif444"))
    assert "| PSNR both curves span (dB) |" in text
    assert "| 28.00–32.00 |" in text  # anchor 28–34 dB, curve 26–32 dB
    taesd = next(line for line in text.splitlines() if line.startswith("| taesd |"))
    assert "| — | — |" in taesd  # no shared range, no BD-rate against the latent anchor

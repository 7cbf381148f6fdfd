import pandas as pd
import pytest

from latentcodec.analysis.bootstrap import Bootstrap
from latentcodec.analysis.operating_points import operating_points
from latentcodec.report.operating_points import operating_points_markdown
from tests.helpers import (
    PIXEL,
    ceiling,
    curve,
    results,
    rows,
    synthetic_frame,
    twice_the_pixel_rate,
)


def test_the_markdown_says_never_and_flags_the_lowest_rate():
    frame = synthetic_frame()
    frame = pd.concat(
        [frame, pd.DataFrame(rows("taef2", "jxl", [(5.0, 25.0, 0.9), (6.0, 26.0, 0.92)]))]
    )
    low = pd.DataFrame(rows("taef2", "j2k", [(2.0, 29.95, 0.99), (3.0, 30.0, 0.99)]))
    text = operating_points_markdown(operating_points(pd.concat([frame, low])))
    assert "never (peak 26.00 dB)" in text
    j2k = [line for line in text.splitlines() if "| j2k |" in line]
    assert all("| ≤ 2.000 (" in line for line in j2k)  # read at the curve's lowest point
    # so the ratio is an upper bound, unless the pixel rate is one too (at Δ 1 dB)
    assert [line.split(" | ")[-1][:6] for line in j2k] == ["≤ 4.3×", "≤ 5.7×", "8.0× ("]
    assert text.count("**Within") == 3
    assert text.startswith("The smallest mean bpp at which each latent curve comes within Δ")
    perceptual = operating_points_markdown(operating_points(results(), "ssimulacra2"))
    assert perceptual.startswith("The perceptual operating point: the smallest mean bpp whose")


def test_a_constant_twice_the_pixel_rate_gives_a_ratio_tight_around_2():
    points = operating_points(twice_the_pixel_rate(), "psnr", Bootstrap(1000, 0))
    for row in points.itertuples():
        assert row.bpp_ratio == pytest.approx(2.0)
        assert 1.95 <= row.bpp_ratio_low <= 2.0 <= row.bpp_ratio_high <= 2.05
        assert row.latent_bpp_low < row.latent_bpp < row.latent_bpp_high  # the rates do vary
    assert "2.0× (2.0–2.0)" in operating_points_markdown(points)


def test_a_level_some_resamples_miss_reports_the_share_that_reached_it():
    latent = [("a", 1.0, 30.0), ("b", 2.0, 37.6)]  # 0.5 dB below a 38 dB ceiling: 37.5
    frame = pd.DataFrame(
        curve("none", "avif444", PIXEL) + curve("taesdxl", "avif", latent, noise=1.0, seed=5)
    )
    frame = pd.concat([frame, pd.DataFrame(ceiling())])
    row = operating_points(frame, "psnr").set_index("delta").loc[0.5]
    assert 0.2 < row["latent_bpp_reached"] < 1
    assert row["bpp_ratio_reached"] == row["latent_bpp_reached"]
    assert "% of resamples]" in operating_points_markdown(operating_points(frame, "psnr"))


def test_an_operating_point_read_across_more_than_twice_the_rate_is_flagged():
    wide = [("a", 1.0, 30.0), ("b", 4.0, 39.0)]
    narrow = [("a", 1.0, 36.0), ("b", 1.5, 39.0)]
    frame = pd.DataFrame(
        curve("none", "avif444", PIXEL)
        + curve("taesdxl", "avif", wide)
        + curve("taesdxl", "jxl", narrow)
        + ceiling()
    )
    points = operating_points(frame, "psnr").set_index(["codec", "delta"])
    assert points.loc[("avif", 0.5), "latent_bracket"] == pytest.approx(4.0)
    assert points.loc[("avif", 0.5), "latent_wide_bracket"]
    assert not points.loc[("jxl", 0.5), "latent_wide_bracket"]
    assert points.loc[("jxl", 0.5), "pixel_bracket"] == pytest.approx(2.0)  # 2× is not > 2×
    text = operating_points_markdown(points.reset_index())
    assert f"| {4 ** (7.5 / 9):.3f} (" in text
    table_rows = [line for line in text.splitlines() if line.startswith("| taesdxl")]
    assert all(("| avif |" in line) == (" † |" in line) for line in table_rows)
    assert sum(" † |" in line for line in table_rows) == 3  # avif, once per Δ

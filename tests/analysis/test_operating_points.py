"""Operating points (latentcodec.analysis.operating_points): the latent beside the cheapest pixel
codec
at each level below the ceiling, their bootstrap intervals and the tables."""

import math

import numpy as np
import pandas as pd
import pytest

from latentcodec.analysis.bootstrap import Bootstrap
from latentcodec.analysis.compare import bd_markdown, bd_table
from latentcodec.analysis.operating_points import (
    SSIMULACRA2_MARGIN,
    operating_points,
    operating_points_markdown,
    write_operating_points,
)
from latentcodec.analysis.readoff import SINGLE_POINT
from latentcodec.errors import LatentCodecError
from latentcodec.tables import write_table
from tests.helpers import (
    PIXEL,
    ceiling,
    curve,
    results,
    rows,
    synthetic_frame,
    twice_the_pixel_rate,
)


def test_operating_points_put_the_latent_beside_the_cheapest_pixel_codec():
    points = operating_points(synthetic_frame())
    avif = points[(points["codec"] == "avif") & (points["delta"] == 0.5)].iloc[0]
    assert avif["target"] == pytest.approx(29.5)
    assert avif["latent_bpp"] == pytest.approx(4**0.75)
    assert avif["pixel_codec"] == "webp"  # 0.25·√2 bpp beats jpeg's 0.5·2^0.25
    assert avif["pixel_bpp"] == pytest.approx(0.25 * 2**0.5)
    assert avif["bpp_ratio"] == pytest.approx(4**0.75 / (0.25 * 2**0.5))
    assert set(points["codec"]) == {"avif", "png"}  # the ceiling and raw rows are no curves
    png = points[(points["codec"] == "png")].set_index("delta")
    assert png.loc[0.1, "latent_status"] == SINGLE_POINT and png.loc[0.1, "latent_bpp"] == 3.0
    # 29.9 dB: webp reaches it at 0.25·2^0.9 bpp, jpeg at 0.5·2^0.45; the smaller wins.
    assert png.loc[0.1, "pixel_bpp"] == pytest.approx(min(0.25 * 2**0.9, 0.5 * 2**0.45))


def test_operating_points_on_msssim_use_the_db_scale():
    points = operating_points(synthetic_frame(), "msssim_db")
    avif = points[(points["codec"] == "avif") & (points["delta"] == 1.0)].iloc[0]
    assert avif["ceiling"] == pytest.approx(20.0)  # −10·log10(1 − 0.99)
    level = 19.0
    low, high = -10 * math.log10(0.05), 20.0
    fraction = (level - low) / (high - low)
    assert avif["latent_bpp"] == pytest.approx(4**fraction)


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


def test_a_model_without_a_ceiling_is_an_error_naming_it():
    frame = synthetic_frame()
    frame = frame[frame["quality"] != "float32"]
    with pytest.raises(LatentCodecError, match="ceiling.*taef2"):
        operating_points(frame)


# With the bootstrap: intervals, the share of resamples that reached a level, the † flag.


def test_a_constant_twice_the_pixel_rate_gives_a_ratio_tight_around_2():
    points = operating_points(twice_the_pixel_rate(), "psnr", Bootstrap(1000, 0))
    for row in points.itertuples():
        assert row.bpp_ratio == pytest.approx(2.0)
        assert 1.95 <= row.bpp_ratio_low <= 2.0 <= row.bpp_ratio_high <= 2.05
        assert row.latent_bpp_low < row.latent_bpp < row.latent_bpp_high  # the rates do vary
    assert "2.0× (2.0–2.0)" in operating_points_markdown(points)


def noisy_table(noise: float) -> pd.DataFrame:
    latent = [("a", 1.0, 31.0), ("b", 2.0, 34.0), ("c", 4.0, 37.0), ("d", 8.0, 40.0)]
    return pd.DataFrame(
        curve("none", "avif444", PIXEL, noise=noise, seed=3)
        + curve("taesdxl", "avif", latent, noise=noise, seed=4)
        + ceiling(noise=noise)
    )


def test_the_interval_is_reproducible_with_the_seed_and_changes_with_another():
    frame = noisy_table(1.0)
    first = operating_points(frame, "psnr", Bootstrap(1000, 0))
    again = operating_points(frame, "psnr", Bootstrap(1000, 0))
    other = operating_points(frame, "psnr", Bootstrap(1000, 7))
    pd.testing.assert_frame_equal(first, again)
    columns = ["bpp_ratio_low", "bpp_ratio_high"]
    assert first[columns].notna().all().all()
    assert not np.allclose(first[columns], other[columns])
    assert np.array_equal(first["bpp_ratio"], other["bpp_ratio"])  # the estimate itself stays


def test_per_image_noise_widens_the_interval():
    def widths(noise):
        points = operating_points(noisy_table(noise), "psnr", Bootstrap(1000, 0))
        return (points["bpp_ratio_high"] - points["bpp_ratio_low"]).to_numpy()

    assert (widths(2.0) > 3 * widths(0.2)).all()


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


def test_ssimulacra2_has_one_perceptual_operating_point_per_curve():
    points = operating_points(twice_the_pixel_rate(), "ssimulacra2")
    assert set(points["delta"]) == {SSIMULACRA2_MARGIN}
    assert (points["target"] == points["ceiling"] - SSIMULACRA2_MARGIN).all()
    assert points["bpp_ratio"].to_numpy() == pytest.approx(2.0)


def test_without_ssimulacra2_scores_the_perceptual_table_says_so(tmp_path):
    frame = twice_the_pixel_rate().drop(columns="ssimulacra2")
    assert operating_points(frame, "ssimulacra2").empty
    assert bd_table(frame, "avif444")["bd_rate_ssimulacra2"].isna().all()
    assert "SSIMULACRA2" not in bd_markdown(bd_table(frame, "avif444"))
    write_table(frame.assign(ssimulacra2=math.nan), tmp_path / "metrics.csv")  # not measured
    paths = [tmp_path / name for name in ("p.csv", "p.md", "m.csv", "m.md", "s.csv", "s.md")]
    write_operating_points(tmp_path / "metrics.csv", *paths, resamples=1000, seed=0)
    assert "No SSIMULACRA2 scores" in paths[5].read_text()
    assert pd.read_csv(paths[4]).empty and "bpp_ratio_low" in pd.read_csv(paths[4])
    assert "(1000 resamples, seed 0)" in paths[1].read_text()

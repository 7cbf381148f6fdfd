import math

import numpy as np
import pandas as pd
import pytest

from latentcodec.bdrate import bd_rate, bd_rate_rows
from latentcodec.bootstrap import Bootstrap, ImageMeans, estimate
from latentcodec.compare import bd_markdown, bd_table
from latentcodec.errors import LatentCodecError
from latentcodec.operating_points import (
    SSIMULACRA2_MARGIN,
    operating_points,
    operating_points_markdown,
    write_operating_points,
)
from latentcodec.readoff import rate_at_level, rates_at_level
from latentcodec.tables import write_table

IMAGES = [f"kodim{index:02d}" for index in range(1, 25)]
PIXEL = [("q1", 0.5, 30.0), ("q2", 1.0, 33.0), ("q3", 2.0, 36.0), ("q4", 4.0, 39.0)]


def curve(model, codec, points, *, noise=0.0, seed=1, bits=8, packing="interleaved"):
    """Results-table rows of one curve on every image: points = [(label, bpp, psnr)];
    each image's PSNR is the point's plus independent Gaussian noise of sd `noise`, centred
    so that the mean over the images is the point's PSNR."""
    rng = np.random.default_rng(seed)
    rows = []
    for label, bpp, psnr in points:
        shifts = rng.normal(0, noise, len(IMAGES))
        for image, shift in zip(IMAGES, shifts - shifts.mean(), strict=True):
            score = psnr + shift
            rows.append(
                {
                    "image": image, "model": model, "bitdepth": bits, "packing": packing,
                    "codec": codec, "quality": label, "quality_value": None, "effort": "",
                    "bytes": round(bpp * 768 * 512 / 8), "side_bytes": 0, "bpp": bpp,
                    "psnr": score, "ssim": 0.9, "msssim": 1 - 10 ** (-score / 20),
                    "ssimulacra2": 2 * score - 10, "butteraugli": 1.0, "butteraugli_3norm": 0.5,
                    "latent_mse": 0.0, "latent_psnr": 40.0,
                    "exact": codec == "none", "width": 768, "height": 512, "channels": 3,
                    "source": "s.png", "compressed": "c", "recon": "r.png",
                }
            )  # fmt: skip
    return rows


def ceiling(model="taesdxl", psnr=38.0, noise=0.0):
    return curve(model, "none", [("float32", 16.0, psnr)], noise=noise, bits=32, packing="none")


def twice_the_pixel_rate(noise=1.0):
    """A latent curve with the pixel curve's scores image by image, at twice its bytes."""
    pixel = pd.DataFrame(curve("none", "avif444", PIXEL, noise=noise))
    latent = pixel.assign(model="taesdxl", codec="avif", packing="interleaved", bpp=pixel.bpp * 2)
    return pd.concat([pixel, latent, pd.DataFrame(ceiling(noise=noise))], ignore_index=True)


def test_each_resample_draws_as_many_images_as_there_are():
    counts = Bootstrap(1000, 0).counts(24)
    assert counts.shape == (1000, 24) and (counts.sum(axis=1) == 24).all()
    assert counts.mean() == pytest.approx(1.0, abs=0.02)


def test_the_draws_are_reproducible_with_the_seed_and_change_with_another():
    assert np.array_equal(Bootstrap(1000, 0).counts(24), Bootstrap(1000, 0).counts(24))
    assert not np.array_equal(Bootstrap(1000, 0).counts(24), Bootstrap(1000, 1).counts(24))


def test_a_constant_twice_the_pixel_rate_gives_a_ratio_tight_around_2():
    points = operating_points(twice_the_pixel_rate(), "psnr", Bootstrap(1000, 0))
    for row in points.itertuples():
        assert row.bpp_ratio == pytest.approx(2.0)
        assert 1.95 <= row.bpp_ratio_low <= 2.0 <= row.bpp_ratio_high <= 2.05
        assert row.latent_bpp_low < row.latent_bpp < row.latent_bpp_high  # the rates do vary
    assert "2.0× (2.0–2.0)" in operating_points_markdown(points)


def test_a_constant_twice_the_pixel_rate_gives_a_bd_rate_around_plus_100():
    row = bd_table(twice_the_pixel_rate(), "avif444", Bootstrap(1000, 0)).iloc[0]
    for metric in ("psnr", "msssim", "ssimulacra2"):
        assert row[f"bd_rate_{metric}"] == pytest.approx(100.0)
        assert 99.0 <= row[f"bd_rate_{metric}_low"] <= row[f"bd_rate_{metric}_high"] <= 101.0


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


def test_a_setting_missing_an_image_is_an_error_naming_it():
    frame = twice_the_pixel_rate()
    frame = frame.drop(frame.index[(frame["quality"] == "q2") & (frame["image"] == "kodim07")])
    with pytest.raises(LatentCodecError, match="q2.*lacks images \\['kodim07'\\]"):
        ImageMeans(frame, Bootstrap())


def test_image_means_leave_out_nan_scores_and_keep_infinite_ones():
    frame = twice_the_pixel_rate()
    frame.loc[frame.index[:3], "msssim"] = math.nan
    frame.loc[frame.index[-1], "psnr"] = math.inf
    means = ImageMeans(frame, Bootstrap(1000, 0))
    expected = frame.groupby(["model", "codec", "bitdepth", "packing", "quality"])
    full, replicates = means.means("msssim")
    assert full == pytest.approx(expected["msssim"].mean().to_numpy())
    assert replicates.shape == (len(full), 1000) and not np.isnan(replicates).any()
    full, replicates = means.means("psnr")
    assert np.isinf(full).sum() == 1 and np.isinf(replicates).any()


def random_curves(rng, replicates, points):
    rates = np.exp(np.cumsum(rng.uniform(0.1, 1.0, (replicates, points)), axis=1))
    qualities = 25 + np.cumsum(rng.normal(1.5, 1.5, (replicates, points)), axis=1)
    return rng.permuted(rates, axis=1) if points > 2 else rates, qualities


@pytest.mark.parametrize("points", [1, 2, 3, 7])
def test_replicated_read_off_agrees_with_the_single_curve_rule(points):
    rng = np.random.default_rng(points)
    rates, qualities = random_curves(rng, 400, points)
    qualities[::5, 0] = math.nan  # a point without a score is left out
    levels = rng.uniform(24, 25 + 2 * points, 400)
    expected = [
        rate_at_level(rate, quality, level).bpp
        for rate, quality, level in zip(rates, qualities, levels, strict=True)
    ]
    np.testing.assert_allclose(rates_at_level(rates, qualities, levels), expected, rtol=1e-12)


@pytest.mark.parametrize(("anchor_points", "test_points"), [(2, 2), (4, 3), (6, 8)])
def test_replicated_bd_rate_agrees_with_scipys_pchip(anchor_points, test_points):
    rng = np.random.default_rng(anchor_points * 10 + test_points)
    anchor = random_curves(rng, 300, anchor_points)
    test = random_curves(rng, 300, test_points)
    expected = []
    for row in range(300):
        try:
            expected.append(bd_rate(anchor[0][row], anchor[1][row], test[0][row], test[1][row]))
        except LatentCodecError:  # no overlap
            expected.append(math.nan)
    np.testing.assert_allclose(bd_rate_rows(*anchor, *test), expected, rtol=1e-9, atol=1e-9)


def test_an_estimate_is_the_percentile_interval_of_the_replicates_that_gave_a_value():
    result = estimate(5.0, np.r_[np.arange(1.0, 101.0), [math.nan] * 100])
    assert (result.low, result.high, result.reached) == pytest.approx((3.475, 97.525, 0.5))
    assert math.isnan(estimate(5.0, np.full(10, math.nan)).low)

"""The paired bootstrap (latentcodec.analysis.bootstrap): reproducible draws, per-image means, the
percentile interval, MS-SSIM in dB."""

import math

import numpy as np
import pytest

from latentcodec.analysis.bjontegaard import msssim_db
from latentcodec.analysis.bootstrap import Bootstrap, ImageMeans, estimate
from latentcodec.errors import LatentCodecError
from tests.helpers import twice_the_pixel_rate


def test_each_resample_draws_as_many_images_as_there_are():
    counts = Bootstrap(1000, 0).counts(24)
    assert counts.shape == (1000, 24) and (counts.sum(axis=1) == 24).all()
    assert counts.mean() == pytest.approx(1.0, abs=0.02)


def test_the_draws_are_reproducible_with_the_seed_and_change_with_another():
    assert np.array_equal(Bootstrap(1000, 0).counts(24), Bootstrap(1000, 0).counts(24))
    assert not np.array_equal(Bootstrap(1000, 0).counts(24), Bootstrap(1000, 1).counts(24))


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


def test_an_estimate_is_the_percentile_interval_of_the_replicates_that_gave_a_value():
    result = estimate(5.0, np.r_[np.arange(1.0, 101.0), [math.nan] * 100])
    assert (result.low, result.high, result.reached) == pytest.approx((3.475, 97.525, 0.5))
    assert math.isnan(estimate(5.0, np.full(10, math.nan)).low)


def test_msssim_db_is_the_usual_log_scale():
    assert msssim_db(0.99) == pytest.approx(20.0)

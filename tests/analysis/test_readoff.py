"""Reading a rate off a curve (latentcodec.analysis.readoff): log-bpp interpolation, never, the
lowest rate, and the replicated read-off of the bootstrap."""

import math

import numpy as np
import pytest

from latentcodec.analysis.readoff import (
    AT_LOWEST_RATE,
    INTERPOLATED,
    NEVER,
    SINGLE_POINT,
    rate_at_level,
    rates_at_level,
)
from latentcodec.errors import LatentCodecError
from tests.helpers import random_curves


def test_the_rate_is_interpolated_linearly_in_log_bpp():
    result = rate_at_level([1.0, 4.0], [30.0, 34.0], 32.0, ["q1", "q2"])
    assert result.bpp == pytest.approx(2.0)  # halfway in log bpp between 1 and 4
    assert (result.status, result.between) == (INTERPOLATED, "q1–q2")


def test_points_are_taken_in_increasing_bpp_whatever_their_order():
    result = rate_at_level([4.0, 1.0], [34.0, 30.0], 33.0)
    assert result.bpp == pytest.approx(4**0.75)


def test_a_curve_that_never_gets_close_says_never_and_how_far_it_got():
    result = rate_at_level([1.0, 2.0, 4.0], [20.0, 25.0, 29.5], 30.0)
    assert math.isnan(result.bpp)
    assert (result.status, result.peak) == (NEVER, 29.5)


def test_a_curve_already_above_the_level_gives_its_lowest_rate_flagged():
    result = rate_at_level([0.5, 1.0], [31.0, 33.0], 30.0, ["q10", "q20"])
    assert (result.bpp, result.status, result.between) == (0.5, AT_LOWEST_RATE, "q10")


def test_a_non_monotone_curve_gives_its_first_crossing():
    bpp, psnr = [1.0, 2.0, 4.0, 8.0], [30.0, 33.0, 31.0, 35.0]
    assert rate_at_level(bpp, psnr, 32.0).bpp == pytest.approx(2 ** (2 / 3))
    # 34 dB is first reached at 8 bpp, after the dip: bracketed by 4 and 8 bpp.
    assert rate_at_level(bpp, psnr, 34.0).bpp == pytest.approx(4 * 2**0.75)


def test_a_single_point_curve_is_just_its_point():
    result = rate_at_level([3.5], [30.2], 30.0, ["lossless"])
    assert (result.bpp, result.status, result.between) == (3.5, SINGLE_POINT, "lossless")
    assert rate_at_level([3.5], [29.0], 30.0).status == NEVER


def test_points_without_a_quality_are_left_out():
    result = rate_at_level([1.0, 2.0, 4.0], [30.0, math.nan, 34.0], 32.0)
    assert result.bpp == pytest.approx(2.0)


def test_a_curve_with_mismatched_lengths_is_refused():
    with pytest.raises(LatentCodecError, match="one quality and one label per rate"):
        rate_at_level([1.0, 2.0], [30.0], 30.0)


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

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from latentcodec.analysis.bjontegaard import bd_quality, bd_rate, bd_rate_rows
from latentcodec.errors import LatentCodecError
from tests.helpers import random_curves

# A typical rate-PSNR curve: bpp spanning a decade, PSNR rising with rate.
RATE = [0.1, 0.2, 0.4, 0.7, 1.0]
PSNR = [28.0, 30.5, 33.0, 35.0, 36.5]


def test_identical_curves_have_zero_difference():
    assert bd_rate(RATE, PSNR, RATE, PSNR) == pytest.approx(0.0, abs=1e-9)
    assert bd_quality(RATE, PSNR, RATE, PSNR) == pytest.approx(0.0, abs=1e-9)


def test_rates_times_0_8_is_minus_20_percent_and_better_quality():
    test_rate = [r * 0.8 for r in RATE]
    assert bd_rate(RATE, PSNR, test_rate, PSNR) == pytest.approx(-20.0, abs=1e-6)
    assert bd_quality(RATE, PSNR, test_rate, PSNR) > 0


def test_rates_times_1_25_is_plus_25_percent_and_worse_quality():
    test_rate = [r * 1.25 for r in RATE]
    assert bd_rate(RATE, PSNR, test_rate, PSNR) == pytest.approx(25.0, abs=1e-6)
    assert bd_quality(RATE, PSNR, test_rate, PSNR) < 0


def test_quality_plus_1_db_at_same_rates_is_plus_1_and_fewer_bits():
    test_psnr = [q + 1.0 for q in PSNR]
    assert bd_quality(RATE, PSNR, RATE, test_psnr) == pytest.approx(1.0, abs=1e-6)
    assert bd_rate(RATE, PSNR, RATE, test_psnr) < 0


def test_unsorted_input_gives_the_same_result_as_sorted():
    order = [3, 0, 4, 1, 2]
    shuffled_rate = [RATE[i] * 0.9 for i in order]
    shuffled_psnr = [PSNR[i] + 0.3 for i in order]
    sorted_rate = [r * 0.9 for r in RATE]
    sorted_psnr = [q + 0.3 for q in PSNR]
    for metric in (bd_rate, bd_quality):
        assert metric(RATE, PSNR, shuffled_rate, shuffled_psnr) == pytest.approx(
            metric(RATE, PSNR, sorted_rate, sorted_psnr), abs=1e-12
        )


def test_swapping_anchor_and_test_inverts_the_rate_ratio_and_negates_quality():
    test_rate = [r * 0.7 for r in RATE]
    test_psnr = [q + 0.5 for q in PSNR]
    forward = bd_rate(RATE, PSNR, test_rate, test_psnr)
    backward = bd_rate(test_rate, test_psnr, RATE, PSNR)
    assert (1 + forward / 100) * (1 + backward / 100) == pytest.approx(1.0, abs=1e-12)
    assert bd_quality(RATE, PSNR, test_rate, test_psnr) == pytest.approx(
        -bd_quality(test_rate, test_psnr, RATE, PSNR), abs=1e-12
    )


@st.composite
def monotone_curves(draw):
    """4-6 points with strictly increasing rate and quality, spaced well apart."""
    n = draw(st.integers(4, 6))
    rate0 = draw(st.floats(0.01, 1.0))
    rate_steps = draw(st.lists(st.floats(1.05, 2.0), min_size=n - 1, max_size=n - 1))
    quality0 = draw(st.floats(15.0, 40.0))
    quality_steps = draw(st.lists(st.floats(0.1, 5.0), min_size=n - 1, max_size=n - 1))
    rate = rate0 * np.cumprod([1.0, *rate_steps])
    quality = quality0 + np.cumsum([0.0, *quality_steps])
    return rate, quality


@given(curve=monotone_curves(), k=st.floats(0.5, 2.0))
def test_scaling_test_rates_by_k_gives_bd_rate_of_k_minus_1(curve, k):
    rate, quality = curve
    assert bd_rate(rate, quality, rate * k, quality) == pytest.approx(
        (k - 1) * 100, rel=1e-9, abs=1e-9
    )


@given(curve=monotone_curves(), k=st.floats(0.5, 2.0))
def test_bd_quality_sign_follows_cheaper_test_curve(curve, k):
    rate, quality = curve
    assume(rate[-1] / rate[0] > max(k, 1 / k))  # the scaled curve still overlaps in rate
    result = bd_quality(rate, quality, rate * k, quality)
    assert math.isfinite(result)
    if k < 0.99:
        assert result > 0
    elif k > 1.01:
        assert result < 0


def test_curves_that_do_not_overlap_in_quality_raise():
    high_psnr = [q + 20.0 for q in PSNR]
    with pytest.raises(LatentCodecError, match="do not overlap") as info:
        bd_rate(RATE, PSNR, RATE, high_psnr)
    assert "28" in str(info.value) and "48" in str(info.value)


def test_curves_that_do_not_overlap_in_rate_raise():
    high_rate = [r * 100 for r in RATE]
    with pytest.raises(LatentCodecError, match="do not overlap") as info:
        bd_quality(RATE, PSNR, high_rate, PSNR)
    assert "0.1" in str(info.value) and "100" in str(info.value)


@pytest.mark.parametrize(
    ("rate", "quality"),
    [
        pytest.param([0.5], [30.0], id="fewer-than-2-points"),
        pytest.param([], [], id="no-points"),
        pytest.param([0.1, float("nan"), 0.4], [28.0, 30.0, 33.0], id="nan-rate"),
        pytest.param([0.1, 0.2, 0.4], [28.0, float("nan"), 33.0], id="nan-quality"),
        pytest.param([0.1, 0.2, float("inf")], [28.0, 30.0, 33.0], id="inf-rate"),
        pytest.param([0.0, 0.2, 0.4], [28.0, 30.0, 33.0], id="zero-rate"),
        pytest.param([-0.1, 0.2, 0.4], [28.0, 30.0, 33.0], id="negative-rate"),
        pytest.param([0.1, 0.2, 0.4], [28.0, 30.0], id="mismatched-lengths"),
        pytest.param([[0.1, 0.2]], [[28.0, 30.0]], id="not-1-d"),
    ],
)
@pytest.mark.parametrize("metric", [bd_rate, bd_quality])
def test_invalid_curve_raises_latentcodec_error(metric, rate, quality):
    with pytest.raises(LatentCodecError):
        metric(RATE, PSNR, rate, quality)
    with pytest.raises(LatentCodecError):
        metric(rate, quality, RATE, PSNR)


@pytest.mark.parametrize("metric", [bd_rate, bd_quality])
def test_non_monotone_curve_gives_a_finite_number(metric):
    # One point out of order (quality drops while rate rises) and a repeated quality value.
    out_of_order = ([0.1, 0.2, 0.4, 0.7, 1.0], [28.0, 31.0, 30.0, 35.0, 36.5])
    duplicated = ([0.1, 0.2, 0.4, 0.7, 1.0], [28.0, 30.5, 30.5, 35.0, 36.5])
    for rate, quality in (out_of_order, duplicated):
        assert math.isfinite(metric(RATE, PSNR, rate, quality))
        assert math.isfinite(metric(rate, quality, RATE, PSNR))


def test_duplicate_abscissa_is_averaged():
    # Two points at 30.5 dB with rates 0.2 and 0.4 act as one point at their log-mean rate.
    duplicated_rate = [0.1, 0.2, 0.4, 0.7, 1.0]
    duplicated_psnr = [28.0, 30.5, 30.5, 35.0, 36.5]
    merged_rate = [0.1, math.sqrt(0.2 * 0.4), 0.7, 1.0]
    merged_psnr = [28.0, 30.5, 35.0, 36.5]
    assert bd_rate(RATE, PSNR, duplicated_rate, duplicated_psnr) == pytest.approx(
        bd_rate(RATE, PSNR, merged_rate, merged_psnr), abs=1e-12
    )


def test_curve_with_a_single_quality_value_does_not_overlap():
    with pytest.raises(LatentCodecError, match="do not overlap"):
        bd_rate(RATE, PSNR, [0.2, 0.4], [30.0, 30.0])


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

import math

import pandas as pd
import pytest

from latentcodec.errors import LatentCodecError
from latentcodec.operating_points import operating_points, operating_points_markdown
from latentcodec.readoff import (
    AT_LOWEST_RATE,
    INTERPOLATED,
    NEVER,
    SINGLE_POINT,
    rate_at_level,
)


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


def rows(model, codec, points, *, bits=8, packing="interleaved", quality_prefix="q", exact=False):
    """Results-table rows of one image: points = [(bpp, psnr, msssim)], or labelled 4-tuples."""
    out = []
    for index, point in enumerate(points):
        label, (bpp, psnr, msssim) = (
            (point[0], point[1:]) if len(point) == 4 else (f"{quality_prefix}{index}", point)
        )
        out.append(
            {
                "image": "kodim01", "model": model, "bitdepth": bits, "packing": packing,
                "codec": codec, "quality": label, "quality_value": None, "effort": "",
                "bytes": round(bpp * 768 * 512 / 8), "side_bytes": 0, "bpp": bpp,
                "psnr": psnr, "ssim": 0.9, "msssim": msssim, "ssimulacra2": math.nan,
                "butteraugli": math.nan, "butteraugli_3norm": math.nan, "latent_mse": 0.0,
                "latent_psnr": 40.0, "exact": exact, "width": 768, "height": 512,
                "channels": 3, "source": "s.png", "compressed": "c", "recon": "r.png",
            }
        )  # fmt: skip
    return out


def synthetic_frame() -> pd.DataFrame:
    """One model with a 30 dB ceiling, a lossy and a lossless curve, and two pixel codecs."""
    return pd.DataFrame(
        rows("taef2", "none", [("float32", 16.0, 30.0, 0.99)], bits=32, packing="none", exact=True)
        + rows("taef2", "none", [("quantized", 4.0, 29.9, 0.99)], packing="none", exact=True)
        + rows("taef2", "none", [("quantized", 6.0, 30.0, 0.99)], bits=12, packing="none")
        + rows("taef2", "avif", [(1.0, 28.0, 0.95), (4.0, 30.0, 0.99)])
        + rows("taef2", "png", [("lossless", 3.0, 29.9, 0.99)], packing="planar", exact=True)
        + rows("none", "jpeg", [(0.5, 29.0, 0.97), (1.0, 31.0, 0.99)], packing="none")
        + rows("none", "webp", [(0.25, 29.0, 0.97), (0.5, 30.0, 0.98)], packing="none")
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
    assert "≤ 2.000 (at lowest measured rate)" in text
    assert text.count("**Within") == 3


def test_a_model_without_a_ceiling_is_an_error_naming_it():
    frame = synthetic_frame()
    frame = frame[frame["quality"] != "float32"]
    with pytest.raises(LatentCodecError, match="ceiling.*taef2"):
        operating_points(frame)

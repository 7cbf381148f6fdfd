"""Operating points (latentcodec.analysis.operating_points): the latent beside the cheapest pixel
codec
at each level below the ceiling, their bootstrap intervals and the tables."""

import math

import numpy as np
import pandas as pd
import pytest

from latentcodec.analysis.bootstrap import Bootstrap
from latentcodec.analysis.ceiling import SSIMULACRA2_MARGIN
from latentcodec.analysis.operating_points import operating_points
from latentcodec.analysis.readoff import SINGLE_POINT
from latentcodec.errors import LatentCodecError
from tests.helpers import (
    PIXEL,
    ceiling,
    curve,
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


def test_a_model_without_a_ceiling_is_an_error_naming_it():
    frame = synthetic_frame()
    frame = frame[frame["quality"] != "float32"]
    with pytest.raises(LatentCodecError, match="ceiling.*taef2"):
        operating_points(frame)


# With the bootstrap: intervals, the share of resamples that reached a level, the † flag.


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


def test_ssimulacra2_has_one_perceptual_operating_point_per_curve():
    points = operating_points(twice_the_pixel_rate(), "ssimulacra2")
    assert set(points["delta"]) == {SSIMULACRA2_MARGIN}
    assert (points["target"] == points["ceiling"] - SSIMULACRA2_MARGIN).all()
    assert points["bpp_ratio"].to_numpy() == pytest.approx(2.0)

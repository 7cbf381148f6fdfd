"""BD-rate tables against the anchor (latentcodec.analysis.bdrate), with bootstrap intervals."""

import math

import pandas as pd
import pytest

from latentcodec.analysis.bdrate import bd_table
from latentcodec.analysis.bootstrap import Bootstrap
from tests.helpers import twice_the_pixel_rate


def rows(model, codec, points, *, bits=8, packing="interleaved", exact=False, image="kodim01"):
    """Results-table rows for one curve: points = [(quality label, bytes, psnr, msssim)]."""
    return [
        {
            "image": image, "model": model, "bitdepth": bits, "packing": packing,
            "codec": codec, "quality": label, "quality_value": None, "bytes": size,
            "side_bytes": 0, "bpp": size * 8 / (768 * 512), "psnr": psnr, "ssim": 0.9,
            "msssim": msssim, "ssimulacra2": 70.0, "butteraugli": 2.0,
            "butteraugli_3norm": 1.0, "latent_mse": 0.0, "latent_psnr": 40.0, "exact": exact,
            "width": 768, "height": 512, "channels": 3, "source": "s.png",
            "compressed": "c", "recon": f"{codec}-{label}.png",
        }
        for label, size, psnr, msssim in points
    ]  # fmt: skip


ANCHOR = [("q1", 10_000, 28.0, 0.90), ("q2", 20_000, 31.0, 0.95), ("q3", 40_000, 34.0, 0.98)]


def test_a_latent_curve_equal_to_the_anchor_has_zero_bd_rate():
    frame = pd.DataFrame(rows("none", "avif444", ANCHOR) + rows("taef2", "avif", ANCHOR))
    result = bd_table(frame, "avif444")
    assert result[["bd_rate_psnr", "bd_psnr", "bd_rate_msssim"]].abs().max().max() < 1e-9


def test_a_curve_at_half_the_bytes_has_bd_rate_minus_50():
    half = [(label, size // 2, psnr, msssim) for label, size, psnr, msssim in ANCHOR]
    frame = pd.DataFrame(rows("none", "avif444", ANCHOR) + rows("taef2", "avif", half))
    result = bd_table(frame, "avif444").iloc[0]
    assert result["bd_rate_psnr"] == pytest.approx(-50) and result["bd_psnr"] > 0


def test_lossless_single_points_are_left_out_and_non_overlap_is_a_note():
    far = [("a", 10_000, 50.0, 0.999), ("b", 20_000, 52.0, 0.9995)]
    frame = pd.DataFrame(
        rows("none", "avif444", ANCHOR)
        + rows("taef2", "png", [("lossless", 90_000, 30.0, 0.95)], exact=True)
        + rows("taef2", "avif", far)
    )
    result = bd_table(frame, "avif444")
    assert result["codec"].tolist() == ["avif"]
    assert math.isnan(result["bd_rate_psnr"].iloc[0])
    assert "do not overlap" in result["note"].iloc[0]


# With the bootstrap: intervals that contain the truth.


def test_a_constant_twice_the_pixel_rate_gives_a_bd_rate_around_plus_100():
    row = bd_table(twice_the_pixel_rate(), "avif444", Bootstrap(1000, 0)).iloc[0]
    for metric in ("psnr", "msssim", "ssimulacra2"):
        assert row[f"bd_rate_{metric}"] == pytest.approx(100.0)
        assert 99.0 <= row[f"bd_rate_{metric}_low"] <= row[f"bd_rate_{metric}_high"] <= 101.0


def test_a_rate_aware_routes_lac_is_set_against_latent_avif_on_its_starts_latents():
    """The route `taef2+rated` has lac alone; its latent reference is `taef2+refined`'s AVIF."""
    half = [(label, size // 2, psnr, msssim) for label, size, psnr, msssim in ANCHOR]
    frame = pd.DataFrame(
        rows("none", "avif444", ANCHOR)
        + rows("taef2+refined", "avif", ANCHOR)
        + rows("taef2+refined", "lac", ANCHOR)
        + rows("taef2+rated", "lac", half)
    )
    plain = bd_table(frame, "avif444").set_index(["model", "codec"])
    assert math.isnan(plain.loc[("taef2+rated", "lac"), "bd_rate_latent"])
    homes = {"taef2+rated": "taef2+refined"}
    result = bd_table(frame, "avif444", reference_routes=homes).set_index(["model", "codec"])
    assert result.loc[("taef2+rated", "lac"), "bd_rate_latent"] == pytest.approx(-50)
    assert result.loc[("taef2+refined", "lac"), "bd_rate_latent"] == pytest.approx(0, abs=1e-9)


def test_each_bd_rate_states_the_quality_range_both_curves_span():
    lower = [("a", 8_000, 26.0, 0.88), ("b", 16_000, 29.5, 0.94), ("c", 32_000, 32.5, 0.97)]
    far = [("a", 10_000, 50.0, 0.999), ("b", 20_000, 52.0, 0.9995)]
    frame = pd.DataFrame(
        rows("none", "avif444", ANCHOR) + rows("taef2", "avif", lower) + rows("taesd", "avif", far)
    )
    result = bd_table(frame, "avif444").set_index("model")
    # the anchor spans 28–34 dB, the curve 26–32.5: the BD-rate compares them over 28–32.5
    assert result.loc["taef2", ["bd_rate_psnr_over_low", "bd_rate_psnr_over_high"]].tolist() == [
        28.0,
        32.5,
    ]
    assert math.isnan(result.loc["taef2", "bd_rate_latent_over_low"])  # avif is the latent anchor
    assert math.isnan(result.loc["taesd", "bd_rate_psnr_over_low"])  # no shared range

import math

import numpy as np
import pandas as pd
import pytest

from latentcodec.errors import LatentCodecError
from latentcodec.findings import (
    AT_LOWEST_RATE,
    INTERPOLATED,
    NEVER,
    SINGLE_POINT,
    bitdepth_gain_table,
    channel_table,
    lossless_single_plane_codecs,
    operating_points,
    operating_points_markdown,
    rate_at_level,
    write_bitdepth_gain,
    write_findings,
    write_operating_points,
)
from latentcodec.io import save_arrays
from latentcodec.tables import write_table


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
                "codec": codec, "quality": label, "quality_value": None,
                "bytes": round(bpp * 768 * 512 / 8), "side_bytes": 0, "bpp": bpp,
                "psnr": psnr, "ssim": 0.9, "msssim": msssim, "ssimulacra2": 70.0,
                "butteraugli": 2.0, "butteraugli_3norm": 1.0, "latent_mse": 0.0,
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
    avif = points[(points["codec"] == "avif") & (points["delta_db"] == 0.5)].iloc[0]
    assert avif["target"] == pytest.approx(29.5)
    assert avif["latent_bpp"] == pytest.approx(4**0.75)
    assert avif["pixel_codec"] == "webp"  # 0.25·√2 bpp beats jpeg's 0.5·2^0.25
    assert avif["pixel_bpp"] == pytest.approx(0.25 * 2**0.5)
    assert avif["bpp_ratio"] == pytest.approx(4**0.75 / (0.25 * 2**0.5))
    assert set(points["codec"]) == {"avif", "png"}  # the ceiling and raw rows are no curves
    png = points[(points["codec"] == "png")].set_index("delta_db")
    assert png.loc[0.1, "latent_status"] == SINGLE_POINT and png.loc[0.1, "latent_bpp"] == 3.0
    # 29.9 dB: webp reaches it at 0.25·2^0.9 bpp, jpeg at 0.5·2^0.45; the smaller wins.
    assert png.loc[0.1, "pixel_bpp"] == pytest.approx(min(0.25 * 2**0.9, 0.5 * 2**0.45))


def test_operating_points_on_msssim_use_the_db_scale():
    points = operating_points(synthetic_frame(), "msssim_db")
    avif = points[(points["codec"] == "avif") & (points["delta_db"] == 1.0)].iloc[0]
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


def test_bitdepth_gain_is_per_extra_bit_and_against_the_ceiling():
    gain = bitdepth_gain_table(synthetic_frame()).set_index("bitdepth")
    assert math.isnan(gain.loc[8, "gain_db"])
    assert gain.loc[12, "gain_db"] == pytest.approx(0.1)
    assert gain.loc[12, "gain_per_bit_db"] == pytest.approx(0.025)
    assert gain.loc[8, "gap_to_ceiling_db"] == pytest.approx(0.1)


def test_findings_markdown_is_filled_in_from_the_tables(tmp_path):
    metrics = tmp_path / "metrics.csv"
    write_table(synthetic_frame(), metrics)
    names = ["op.csv", "op.md", "opm.csv", "opm.md", "gain.csv"]
    op, op_md, opm, opm_md, gain = (tmp_path / name for name in names)
    write_operating_points(metrics, op, op_md, opm, opm_md)
    write_bitdepth_gain(metrics, gain)
    channels = tmp_path / "taef2" / "channels.csv"
    channels.parent.mkdir()
    pd.DataFrame(
        {"channel": [0, 1], "bitdepth": [8, 8], "entropy_bits": [1.0, 3.0],
         "png_share": [0.25, 0.75]}
    ).to_csv(channels, index=False)  # fmt: skip
    figures = tmp_path / "figures"
    figures.mkdir()
    for name in ("rd.png", "crops.png", "equal_size.png", "crops_kodim05.png"):
        (figures / name).write_bytes(b"")
    output = tmp_path / "findings.md"
    write_findings(
        metrics, op, opm, gain, [channels],
        [figures / "rd.png", figures / "crops.png", figures / "equal_size.png"],
        output, dataset="kodak", run="demo",
    )  # fmt: skip
    text = output.read_text()
    assert "Dataset `kodak`, 1 images" in text
    headline = "avif 8-bit interleaved, reaches within 0.5 dB of the `taef2` ceiling (29.50 dB)"
    assert f"{headline} at {4**0.75:.3f} bpp" in text
    assert f"pixel webp needs {0.25 * 2**0.5:.3f} bpp" in text
    assert f"within 0.1 dB of that ceiling (29.90 dB) at {0.25 * 2**0.9:.3f} bpp (webp)" in text
    assert "png 8-bit planar at 3.000 bpp" in text and "75% of the raw 8-bit" in text
    assert "8-bit quantisation already comes within 0.100 dB" in text
    assert "channel 1 takes 75.0% of the bytes" in text
    assert "`figures/crops_kodim05.png`" in text
    assert "No SDXL VAE (`sdxl-vae-fp16-fix`) numbers" in text
    assert "nan" not in text


def test_lossless_single_plane_codecs_are_those_that_can_store_one_plane_exactly():
    configured = {"avif": {"speed": 6}, "webpll": {}, "jxl": {"effort": 3}, "j2k": {}}
    expected = {"png": {}, "jxl": {"effort": 3}, "j2k": {}}
    assert lossless_single_plane_codecs(configured, 8) == expected
    assert list(lossless_single_plane_codecs(configured, 5)) == ["png"]


def write_latents(folder, count=2, channels=2):
    latents, quantized = [], []
    rng = np.random.default_rng(0)
    for index in range(count):
        latent = np.zeros((channels, 8, 8), dtype=np.float32)
        latent[1] = rng.normal(size=(8, 8))
        latent[0, 0, 0] = -1.0 - index  # channel 0 ranges over [−2, 0] across the images
        path = folder / f"latent{index}.npz"
        save_arrays(path, latent=latent)
        latents.append(path)
        values = np.zeros((channels, 8, 8), dtype=np.uint8)
        values[1, :4] = 255  # channel 1: half 0, half 255 → 1 bit per value
        path = folder / f"q8_{index}.npz"
        save_arrays(path, values=values, bits=np.array(8))
        quantized.append(path)
        wide = rng.integers(0, 1024, size=(channels, 8, 8)).astype(np.uint16)
        path = folder / f"q10_{index}.npz"
        save_arrays(path, values=wide, bits=np.array(10))
        quantized.append(path)
    return latents, quantized


def test_channel_table_range_entropy_and_shares(tmp_path):
    latents, quantized = write_latents(tmp_path)
    table = channel_table(latents, quantized, {"j2k": {}, "webpll": {}})
    eight = table[table["bitdepth"] == 8].set_index("channel")
    assert (eight.loc[0, "min"], eight.loc[0, "max"]) == (-2.0, 0.0)
    assert eight.loc[0, "entropy_bits"] == 0.0 and eight.loc[1, "entropy_bits"] == 1.0
    for codec in ("png", "j2k"):
        assert eight[f"{codec}_share"].sum() == pytest.approx(1.0)
    assert "webpll_share" not in table  # webp lossless stores 3 or 4 planes, not one
    assert eight.loc[0, "png_bytes"] < eight.loc[1, "png_bytes"]
    ten = table[table["bitdepth"] == 10]
    assert len(ten) == 2 and (ten["entropy_bits"] > 5).all()  # 128 values out of 1024 levels


def test_channel_table_refuses_latents_of_different_widths(tmp_path):
    latents, quantized = write_latents(tmp_path)
    save_arrays(tmp_path / "odd.npz", latent=np.zeros((3, 8, 8), dtype=np.float32))
    with pytest.raises(LatentCodecError, match="channel count"):
        channel_table([*latents, tmp_path / "odd.npz"], quantized, {})

"""Entropy bounds: known answers on synthetic latents, the tables, and one real TAEF2 latent."""

import numpy as np
import pytest

from latentcodec.analysis.entropy import (
    BOUNDS,
    bound_entropies,
    entropy_bits,
    entropy_tables,
    linear_residuals,
    med_residuals,
    read_latents,
)
from latentcodec.errors import LatentCodecError
from latentcodec.io import save_arrays
from latentcodec.quantize import quantize


def latent_file(path, values, bits, model="taef2", height=None, width=None):
    channels, h, w = values.shape
    save_arrays(
        path,
        values=values,
        lo=np.zeros(channels, np.float32),
        hi=np.ones(channels, np.float32),
        bits=np.array(bits),
        clip=np.array(np.nan),
        clipped=np.array(0.0),
        model=np.array(model),
        height=np.array(height or 8 * h),
        width=np.array(width or 8 * w),
    )
    return path


def pooled(images, bits, bound):
    return bound_entropies(images, bits)[bound].pooled


def test_entropy_bits_of_known_histograms():
    assert entropy_bits(np.array([5, 5, 5, 5])) == pytest.approx(2.0)
    assert entropy_bits(np.array([0, 7, 0])) == 0.0
    assert entropy_bits(np.zeros(3)) == 0.0


@pytest.mark.parametrize("bits", [4, 8, 12])
def test_uniform_values_give_about_b_bits_for_the_histogram(bits):
    rng = np.random.default_rng(bits)
    values = rng.integers(0, 2**bits, size=(2, 256, 256), dtype=np.int64)
    entropy = pooled([values], bits, "histogram")
    # The plug-in estimate is low by about (levels − 1) / (2 n ln 2) bits.
    assert entropy == pytest.approx(bits, abs=(2**bits) / (2 * values[0].size * np.log(2)) + 0.01)


def test_a_constant_image_costs_nothing():
    values = np.full((3, 32, 48), 200, dtype=np.uint8)
    result = bound_entropies([values], 8)
    assert np.all(result["histogram"].pooled == 0)
    # Only the first value of each channel (predicted as 0) is a surprise.
    for bound in ("med", "linear"):
        assert np.all(result[bound].pooled < 0.01)
    residuals = med_residuals(values)
    assert np.all(residuals[:, 0, 0] == 200) and np.count_nonzero(residuals) == 3


def test_a_smooth_ramp_is_cheap_after_spatial_prediction_only():
    ramp = np.add.outer(np.arange(64), np.arange(128))[None].astype(np.uint8)  # 0 … 190
    result = bound_entropies([ramp], 8)
    assert result["histogram"].pooled[0] > 6
    assert result["med"].pooled[0] < 0.1
    assert result["linear"].pooled[0] < 0.1


def test_a_copied_channel_is_free_for_the_channel_predictor_only():
    rng = np.random.default_rng(0)
    first = rng.integers(0, 256, size=(64, 64))
    values = np.stack([first, first]).astype(np.uint8)
    result = bound_entropies([values], 8)
    assert result["med"].pooled[1] > 7
    assert result["linear"].pooled[1] == pytest.approx(0.0, abs=1e-9)
    assert result["linear"].pooled[0] > 7  # the first channel has nothing to copy
    assert np.all(linear_residuals(values, 8)[1] == 0)


def test_med_predicts_along_edges_and_from_the_first_row_and_column():
    values = np.array([[[10, 20, 30], [40, 50, 60], [70, 80, 90]]])
    # (0,0) from 0; first row from W; first column from N; inside NW ≤ min(W, N), so MED
    # takes max(W, N) (an edge), not the plane W + N − NW.
    assert med_residuals(values)[0].tolist() == [[10, 10, 10], [30, 10, 10], [30, 10, 10]]


@pytest.mark.parametrize(
    ("northwest", "north", "west", "prediction"),
    [(9, 5, 1, 1), (0, 5, 1, 5), (3, 5, 1, 3)],  # NW ≥ max → min; NW ≤ min → max; else plane
)
def test_med_three_cases(northwest, north, west, prediction):
    values = np.array([[[northwest, north], [west, 7]]])
    assert med_residuals(values)[0, 1, 1] == 7 - prediction


def test_results_do_not_depend_on_image_order():
    rng = np.random.default_rng(1)
    images = [rng.integers(0, 16, size=(3, 8 + k, 10), dtype=np.int64) for k in range(4)]
    forward, backward = bound_entropies(images, 4), bound_entropies(images[::-1], 4)
    for bound in BOUNDS:
        np.testing.assert_allclose(forward[bound].pooled, backward[bound].pooled)
        np.testing.assert_allclose(forward[bound].per_image, backward[bound].per_image[::-1])


def test_pooled_entropy_exceeds_per_image_when_images_differ():
    low = np.zeros((1, 16, 16), dtype=np.int64)
    high = np.full((1, 16, 16), 3, dtype=np.int64)
    result = bound_entropies([low, high], 2)["histogram"]
    assert result.pooled[0] == pytest.approx(1.0)
    assert np.all(result.per_image == 0)


def test_bpp_is_entropy_times_values_over_pixels_plus_side_bytes(tmp_path):
    rng = np.random.default_rng(2)
    values = rng.integers(0, 4, size=(4, 16, 16), dtype=np.uint8)
    paths = [latent_file(tmp_path / "a.npz", values, 2, height=128, width=128)]
    summary, channels = entropy_tables(read_latents(paths, "taef2"), "taef2")
    row = summary.set_index("bound").loc["histogram"]
    side_bytes = 2 * 4 * 4  # two float32 per channel
    assert row["values_per_pixel"] == pytest.approx(4 * 16 * 16 / 128**2)
    assert row["side_bpp"] == pytest.approx(8 * side_bytes / 128**2)
    assert row["bpp"] == pytest.approx(
        row["bits_per_value"] * 4 * 16 * 16 / 128**2 + 8 * side_bytes / 128**2
    )
    assert len(channels) == 4 * len(BOUNDS)
    assert row["bits_per_value"] == pytest.approx(
        channels[channels["bound"] == "histogram"]["bits_per_value"].mean()
    )


def test_bad_latent_files_are_refused_by_name(tmp_path):
    values = np.full((2, 4, 4), 9, dtype=np.uint8)
    wide = latent_file(tmp_path / "wide.npz", values, 3)
    with pytest.raises(LatentCodecError, match="wide.npz: a value exceeds 3 bits"):
        read_latents([wide], "taef2")
    other = latent_file(tmp_path / "other.npz", values, 8, model="taesd")
    with pytest.raises(LatentCodecError, match="other.npz.*expected taef2"):
        read_latents([other], "taef2")
    fewer = latent_file(tmp_path / "fewer.npz", values[:1], 8)
    good = latent_file(tmp_path / "good.npz", values, 8)
    with pytest.raises(LatentCodecError, match="fewer.npz: 1 channels, others have 2"):
        read_latents([good, fewer], "taef2")


@pytest.mark.slow
def test_real_taef2_latent_bounds_beside_png(mirror, kodim01):
    from latentcodec.codecs.registry import latent_codec
    from latentcodec.models.autoencoders import load_model

    model = load_model("taef2", device="cpu", mirror=mirror, threads=1)
    latent = quantize(model.encode(kodim01), 8)
    result = bound_entropies([latent.values], 8)
    stored = len(latent_codec("png", "interleaved").encode(latent.values, 8, None))
    pixels = kodim01.shape[0] * kodim01.shape[1]
    side_bpp = 8 * latent.side_bytes / pixels
    rates = {b: result[b].pooled.sum() * latent.values[0].size / pixels + side_bpp for b in BOUNDS}
    png_bpp = 8 * stored / pixels + side_bpp
    print({b: f"{result[b].pooled.mean():.3f} bits/value, {rate:.3f} bpp"
           for b, rate in rates.items()}, f"PNG {png_bpp:.3f} bpp")  # fmt: skip
    assert 0 < rates["linear"] <= rates["histogram"] <= 4 + side_bpp
    assert rates["linear"] < png_bpp  # an ideal coder with the fitted model beats PNG

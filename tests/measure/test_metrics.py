import math

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio

from latentcodec.errors import LatentCodecError
from latentcodec.measure.metrics import bits_per_pixel, psnr, ssim


def random_pair(seed=0):
    rng = np.random.default_rng(seed)
    reference = rng.integers(0, 256, (32, 48, 3), dtype=np.uint8)
    noise = rng.integers(-20, 21, reference.shape)
    return reference, np.clip(reference + noise, 0, 255).astype(np.uint8)


def test_psnr_matches_an_independent_implementation():
    reference, test = random_pair()
    expected = peak_signal_noise_ratio(reference, test, data_range=255)
    assert psnr(reference, test) == pytest.approx(expected, abs=1e-10)


def test_psnr_does_not_wrap_around_in_uint8():
    black = np.zeros((4, 4, 3), np.uint8)
    white = np.full((4, 4, 3), 255, np.uint8)
    assert psnr(black, white) == pytest.approx(0.0, abs=1e-12)


def test_psnr_of_identical_images_is_infinite():
    reference, _ = random_pair()
    assert psnr(reference, reference) == math.inf


def test_ssim_is_one_for_identical_and_lower_for_noisy_images():
    reference, test = random_pair()
    assert ssim(reference, reference) == pytest.approx(1.0)
    assert ssim(reference, test) < 0.99


def test_metrics_refuse_mismatched_shapes():
    with pytest.raises(LatentCodecError, match="differ in shape"):
        psnr(np.zeros((4, 4, 3), np.uint8), np.zeros((4, 5, 3), np.uint8))


def test_bits_per_pixel_is_eight_bits_per_file_byte_over_the_original_pixels():
    assert bits_per_pixel(1024, 768, 512) == pytest.approx(8 * 1024 / (768 * 512))


def test_msssim_of_an_image_with_itself_is_one_and_lower_with_noise(kodim01):
    from latentcodec.measure.metrics import msssim

    assert msssim(kodim01, kodim01) == pytest.approx(1.0)
    noisy = np.clip(kodim01.astype(int) + 25, 0, 255).astype(np.uint8)
    assert msssim(kodim01, noisy) < 1.0


def test_msssim_of_a_small_image_is_nan_with_a_warning(caplog):
    from latentcodec.measure.metrics import msssim

    reference, test = random_pair()
    assert math.isnan(msssim(reference, test))
    assert "MS-SSIM needs both sides" in caplog.text


def test_latent_error_uses_the_float_latents_range_as_peak():
    from latentcodec.measure.metrics import latent_error

    reference = np.array([[[0.0, 4.0]]])
    mse, value = latent_error(reference, reference + 0.5)
    assert mse == pytest.approx(0.25)
    assert value == pytest.approx(20 * math.log10(4) - 10 * math.log10(0.25))
    assert latent_error(reference, reference) == (0.0, math.inf)


def test_msssim_in_float32_equals_the_float64_computation(kodim01):
    import torch
    from pytorch_msssim import ms_ssim

    from latentcodec.measure.metrics import msssim

    noisy = np.clip(
        kodim01.astype(int) + np.arange(kodim01.size).reshape(kodim01.shape) % 7, 0, 255
    )
    noisy = noisy.astype(np.uint8)

    def batch(image):
        return torch.from_numpy(image.astype(np.float64)).permute(2, 0, 1)[None]

    reference = float(ms_ssim(batch(kodim01), batch(noisy), data_range=255))
    assert msssim(kodim01, noisy) == pytest.approx(reference, abs=1e-6)

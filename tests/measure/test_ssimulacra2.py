"""SSIMULACRA2 against libjxl's own tool, and the properties any version of it must have."""

from __future__ import annotations

import io
import itertools
import logging
import math

import numpy as np
import pytest
from PIL import Image, ImageFilter, features

from latentcodec.errors import LatentCodecError
from latentcodec.measure.ssimulacra2 import _blur_kernel, ssimulacra2

# Scores printed by libjxl's `ssimulacra2` tool (libjxl ≥ 0.9) for Kodak images against
# distortions made with Pillow 13.0.0 defaults: `im.save(buffer, format, quality=q)` read back
# as RGB, and `ImageFilter.GaussianBlur(0.8)` (TOOLCHAIN.md). Measured residuals of this
# implementation: max 0.125, mean 0.033; libjxl's float32 blur alone moves it ~0.1–0.3.
REFERENCE = {
    "kodim01": {
        ("JPEG", 10): -2.490, ("JPEG", 30): 47.764, ("JPEG", 50): 62.251, ("JPEG", 75): 73.965,
        ("JPEG", 90): 84.641, ("WEBP", 20): 38.261, ("WEBP", 50): 62.040, ("WEBP", 80): 77.758,
        ("blur", 0.8): 50.370,
    },
    "kodim23": {
        ("JPEG", 10): -15.820, ("JPEG", 30): 48.092, ("JPEG", 50): 64.312, ("JPEG", 75): 76.681,
        ("JPEG", 90): 84.990, ("WEBP", 20): 37.382, ("WEBP", 50): 56.708, ("WEBP", 80): 72.068,
        ("blur", 0.8): 72.886,
    },
}  # fmt: skip
TOLERANCE = 0.2
# The JPEG and WebP bytes come from the encoders bundled with Pillow 13.0.0's wheels; other
# encoder versions may write other bytes, so those cases run only with these versions.
REFERENCE_ENCODERS = {"JPEG": ("libjpeg_turbo", "3.2.0"), "WEBP": ("webp", "1.6.0")}


def distorted(image: Image.Image, kind: str, setting) -> np.ndarray:
    if kind == "blur":
        return np.asarray(image.filter(ImageFilter.GaussianBlur(setting)))
    buffer = io.BytesIO()
    image.save(buffer, kind, quality=setting)
    return np.asarray(Image.open(buffer).convert("RGB"))


@pytest.mark.parametrize(
    ("name", "kind", "setting"),
    [(name, *case) for name, cases in REFERENCE.items() for case in cases],
)
def test_scores_agree_with_libjxl_within_0_2(mirror, name, kind, setting):
    if kind in REFERENCE_ENCODERS:
        feature, version = REFERENCE_ENCODERS[kind]
        if features.version(feature) != version:
            pytest.skip(
                f"the {kind} reference scores need Pillow 13.0.0's {feature} {version} "
                f"(its bytes); this Pillow has {feature} {features.version(feature)}"
            )
    image = Image.open(mirror / "datasets" / "kodak" / f"{name}.png").convert("RGB")
    score = ssimulacra2(np.asarray(image), distorted(image, kind, setting))
    assert isinstance(score, float)
    assert score == pytest.approx(REFERENCE[name][(kind, setting)], abs=TOLERANCE)


def smooth_image(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A photo-like test image: smooth colour gradients plus mild texture."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width] / max(height, width)
    channels = [np.sin(3 * x + phase) * np.cos(2 * y - phase) for phase in (0.0, 1.0, 2.0)]
    image = 128 + 90 * np.stack(channels, axis=-1) + rng.normal(0, 4, (height, width, 3))
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def noisy(image: np.ndarray, sigma: float, seed: int = 1) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, sigma, image.shape)
    return np.clip(np.rint(image + noise), 0, 255).astype(np.uint8)


def test_identical_images_score_100():
    image = smooth_image(64, 96)
    assert ssimulacra2(image, image.copy()) == 100.0


def test_the_score_falls_as_noise_grows():
    image = smooth_image(96, 128)
    scores = [ssimulacra2(image, noisy(image, sigma)) for sigma in (1, 3, 8, 20, 50)]
    assert all(a > b for a, b in itertools.pairwise(scores)), scores
    assert scores[0] < 100.0


def test_the_score_does_not_depend_on_orientation():
    # The blur, its zero border and the 2×2 downsampling treat rows and columns alike (the
    # PyPI port's one-sided reflect padding does not), odd sizes included.
    image = smooth_image(53, 71)
    distorted_image = noisy(image, 10)
    upright = ssimulacra2(image, distorted_image)
    turned = ssimulacra2(image.transpose(1, 0, 2).copy(), distorted_image.transpose(1, 0, 2).copy())
    assert turned == pytest.approx(upright, abs=1e-3)


def test_the_blur_is_libjxls_nine_tap_gaussian():
    kernel = _blur_kernel()
    taps = np.arange(-4, 5)
    gaussian = np.exp(-0.5 * (taps / 1.5) ** 2)
    assert kernel.shape == (9,)
    assert np.allclose(kernel, kernel[::-1]) and kernel.sum() == pytest.approx(1.0, abs=1e-6)
    assert np.abs(kernel - gaussian / gaussian.sum()).max() < 0.002


@pytest.mark.parametrize(
    ("reference", "other", "message"),
    [
        (np.zeros((16, 16, 3), np.uint8), np.zeros((16, 17, 3), np.uint8), "differ in shape"),
        (np.zeros((16, 16), np.uint8), np.zeros((16, 16), np.uint8), r"\(H, W, 3\)"),
        (np.zeros((16, 16, 3), np.uint8), np.zeros((16, 16, 3), np.float32), "uint8"),
    ],
)
def test_bad_inputs_are_refused(reference, other, message):
    with pytest.raises(LatentCodecError, match=message):
        ssimulacra2(reference, other)


def test_images_under_8_px_score_nan_with_a_warning(caplog):
    image = smooth_image(7, 40)
    with caplog.at_level(logging.WARNING):
        assert math.isnan(ssimulacra2(image, noisy(image, 10)))
    assert "8 px" in caplog.text


def test_images_from_8_px_up_are_scored():
    for height, width in ((8, 8), (9, 30), (20, 200)):
        image = smooth_image(height, width)
        score = ssimulacra2(image, noisy(image, 20))
        assert math.isfinite(score) and score < 100.0, (height, width)

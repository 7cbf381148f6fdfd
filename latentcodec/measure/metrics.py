"""Image quality and rate, in float64, on 8-bit RGB (definitions as in docs/method.md).

- PSNR = 20·log10(255) − 10·log10(MSE), MSE over all pixels and the three channels.
- SSIM from scikit-image, `channel_axis=-1, data_range=255`.
- MS-SSIM from pytorch-msssim, `data_range=255`; NaN (with a warning) for images whose
  shorter side is under 161 px, where its five scales do not fit. Its Gaussian filtering runs
  in float32 (three times faster than float64 on a CPU, and equal to it within 1e-6,
  which a test checks); the result is returned as a Python float.
- Latent error: MSE of the dequantised latent against the float latent, and its PSNR with
  the float latent's own range (max − min over all channels) as the peak.
- bpp = 8 × bytes of the file a user keeps (a latent row's whole `.lcf`, a pixel codec's own
  file) ÷ (W × H of the original image), `bits_per_pixel`: one definition for every row.
"""

from __future__ import annotations

import logging
import math

import numpy as np

from latentcodec.errors import LatentCodecError

PEAK = 255.0
SSIM_WINDOW = 7
MSSSIM_MIN_SIDE = 161  # (11-pixel window − 1) × 2⁴ downsamplings + 1

log = logging.getLogger(__name__)


def _as_float64_pair(reference: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if reference.shape != test.shape:
        raise LatentCodecError(f"images differ in shape: {reference.shape} vs {test.shape}")
    if reference.ndim != 3 or reference.shape[2] != 3:
        raise LatentCodecError(f"expected (H, W, 3) RGB images, got {reference.shape}")
    # Cast before subtracting: uint8 differences would wrap around.
    return reference.astype(np.float64), test.astype(np.float64)


def too_small(metric: str, shape: tuple[int, ...], min_side: int) -> bool:
    """Whether an image is too small for `metric`, said with a warning: the metric is then
    recorded as NaN rather than computed on a window that does not fit."""
    if min(shape[:2]) >= min_side:
        return False
    log.warning("%s needs both sides ≥ %d px, got %s: recording NaN", metric, min_side, shape[:2])
    return True


def psnr(reference: np.ndarray, test: np.ndarray) -> float:
    """PSNR in dB of two 8-bit RGB images; inf when they are identical."""
    reference, test = _as_float64_pair(reference, test)
    mse = float(np.mean((reference - test) ** 2))
    if mse == 0.0:
        return math.inf
    return 20.0 * math.log10(PEAK) - 10.0 * math.log10(mse)


def ssim(reference: np.ndarray, test: np.ndarray) -> float:
    """Mean SSIM of two 8-bit RGB images (scikit-image, uniform 7×7 window).

    NaN, with a warning, for images under 7 px on a side, where the window does not fit.
    """
    reference, test = _as_float64_pair(reference, test)
    if too_small("SSIM", reference.shape, SSIM_WINDOW):
        return math.nan
    from skimage.metrics import structural_similarity  # not at import: the CLI needs only bpp

    return float(structural_similarity(reference, test, channel_axis=-1, data_range=PEAK))


def msssim(reference: np.ndarray, test: np.ndarray) -> float:
    """MS-SSIM of two 8-bit RGB images (pytorch-msssim; imports torch on first use)."""
    reference, test = _as_float64_pair(reference, test)
    if too_small("MS-SSIM", reference.shape, MSSSIM_MIN_SIDE):
        return math.nan
    import torch
    from pytorch_msssim import ms_ssim

    def as_batch(image):
        return torch.from_numpy(image).permute(2, 0, 1)[None].to(torch.float32)

    value = ms_ssim(as_batch(reference), as_batch(test), data_range=PEAK, size_average=True)
    return float(value)


def latent_error(reference: np.ndarray, test: np.ndarray) -> tuple[float, float]:
    """(MSE, PSNR in dB) of a latent against the float latent, peak = its max − min."""
    reference = np.asarray(reference, dtype=np.float64)
    mse = float(np.mean((reference - np.asarray(test, dtype=np.float64)) ** 2))
    peak = float(reference.max() - reference.min())
    if mse == 0.0:
        return 0.0, math.inf
    return mse, 20.0 * math.log10(peak) - 10.0 * math.log10(mse)


def bits_per_pixel(file_bytes: int, width: int, height: int) -> float:
    """The one bit rate of the project: 8 × the bytes of the file a user would keep (a latent
    row's whole `.lcf`, a pixel codec's own file) ÷ the original image's pixels."""
    return 8.0 * file_bytes / (width * height)

"""SSIMULACRA2 (Jon Sneyers, 2022–2023), vectorised with numpy and scipy.

A port of the algorithm of libjxl's reference tool (`tools/ssimulacra2.cc`, libjxl ≥ 0.9),
written from its description and checked against its scores (`tests/measure/test_ssimulacra2.py`):

1. sRGB → linear RGB → XYB (libjxl's opsin absorbance, cube root), shifted and scaled so each
   component lies roughly in 0…1 (X·14 + 0.42, Y + 0.01, B − Y + 0.55).
2. At up to six scales (1:1 … 1:32, each halving the previous one by a 2×2 box average in
   *linear* RGB, edge pixels repeated for odd sizes), with a Gaussian blur (σ = 1.5):
   - an SSIM map without the luminance denominator, as the error 1 − SSIM′ (clipped at 0);
   - an edge map comparing |image − blurred| of the two images: "artifact" where the
     distorted image has edges the original lacks, "detail lost" where it is the reverse;
   and of each map the mean (1-norm) and the 4-norm, per component: 108 numbers.
3. A weighted sum of those numbers (libjxl's tuned weights) mapped to a score; 100 means
   identical, 90 visually lossless, 50 medium quality, and it can go negative.

The blur is libjxl's recursive Gaussian (Charalampidis 2016, truncated cosines, radius
round(3.2795σ + 0.2546) = 5) applied along rows then columns with zero outside the image.
In exact arithmetic that recursion is a finite filter (9 taps: its cosines vanish at
±radius), so it is applied here as that separable kernel, computed once by running the
recursion's own coefficients on an impulse.
The PyPI `ssimulacra2` package blurs with a different kernel and boundary and transposes the
image between scales; it scores up to 3.8 points away from libjxl, so it is not used.

Precision: the image planes, the blur and the maps run in float32, as in libjxl, whose
recursive blur accumulates float32 rounding along each row and column; the reference itself
moves by ~0.1–0.3 between float32 builds. Float64 planes moved the reference-table scores by
under 0.002 (no closer to libjxl) and took 1.5–2× the time. The sums over pixels, the 108
norms and the score are float64, as in libjxl, and the score is returned as a Python float.

Small images follow libjxl: a new scale is computed only while the previous one is at least
8 px on both sides, and the weights are then taken in order over the scales computed (as the
reference does). libjxl's tool refuses images under 8×8; here they score NaN, with a warning,
as SSIM does for images too small for its window.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy.ndimage import correlate1d

from latentcodec.errors import LatentCodecError
from latentcodec.measure.metrics import too_small

MIN_SIDE = 8  # libjxl: no scale below 8 px; its tool refuses smaller images
NUM_SCALES = 6
BLUR_SIGMA = 1.5
SSIM_C2 = 0.0009

# libjxl's XYB: opsin absorbance of linear sRGB at its default intensity target (255 nits,
# so the matrix applies as it is), plus a bias whose cube root is subtracted afterwards.
OPSIN_MATRIX = np.array(
    [
        [0.30, 1.0 - 0.078 - 0.30, 0.078],
        [0.23, 1.0 - 0.078 - 0.23, 0.078],
        [0.24342268924547819, 0.20476744424496821, 1.0 - 0.24342268924547819 - 0.20476744424496821],
    ],
    dtype=np.float32,
)
OPSIN_BIAS = np.float32(0.0037930732552754493)

# Weights of the 108 norms, in the order channel (X, Y, B) → scale → norm (1, 4) →
# map (SSIM error, artifact, detail lost); libjxl's values, tuned on CID22, TID2013,
# KADID-10k and KonFiG-IQA.
WEIGHTS = np.array(
    [
        0.0,
        0.0007376606707406586,
        0.0,
        0.0,
        0.0007793481682867309,
        0.0,
        0.0,
        0.0004371155730107379,
        0.0,
        1.1041726426657346,
        0.00066284834129271,
        0.00015231632783718752,
        0.0,
        0.0016406437456599754,
        0.0,
        1.8422455520539298,
        11.441172603757666,
        0.0,
        0.0007989109436015163,
        0.000176816438078653,
        0.0,
        1.8787594979546387,
        10.94906990605142,
        0.0,
        0.0007289346991508072,
        0.9677937080626833,
        0.0,
        0.00014003424285435884,
        0.9981766977854967,
        0.00031949755934435053,
        0.0004550992113792063,
        0.0,
        0.0,
        0.0013648766163243398,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        7.466890328078848,
        0.0,
        17.445833984131262,
        0.0006235601634041466,
        0.0,
        0.0,
        6.683678146179332,
        0.00037724407979611296,
        1.027889937768264,
        225.20515300849274,
        0.0,
        0.0,
        19.213238186143016,
        0.0011401524586618361,
        0.001237755635509985,
        176.39317598450694,
        0.0,
        0.0,
        24.43300999870476,
        0.28520802612117757,
        0.0004485436923833408,
        0.0,
        0.0,
        0.0,
        34.77906344483772,
        44.835625328877896,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0008680556573291698,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0005313191874358747,
        0.0,
        0.00016533814161379112,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0004179171803251336,
        0.0017290828234722833,
        0.0,
        0.0020827005846636437,
        0.0,
        0.0,
        8.826982764996862,
        23.19243343998926,
        0.0,
        95.1080498811086,
        0.9863978034400682,
        0.9834382792465353,
        0.0012286405048278493,
        171.2667255897307,
        0.9807858872435379,
        0.0,
        0.0,
        0.0,
        0.0005130064588990679,
        0.0,
        0.00010854057858411537,
    ]
)


def ssimulacra2(reference: np.ndarray, distorted: np.ndarray) -> float:
    """SSIMULACRA2 score of `distorted` against `reference`, two (H, W, 3) uint8 sRGB images.

    100 for identical images; NaN (with a warning) for images under 8 px on a side.
    """
    if reference.shape != distorted.shape:
        raise LatentCodecError(
            f"SSIMULACRA2: images differ in shape: {reference.shape} vs {distorted.shape}"
        )
    if reference.ndim != 3 or reference.shape[2] != 3:
        raise LatentCodecError(f"SSIMULACRA2: expected (H, W, 3) RGB images, got {reference.shape}")
    if reference.dtype != np.uint8 or distorted.dtype != np.uint8:
        raise LatentCodecError(
            f"SSIMULACRA2: expected uint8 images, got {reference.dtype} and {distorted.dtype}"
        )
    if too_small("SSIMULACRA2", reference.shape, MIN_SIDE):
        return math.nan
    linear1, linear2 = _linear_rgb(reference), _linear_rgb(distorted)
    norms = []
    for scale in range(NUM_SCALES):
        if scale:
            if min(linear1.shape[1:]) < MIN_SIDE:
                break
            linear1, linear2 = _downsample(linear1), _downsample(linear2)
        norms.append(_scale_norms(_positive_xyb(linear1), _positive_xyb(linear2)))
    return _score(np.stack(norms, axis=1))


def _linear_rgb(image: np.ndarray) -> np.ndarray:
    """(3, H, W) float32 linear RGB of an 8-bit sRGB image (the sRGB transfer curve)."""
    return _SRGB_TO_LINEAR[np.moveaxis(image, -1, 0)]


def _srgb_to_linear_table() -> np.ndarray:
    encoded = np.arange(256, dtype=np.float64) / 255.0
    linear = np.where(encoded <= 0.04045, encoded / 12.92, ((encoded + 0.055) / 1.055) ** 2.4)
    return linear.astype(np.float32)


_SRGB_TO_LINEAR = _srgb_to_linear_table()


def _downsample(planes: np.ndarray) -> np.ndarray:
    """Halve each side by 2×2 box averages, repeating the last row/column of an odd size."""
    _, height, width = planes.shape
    padded = np.pad(planes, ((0, 0), (0, height % 2), (0, width % 2)), mode="edge")
    return 0.25 * (
        padded[:, 0::2, 0::2]
        + padded[:, 0::2, 1::2]
        + padded[:, 1::2, 0::2]
        + padded[:, 1::2, 1::2]
    )


def _positive_xyb(linear: np.ndarray) -> np.ndarray:
    """libjxl's XYB of (3, H, W) linear RGB, shifted to lie roughly within 0…1."""
    mixed = np.tensordot(OPSIN_MATRIX, linear, axes=1) + OPSIN_BIAS
    np.maximum(mixed, 0.0, out=mixed)
    mixed = np.cbrt(mixed) - np.cbrt(OPSIN_BIAS)
    x = 0.5 * (mixed[0] - mixed[1])
    y = 0.5 * (mixed[0] + mixed[1])
    b = mixed[2]
    return np.stack([x * 14.0 + 0.42, y + 0.01, (b - y) + 0.55])


@functools.cache
def _blur_kernel(sigma: float = BLUR_SIGMA) -> np.ndarray:
    """Taps of libjxl's recursive Gaussian, found by running its recursion on an impulse.

    The recursion (three second-order sections, one per truncated cosine) is exactly a
    finite filter of 2·radius − 1 taps; its coefficients follow Charalampidis (2016),
    equations (33)–(57), as libjxl's `CreateRecursiveGaussian` computes them.
    """
    radius = round(3.2795 * sigma + 0.2546)
    omega = np.pi / (2.0 * radius) * np.array([1.0, 3.0, 5.0])
    p = np.array([1.0, -1.0, 1.0]) / np.tan(0.5 * omega)
    r = np.array([1.0, -1.0, 1.0]) * p * p / np.sin(omega)
    rho = np.exp(-0.5 * sigma * sigma * omega * omega) / radius
    d13 = p[0] * r[1] - r[0] * p[1]
    zeta15 = (p[1] * r[2] - r[1] * p[2]) / d13
    zeta35 = (p[2] * r[0] - r[2] * p[0]) / d13
    system = np.array([p, r, [zeta15, zeta35, 1.0]])
    gamma = np.array(
        [1.0, radius * radius - sigma * sigma, zeta15 * rho[0] + zeta35 * rho[1] + rho[2]]
    )
    beta = np.linalg.solve(system, gamma)
    n2 = -beta * np.cos(omega * (radius + 1.0))
    d1 = -2.0 * np.cos(omega)
    # y[n] = n2·(x[n − radius − 1] + x[n + radius − 1]) − d1·y[n − 1] − y[n − 2] for each
    # section, summed over the three; zero outside the signal, outputs from n = 0.
    length = 4 * radius + 1
    centre = 2 * radius
    signal = np.zeros(length)
    signal[centre] = 1.0
    response = np.zeros(length)
    previous, before = np.zeros(3), np.zeros(3)
    for n in range(1 - radius, length):
        left, right = n - radius - 1, n + radius - 1
        inputs = (signal[left] if left >= 0 else 0.0) + (signal[right] if right < length else 0.0)
        current = n2 * inputs - d1 * previous - before
        before, previous = previous, current
        if n >= 0:
            response[n] = current.sum()
    # The truncated cosines vanish at ±radius: 2·radius − 1 taps remain.
    kernel = response[centre - radius + 1 : centre + radius]
    outside = np.abs(response).sum() - np.abs(kernel).sum()
    if outside > 1e-9 or abs(kernel.sum() - 1.0) > 1e-9:
        raise LatentCodecError(f"SSIMULACRA2 blur: the recursion for σ={sigma} is not finite")
    return kernel.astype(np.float32)


def _blur(planes: np.ndarray) -> np.ndarray:
    """Separable blur along rows then columns, zero outside the image (libjxl's border)."""
    kernel = _blur_kernel()
    rows = correlate1d(planes, kernel, axis=-1, mode="constant", cval=0.0)
    return correlate1d(rows, kernel, axis=-2, mode="constant", cval=0.0)


def _scale_norms(img1: np.ndarray, img2: np.ndarray) -> np.ndarray:
    """(3 components, 2 norms, 3 maps) float64: 1- and 4-norms of SSIM error, artifact and
    detail-lost maps at one scale."""
    mu1, mu2 = _blur(img1), _blur(img2)
    sigma11 = _blur(img1 * img1) - mu1 * mu1
    sigma22 = _blur(img2 * img2) - mu2 * mu2
    sigma12 = _blur(img1 * img2) - mu1 * mu2
    # SSIM without the luminance denominator (mu1² + mu2²): the planes are already
    # perceptually uniform, so errors in the darks should not weigh more.
    luminance = 1.0 - (mu1 - mu2) ** 2
    structure = (2.0 * sigma12 + SSIM_C2) / (sigma11 + sigma22 + SSIM_C2)
    ssim_error = np.maximum(1.0 - luminance * structure, 0.0)
    edge_ratio = (1.0 + np.abs(img2 - mu2)) / (1.0 + np.abs(img1 - mu1)) - 1.0
    artifact = np.maximum(edge_ratio, 0.0)
    detail_lost = np.maximum(-edge_ratio, 0.0)
    maps = np.stack([ssim_error, artifact, detail_lost], axis=1)  # (3 components, 3 maps, H, W)
    maps = maps.reshape(3, 3, -1)
    squares = maps * maps
    mean = maps.mean(axis=-1, dtype=np.float64)
    fourth = np.sqrt(np.sqrt(np.mean(squares * squares, axis=-1, dtype=np.float64)))
    return np.stack([mean, fourth], axis=1)  # (component, norm, map)


def _score(norms: np.ndarray) -> float:
    """libjxl's weighted sum and mapping of the norms (component, scale, norm, map).

    The weights are taken in order over the scales computed, as libjxl does, so an image
    with fewer than six scales shifts them (a quirk of the reference, kept for agreement).
    """
    flat = np.abs(norms).reshape(-1)
    total = float(WEIGHTS[: flat.size] @ flat) * 0.9562382616834844
    total = (
        2.326765642916932 * total
        - 0.020884521182843837 * total**2
        + 6.248496625763138e-05 * total**3
    )
    if total <= 0.0:
        return 100.0
    return float(100.0 - 10.0 * total**0.6276336467831387)

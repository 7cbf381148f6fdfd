"""Helpers shared by several test files: synthetic results tables, latents and images."""

import math

import numpy as np
import pandas as pd
from PIL import Image

IMAGES = [f"kodim{index:02d}" for index in range(1, 25)]
PIXEL = [("q1", 0.5, 30.0), ("q2", 1.0, 33.0), ("q3", 2.0, 36.0), ("q4", 4.0, 39.0)]


def curve(model, codec, points, *, noise=0.0, seed=1, bits=8, packing="interleaved"):
    """Results-table rows of one curve on every image: points = [(label, bpp, psnr)];
    each image's PSNR is the point's plus independent Gaussian noise of sd `noise`, centred
    so that the mean over the images is the point's PSNR."""
    rng = np.random.default_rng(seed)
    rows = []
    for label, bpp, psnr in points:
        shifts = rng.normal(0, noise, len(IMAGES))
        for image, shift in zip(IMAGES, shifts - shifts.mean(), strict=True):
            score = psnr + shift
            rows.append(
                {
                    "image": image, "model": model, "bitdepth": bits, "packing": packing,
                    "encoder": "none" if model == "none" else "direct",
                    "codec": codec, "quality": label, "quality_value": None, "effort": "",
                    "bytes": round(bpp * 768 * 512 / 8), "side_bytes": 0, "bpp": bpp,
                    "psnr": score, "ssim": 0.9, "msssim": 1 - 10 ** (-score / 20),
                    "ssimulacra2": 2 * score - 10, "butteraugli": 1.0, "butteraugli_3norm": 0.5,
                    "latent_mse": 0.0, "latent_psnr": 40.0,
                    "exact": codec == "none", "width": 768, "height": 512, "channels": 3,
                    "source": "s.png", "compressed": "c", "recon": "r.png", "quantizer": "minmax",
                    "clipped": 0.0,
                }
            )  # fmt: skip
    return rows


def ceiling(model="taesdxl", psnr=38.0, noise=0.0):
    return curve(model, "none", [("float32", 16.0, psnr)], noise=noise, bits=32, packing="none")


def twice_the_pixel_rate(noise=1.0):
    """A latent curve with the pixel curve's scores image by image, at twice its bytes."""
    pixel = pd.DataFrame(curve("none", "avif444", PIXEL, noise=noise))
    latent = pixel.assign(model="taesdxl", codec="avif", packing="interleaved", bpp=pixel.bpp * 2)
    return pd.concat([pixel, latent, pd.DataFrame(ceiling(noise=noise))], ignore_index=True)


def random_curves(rng, replicates, points):
    rates = np.exp(np.cumsum(rng.uniform(0.1, 1.0, (replicates, points)), axis=1))
    qualities = 25 + np.cumsum(rng.normal(1.5, 1.5, (replicates, points)), axis=1)
    return rng.permuted(rates, axis=1) if points > 2 else rates, qualities


def results(noise=1.0):
    """TAESDXL at twice pixel AVIF's rate image by image, PNG lossless, and its ceiling;
    TAEF2 at four times the rate."""
    pixel = pd.DataFrame(curve("none", "avif444", PIXEL, noise=noise))
    avif = pixel.assign(model="taesdxl", codec="avif", bpp=pixel.bpp * 2)
    avif["quality"] = avif["quality"].map({"q1": "low", "q2": "medium", "q3": "high", "q4": "q85"})
    png = pd.DataFrame(curve("taesdxl", "png", [("lossless", 6.0, 38.0)], bits=8))
    png["exact"] = True
    taef2 = pixel.assign(model="taef2", codec="avif", bpp=pixel.bpp * 4)
    ceilings = [pd.DataFrame(ceiling(model)) for model in ("taesdxl", "taef2")]
    return pd.concat([pixel, avif, png, taef2, *ceilings], ignore_index=True)


def pairs():
    """Four taesdxl pairs against JPEG (one unmatched), latent better in one of the three; the
    equal-size table's other columns filled in."""
    return pd.DataFrame(
        {
            "image": ["kodim01", "kodim02", "kodim03", "kodim04"], "model": "taesdxl",
            "encoder": "direct",
            "codec": "avif", "bitdepth": 8, "packing": "interleaved",
            "quality": ["q1", "q2", "q3", "q4"], "quality_value": [10, 20, 30, 40],
            "effort": "speed=6", "latent_bytes": [9830, 19661, 29491, 39322],
            "bpp": [0.2, 0.4, 0.6, 0.8], "psnr": [25.0, 27.0, 29.0, 40.0], "ssim": 0.9,
            "ssimulacra2": [40.0, 50.0, 60.0, 90.0], "source": "s.png", "recon": "r.png",
            "baseline": "jpeg", "pixel_codec": "jpeg", "pixel_effort": "",
            "pixel_quality": [5, 10, 15, 20], "pixel_bytes": [9928, 19268, 29491, 86508],
            "pixel_bpp": [0.2, 0.39, 0.6, 1.76], "pixel_psnr": [26.0, 28.0, 30.0, 20.0],
            "pixel_ssim": 0.9, "pixel_ssimulacra2": [30.0, 55.0, 65.0, 10.0],
            "pixel_file": "p.jpeg", "size_ratio": [1.01, 0.98, 1.0, 2.2],
            "size_mismatch": [False, False, False, True], "out_of_range": "",
        }
    )  # fmt: skip


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
                "encoder": "none" if model == "none" else "direct",
                "codec": codec, "quality": label, "quality_value": None, "effort": "",
                "bytes": round(bpp * 768 * 512 / 8), "side_bytes": 0, "bpp": bpp,
                "psnr": psnr, "ssim": 0.9, "msssim": msssim, "ssimulacra2": math.nan,
                "butteraugli": math.nan, "butteraugli_3norm": math.nan, "latent_mse": 0.0,
                "latent_psnr": 40.0, "exact": exact, "width": 768, "height": 512,
                "channels": 3, "source": "s.png", "compressed": "c", "recon": "r.png",
                "quantizer": "minmax", "clipped": 0.0,
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


def smooth_latent(bits, shape, seed=0):
    """Correlated across channels and space, like a real latent, so prediction matters."""
    rng = np.random.default_rng(seed)
    base = np.cumsum(rng.normal(size=shape[1:]), axis=1)
    channels = base[None] + 0.3 * rng.normal(size=shape)
    scaled = (channels - channels.min()) / (np.ptp(channels) + 1e-9) * (2**bits - 1)
    return np.rint(scaled).astype(np.uint8 if bits <= 8 else np.uint16)


def save(tmp_path, name, image: Image.Image, **options):
    path = tmp_path / name
    image.save(path, **options)
    return path


PERCEPTUAL_COLUMNS = ["ssimulacra2", "butteraugli", "butteraugli_3norm"]


def image_pair(sigma: float, shape=(48, 64, 3), seed=0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]]
    base = np.stack([x * 3, y * 4, (x + y) * 2], axis=-1) % 256
    noisy = base + rng.normal(0, sigma, shape)
    return base.astype(np.uint8), np.clip(np.rint(noisy), 0, 255).astype(np.uint8)

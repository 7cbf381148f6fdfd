"""The pixel-domain baselines through Pillow, with its defaults: what readers compare with.

Pillow serves the JPEG and WebP baselines because that is what readers know; WebP's `method`
is the exception, since it must equal the latent WebP's (equal encoder effort, see
`latentcodec.codecs.base`).
"""

from __future__ import annotations

import io
from typing import ClassVar

import numpy as np
import PIL
import PIL.Image

from latentcodec.codecs.base import ImageCodec, integer_option


class PillowCodec(ImageCodec):
    """Pixel-domain baselines through Pillow, with its defaults (what a reader compares with)."""

    format: ClassVar[str]
    bit_depths = frozenset({8})
    planes = frozenset({3})
    interleaved_planes = 3

    @staticmethod
    def library() -> str:
        return f"Pillow {PIL.__version__}"

    def _save_options(self) -> dict:
        """Pillow save options besides the quality."""
        return {}

    def _encode(self, image, bits, quality_value):
        buffer = io.BytesIO()
        PIL.Image.fromarray(image, mode="RGB").save(
            buffer, format=self.format, quality=quality_value, **self._save_options()
        )
        return buffer.getvalue()

    def _decode(self, data):
        with PIL.Image.open(io.BytesIO(data)) as decoded:
            return np.asarray(decoded.convert("RGB"))


class Jpeg(PillowCodec):
    """JPEG (libjpeg via Pillow): its defaults, 4:2:0 chroma subsampling, no optimisation."""

    name = "jpeg"
    format = "JPEG"
    quality_range = (1, 100)
    encoder = "libjpeg"


class Webp(PillowCodec):
    """Lossy WebP (libwebp via Pillow), its defaults but for `method` (0 fast … 6 slowest,
    smallest; Pillow's default is 4): it defaults to 6, the latent WebP lossless default, so
    that a config naming both without options keeps equal encoder effort."""

    name = "webp"
    format = "WEBP"
    quality_range = (0, 100)
    encoder = "libwebp"
    effort_option = "method"

    def __init__(self, method: int = 6):
        self.method = integer_option("webp", "method", method, 0, 6)

    def _save_options(self) -> dict:
        return {"method": self.method}

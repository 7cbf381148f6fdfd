"""The pixel-domain baselines through Pillow (latentcodec.codecs.pixel): lossy RGB with
Pillow's defaults, but WebP's `method`, which follows the latent WebP's effort."""

import io

import numpy as np
import pytest
from PIL import Image, JpegImagePlugin

from latentcodec.codecs.pixel import Jpeg, Webp


@pytest.mark.parametrize("codec_class", [Jpeg, Webp])
def test_pixel_codecs_store_rgb_lossy_with_pillow_defaults(codec_class, kodim01):
    codec = codec_class()
    small = codec.encode(kodim01, 8, 10)
    large = codec.encode(kodim01, 8, 90)
    assert len(small) < len(large)
    decoded = codec.decode(large)
    assert decoded.shape == kodim01.shape and decoded.dtype == np.uint8


def test_jpeg_uses_pillows_default_420_subsampling(kodim01):
    with Image.open(io.BytesIO(Jpeg().encode(kodim01, 8, 75))) as decoded:
        assert JpegImagePlugin.get_sampling(decoded) == 2  # 4:2:0


def test_webp_method_changes_the_bytes(kodim01):
    crop = np.ascontiguousarray(kodim01[:128, :128])
    fast, slow = (len(Webp(method=m).encode(crop, 8, 75)) for m in (0, 6))
    assert fast != slow

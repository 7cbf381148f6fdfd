"""The workflow's file of one integer latent (latentcodec.codecs.quantized_file)."""

import numpy as np

from latentcodec.codecs.quantized_file import load_quantized, save_quantized
from latentcodec.quantize import clipped_share, quantize


def test_the_workflow_file_keeps_the_range_and_the_clipped_share(tmp_path):
    latent = np.linspace(-6, 6, 4 * 8 * 8, dtype=np.float32).reshape(4, 8, 8)
    quantized = quantize(latent, 10, 4.0)
    path = tmp_path / "q.npz"
    share = clipped_share(latent, quantized)
    save_quantized(path, quantized, clipped=share, model="taesdxl", height=64, width=64)
    read, stored = load_quantized(path)
    assert read.clip == 4.0 and read.bits == 10 and float(stored["clipped"]) == share > 0
    np.testing.assert_array_equal(read.values, quantized.values)
    assert load_quantized(path)[0].side_bytes == 4

"""The decoding jobs (latentcodec.workflow.decode): lossless files verified against the one
shared decode, and a tiny image through TAEF2."""

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from latentcodec.errors import LatentCodecError
from latentcodec.io import load_arrays
from latentcodec.tables import read_table, write_table
from latentcodec.workflow.decode import reconstruct, verify_lossless
from latentcodec.workflow.encode import encode_images
from latentcodec.workflow.store import compress_latents, quantize_latents
from tests.helpers import save
from tests.workflow.conftest import latent_setting


def decoded_table(tmp_path, quantized):
    path = tmp_path / "decoded.csv"
    base = {
        "model": "taef2", "encoder": "direct", "bitdepth": 8, "packing": "none", "codec": "none",
        "quality": "quantized", "quality_value": None, "effort": "", "bytes": 768,
        "side_bytes": 256, "bpp": 1.0, "psnr": 30.0, "ssim": 0.9, "msssim": 0.95,
        "ssimulacra2": 70.0, "butteraugli": 2.0, "butteraugli_3norm": 1.0,
        "latent_mse": 0.01, "latent_psnr": 40.0, "exact": True, "width": 48, "height": 32,
        "channels": 32, "compressed": "q.npz", "recon": "shared.png",
        "quantizer": "minmax", "clipped": 0.0,
    }  # fmt: skip
    rows = [{**base, "image": path_.stem, "source": f"{path_.stem}.png"} for path_ in quantized]
    write_table(rows, path)
    return path


@pytest.mark.parametrize(
    ("codec", "packing", "options", "effort"),
    [("png", "planar", {}, "compression=9"), ("webpll", "interleaved", {"method": 4}, "method=4")],
)
def test_lossless_files_are_verified_and_take_the_shared_decode(
    tmp_path, quantized_files, codec, packing, options, effort
):
    compressed = [tmp_path / codec / f"{path.stem}.{codec}" for path in quantized_files]
    setting = latent_setting(codec, packing, effort=effort)
    compress_latents(quantized_files, compressed, setting=setting, options=options)
    table = tmp_path / "lossless.csv"
    verify_lossless(
        quantized=quantized_files,
        compressed=compressed,
        decoded_table=decoded_table(tmp_path, quantized_files),
        table=table,
        setting=setting,
        options=options,
    )
    rows = read_table(table)
    assert rows["recon"].tolist() == ["shared.png", "shared.png"]
    assert rows["effort"].tolist() == [effort, effort]
    assert rows["bytes"].tolist() == [path.stat().st_size for path in compressed]
    assert rows["bpp"].tolist() == [8 * path.stat().st_size / (48 * 32) for path in compressed]
    assert (rows["packing"] == packing).all() and rows["exact"].all()
    assert (rows["quality"] == "lossless").all() and rows["compressed"].tolist() == [
        str(path) for path in compressed
    ]


def test_a_lossless_codec_that_does_not_round_trip_stops_the_job(tmp_path, quantized_files):
    compressed = [tmp_path / "png" / f"{path.stem}.png" for path in quantized_files]
    compress_latents(quantized_files, compressed, setting=latent_setting("png"))
    # Replace the first file by the second image's: a valid PNG with the wrong integers.
    compressed[0].write_bytes(compressed[1].read_bytes())
    with pytest.raises(LatentCodecError, match="declared lossless, but the file does not give"):
        verify_lossless(
            quantized=quantized_files,
            compressed=compressed,
            decoded_table=decoded_table(tmp_path, quantized_files),
            table=tmp_path / "lossless.csv",
            setting=latent_setting("png"),
        )
    assert not (tmp_path / "lossless.csv").exists()


@pytest.mark.parametrize("size", [(1, 1), (5, 7)])  # (height, width)
def test_tiny_images_go_through_the_whole_pipeline(tmp_path, mirror, kodim01, caplog, size):
    height, width = size
    source = save(tmp_path, "tiny.png", Image.fromarray(kodim01[100 : 100 + height, :width]))
    latent, quantized = tmp_path / "latent.npz", tmp_path / "q.npz"
    encode_images("taef2", [source], [latent], device="cpu", mirror=str(mirror))
    assert load_arrays(latent, "latent")["latent"].shape == (32, 1, 1)
    quantize_latents([latent], [quantized], bits=8)
    stored = tmp_path / "tiny.avif"
    setting = latent_setting("avif", quality="medium", quality_value=50, effort="speed=6")
    compress_latents([quantized], [stored], setting=setting)
    table = tmp_path / "metrics.csv"
    reconstruct(
        setting, sources=[source], latents=[latent], quantized=[quantized], compressed=[stored],
        recons=[tmp_path / "recon.png"], table=table, device="cpu", mirror=str(mirror),
    )  # fmt: skip
    row = pd.read_csv(table).iloc[0]
    assert np.isfinite(row["psnr"]) and np.isnan(row["ssim"]) and np.isnan(row["msssim"])
    assert "SSIM needs both sides" in caplog.text
    assert Image.open(tmp_path / "recon.png").size == (width, height)

"""The per-job steps on small synthetic latents: no model, no workflow."""

import numpy as np
import pytest

from latentcodec.errors import LatentCodecError
from latentcodec.io import load_arrays, save_arrays
from latentcodec.pipeline import compress_latents, quantize_latents, verify_lossless
from latentcodec.tables import read_table, write_table


@pytest.fixture
def quantized_files(tmp_path):
    """Two quantised TAEF2-shaped latents (32 channels) at 8 bits."""
    rng = np.random.default_rng(0)
    latents, quantized = [], []
    for image in ("kodim01", "kodim02"):
        path = tmp_path / "latents" / f"{image}.npz"
        save_arrays(
            path,
            latent=rng.normal(size=(32, 4, 6)).astype(np.float32),
            model=np.array("taef2"),
            height=np.array(32),
            width=np.array(48),
        )
        latents.append(path)
        quantized.append(tmp_path / "b8" / f"{image}.npz")
    quantize_latents(latents, quantized, bits=8)
    return quantized


def decoded_table(tmp_path, quantized):
    path = tmp_path / "decoded.csv"
    base = {
        "model": "taef2", "bitdepth": 8, "packing": "none", "codec": "none",
        "quality": "quantized", "quality_value": None, "effort": "", "bytes": 768,
        "side_bytes": 256, "bpp": 1.0, "psnr": 30.0, "ssim": 0.9, "msssim": 0.95,
        "ssimulacra2": 70.0, "butteraugli": 2.0, "butteraugli_3norm": 1.0,
        "latent_mse": 0.01, "latent_psnr": 40.0, "exact": True, "width": 48, "height": 32,
        "channels": 32, "source": "s.png", "compressed": "q.npz", "recon": "shared.png",
    }  # fmt: skip
    write_table([{**base, "image": path_.stem} for path_ in quantized], path)
    return path


@pytest.mark.parametrize(
    ("codec", "packing", "options", "effort"),
    [("png", "planar", {}, "compression=9"), ("webpll", "interleaved", {"method": 4}, "method=4")],
)
def test_lossless_files_are_verified_and_take_the_shared_decode(
    tmp_path, quantized_files, codec, packing, options, effort
):
    compressed = [tmp_path / codec / f"{path.stem}.{codec}" for path in quantized_files]
    compress_latents(
        quantized_files, compressed, codec=codec, bits=8, packing=packing, quality_value=None
    )
    table = tmp_path / "lossless.csv"
    verify_lossless(
        quantized=quantized_files,
        compressed=compressed,
        decoded_table=decoded_table(tmp_path, quantized_files),
        table=table,
        model="taef2",
        codec=codec,
        bits=8,
        packing=packing,
        quality="lossless",
        quality_value=None,
        options=options,
    )
    rows = read_table(table)
    assert rows["recon"].tolist() == ["shared.png", "shared.png"]
    assert rows["effort"].tolist() == [effort, effort]
    assert rows["bytes"].tolist() == [path.stat().st_size for path in compressed]
    assert (rows["packing"] == packing).all() and rows["exact"].all()


def test_a_lossless_codec_that_does_not_round_trip_stops_the_job(tmp_path, quantized_files):
    compressed = [tmp_path / "png" / f"{path.stem}.png" for path in quantized_files]
    compress_latents(
        quantized_files, compressed, codec="png", bits=8, packing="interleaved", quality_value=None
    )
    # Replace the first file by the second image's: a valid PNG with the wrong integers.
    compressed[0].write_bytes(compressed[1].read_bytes())
    with pytest.raises(LatentCodecError, match="declared lossless, but the file does not give"):
        verify_lossless(
            quantized=quantized_files,
            compressed=compressed,
            decoded_table=decoded_table(tmp_path, quantized_files),
            table=tmp_path / "lossless.csv",
            model="taef2",
            codec="png",
            bits=8,
            packing="interleaved",
            quality="lossless",
            quality_value=None,
        )
    assert not (tmp_path / "lossless.csv").exists()


def test_quantised_files_keep_the_side_information(quantized_files):
    stored = load_arrays(quantized_files[0], "values", "lo", "hi", "bits")
    assert stored["values"].dtype == np.uint8 and stored["values"].shape == (32, 4, 6)
    assert stored["lo"].dtype == np.float32 and stored["lo"].shape == (32,)
    assert int(stored["bits"]) == 8


def test_compress_refuses_integers_of_another_bit_depth(tmp_path, quantized_files):
    with pytest.raises(LatentCodecError, match="holds 8-bit values, expected 12"):
        compress_latents(
            quantized_files[:1], [tmp_path / "x.png"], codec="png", bits=12,
            packing="interleaved", quality_value=None,
        )  # fmt: skip


@pytest.mark.slow
def test_one_encode_job_per_model_writes_the_bytes_of_per_image_jobs(tmp_path, mirror):
    """The per-model job, batching both (equal-size) images, against one fresh model load
    per image as the former per-image jobs did: the same latent files, byte for byte."""
    from latentcodec.pipeline import _cached_model, encode_images

    images = [mirror / "datasets" / "kodak" / f"{name}.png" for name in ("kodim01", "kodim02")]
    options = {"mirror": str(mirror), "threads": 1, "device": "cpu"}
    per_model = [tmp_path / "model" / f"{path.stem}.npz" for path in images]
    encode_images("taef2", images, per_model, batch_size=2, **options)
    for image in images:
        _cached_model.cache_clear()
        encode_images("taef2", [image], [tmp_path / "image" / f"{image.stem}.npz"], **options)
    for path in per_model:
        assert path.read_bytes() == (tmp_path / "image" / path.name).read_bytes(), path.name

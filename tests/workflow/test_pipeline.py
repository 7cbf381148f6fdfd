"""The per-job steps (latentcodec.workflow.pipeline), without the workflow: on small synthetic
latents,
and a tiny image through TAEF2."""

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from latentcodec.codecs import lac
from latentcodec.codecs.container import read_container, write_container
from latentcodec.codecs.image import Lac
from latentcodec.codecs.packing import NO_PACKING
from latentcodec.errors import LatentCodecError
from latentcodec.io import load_arrays, save_arrays
from latentcodec.tables import read_table, write_table
from latentcodec.workflow.pipeline import (
    _read_back,
    compress_latents,
    encode_images,
    pixel_baseline,
    quantize_latents,
    reconstruct,
    verify_lossless,
)
from tests.helpers import PERCEPTUAL_COLUMNS, image_pair, save, smooth_latent


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
        "quantizer": "minmax", "clipped": 0.0,
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
    from latentcodec.workflow.pipeline import _cached_model, encode_images

    images = [mirror / "datasets" / "kodak" / f"{name}.png" for name in ("kodim01", "kodim02")]
    options = {"mirror": str(mirror), "threads": 1, "device": "cpu"}
    per_model = [tmp_path / "model" / f"{path.stem}.npz" for path in images]
    encode_images("taef2", images, per_model, batch_size=2, **options)
    for image in images:
        _cached_model.cache_clear()
        encode_images("taef2", [image], [tmp_path / "image" / f"{image.stem}.npz"], **options)
    for path in per_model:
        assert path.read_bytes() == (tmp_path / "image" / path.name).read_bytes(), path.name


@pytest.mark.parametrize("size", [(1, 1), (5, 7)])  # (height, width)
def test_tiny_images_go_through_the_whole_pipeline(tmp_path, mirror, kodim01, caplog, size):
    height, width = size
    source = save(tmp_path, "tiny.png", Image.fromarray(kodim01[100 : 100 + height, :width]))
    latent, quantized = tmp_path / "latent.npz", tmp_path / "q.npz"
    encode_images("taef2", [source], [latent], device="cpu", mirror=str(mirror))
    assert load_arrays(latent, "latent")["latent"].shape == (32, 1, 1)
    quantize_latents([latent], [quantized], bits=8)
    stored = tmp_path / "tiny.avif"
    compress_latents(
        [quantized], [stored], codec="avif", bits=8, packing="interleaved", quality_value=50
    )
    table = tmp_path / "metrics.csv"
    reconstruct(
        "taef2", sources=[source], latents=[latent], quantized=[quantized], compressed=[stored],
        recons=[tmp_path / "recon.png"], table=table, codec="avif", bits=8,
        packing="interleaved", quality="medium", quality_value=50, device="cpu",
        mirror=str(mirror),
    )  # fmt: skip
    row = pd.read_csv(table).iloc[0]
    assert np.isfinite(row["psnr"]) and np.isnan(row["ssim"]) and np.isnan(row["msssim"])
    assert "SSIM needs both sides" in caplog.text
    assert Image.open(tmp_path / "recon.png").size == (width, height)


# Storing lac files: the .lcf and its bytes, sensitivities, damaged payloads.


def save_quantized(path, latent, hi):
    from latentcodec.codecs import quantize

    quantized = quantize.Quantized(latent, np.zeros(len(hi), np.float32), np.float32(hi), 8)
    quantize.save_quantized(path, quantized, clipped=0.0, model="taesdxl", height=64, width=80)


def test_the_stored_file_is_an_lcf_whose_every_byte_counts(tmp_path):
    """The pipeline stores the `.lcf` holding exactly lac's bytes, and reading back counts all
    of the file: the lac payload plus the container's header, ranges and CRC (side bytes)."""
    latent = smooth_latent(8, (4, 8, 10))
    quantized, stored = tmp_path / "q.npz", tmp_path / "x.lcf"
    save_quantized(quantized, latent, hi=np.ones(4))
    compress_latents(
        [quantized], [stored], codec="lac", bits=8, packing=NO_PACKING, quality_value=100
    )
    data = stored.read_bytes()
    payload = read_container(stored).payload
    assert payload == Lac().encode(latent, 8, 100)
    setting = dict(model="taesdxl", height=64, width=80, bits=8, packing=NO_PACKING)
    setting.update(quality_value=100, clip=None)
    received, size, side_bytes = _read_back(stored, Lac(), **setting)
    assert size == len(data) == stored.stat().st_size
    assert side_bytes == len(data) - len(payload) == 29 + len("taesdxl") + len("lac") + 8 * 4 + 4
    np.testing.assert_array_equal(received.values, latent)
    header = 18 + 2 * 4 + 4 * (2 + 2 * len(lac._taps(3)))  # header, centres, channel models
    assert len(payload) > header + 4
    with pytest.raises(LatentCodecError, match=r"x\.lcf: holds .* expected"):
        _read_back(stored, Lac(), **(setting | {"quality_value": 90}))
    with pytest.raises(LatentCodecError, match=r"x\.lcf: holds .* expected \('taesdxl', 64, 96"):
        _read_back(stored, Lac(), **(setting | {"width": 96}))  # another image's size


def test_lossy_lac_in_the_workflow_takes_sensitivity_per_integer_unit(tmp_path):
    """compress_latents hands lac s_c · step_c² (step_c = (hi − lo) / (2^b − 1)): a channel
    with twice the range of another and a quarter of its float sensitivity costs the same per
    integer unit, so both get the same lac step."""
    latent = smooth_latent(8, (3, 8, 10))
    quantized, sensitivity = tmp_path / "q.npz", tmp_path / "s.npy"
    save_quantized(quantized, latent, hi=[1, 2, 1])
    np.save(sensitivity, np.array([1.0, 0.25, 16.0]))
    stored = tmp_path / "x.lcf"
    compress_latents(
        [quantized], [stored], codec="lac", bits=8, packing=NO_PACKING, quality_value=40,
        sensitivities=[sensitivity],
    )  # fmt: skip
    payload = read_container(stored).payload
    step_codes = np.frombuffer(payload, np.uint8, 3 * 4, offset=18)[::4]
    assert step_codes[0] == step_codes[1] == step_codes[2] + 32  # 4 × the step: two octaves
    assert payload == Lac().encode(latent, 8, 40, np.array([1.0, 1.0, 16.0]))
    with pytest.raises(LatentCodecError, match=r"s\.npy: expected 3 finite non-negative"):
        np.save(sensitivity, np.array([1.0, np.nan, 1.0]))
        compress_latents(
            [quantized], [stored], codec="lac", bits=8, packing=NO_PACKING, quality_value=40,
            sensitivities=[sensitivity],
        )  # fmt: skip


def test_a_damaged_payload_read_back_names_the_file(tmp_path):
    """A container whose CRC holds but whose lac payload is cut short (written so)."""
    latent = smooth_latent(8, (4, 8, 10))
    quantized, path = tmp_path / "q.npz", tmp_path / "broken.lcf"
    save_quantized(quantized, latent, hi=np.ones(4))
    setting = dict(bits=8, packing=NO_PACKING, quality_value=100)
    compress_latents([quantized], [path], codec="lac", **setting)
    container = read_container(path)
    write_container(path, dataclasses.replace(container, payload=container.payload[:-3]))
    with pytest.raises(LatentCodecError, match=r"broken\.lcf: lac: cannot decode"):
        _read_back(path, Lac(), model="taesdxl", height=64, width=80, clip=None, **setting)


# Pixel baselines carry the perceptual columns.


@pytest.mark.parametrize("metrics", [[], ["ssimulacra2", "butteraugli"]])
def test_pixel_baseline_rows_carry_the_perceptual_columns(tool, tmp_path, metrics):
    sources = []
    for seed in (0, 1):
        original, _ = image_pair(0, shape=(40, 56, 3), seed=seed)
        sources.append(tmp_path / f"img{seed}.png")
        Image.fromarray(original).save(sources[-1])
    table = tmp_path / "metrics.csv"
    pixel_baseline(
        sources=sources,
        compressed=tmp_path / "compressed",
        recons=tmp_path / "recon",
        table=table,
        name="jpeg",
        codec="jpeg",
        quality_values=[20, 90],
        perceptual_metrics=metrics,
    )
    rows = read_table(table)
    assert len(rows) == 4
    if not metrics:
        assert rows[PERCEPTUAL_COLUMNS].isna().all().all()
        return
    assert rows[PERCEPTUAL_COLUMNS].notna().all().all()
    by_quality = rows.groupby("quality_value")[PERCEPTUAL_COLUMNS].mean()
    assert by_quality.loc[90, "ssimulacra2"] > by_quality.loc[20, "ssimulacra2"]
    assert by_quality.loc[90, "butteraugli"] < by_quality.loc[20, "butteraugli"]
    recon = Path(rows["recon"].iloc[0])
    assert recon.is_file()

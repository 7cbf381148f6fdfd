"""Every bad input in docs/reliability.md's table ends in a clear error or a logged conversion.

Cases covered elsewhere: wrong dataset checksum (test_datasets), wrong model checksum and a
state dict that does not match (test_autoencoders), config errors (test_config), NaN/Inf
latents (test_quantize, test_autoencoders), a lossless file that does not round-trip
(test_pipeline).
"""

import imagecodecs
import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from latentcodec.autoencoders import load_model
from latentcodec.codecs import CODECS, get_codec
from latentcodec.errors import LatentCodecError
from latentcodec.io import load_arrays, load_image, save_arrays
from latentcodec.pipeline import compress_latents, encode_images, quantize_latents, reconstruct


def save(tmp_path, name, image: Image.Image, **options):
    path = tmp_path / name
    image.save(path, **options)
    return path


def test_a_truncated_png_names_the_file(tmp_path, kodim01):
    path = save(tmp_path, "cut.png", Image.fromarray(kodim01))
    path.write_bytes(path.read_bytes()[:3000])
    with pytest.raises(LatentCodecError, match=r"cut\.png: cannot read as an image"):
        load_image(path)


def test_a_file_that_is_not_an_image_names_the_file(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("hello")
    with pytest.raises(LatentCodecError, match=r"notes\.png: cannot read as an image"):
        load_image(path)


@pytest.mark.parametrize(
    ("mode", "name", "options"),
    [
        ("L", "grey.png", {}),
        ("RGBA", "alpha.png", {}),
        ("P", "palette.png", {}),
        ("P", "palette-transparent.png", {"transparency": 0}),
        ("CMYK", "cmyk.jpg", {"quality": 95}),
    ],
)
def test_other_modes_become_8_bit_rgb_with_a_logged_note(
    tmp_path, kodim01, caplog, mode, name, options
):
    crop = Image.fromarray(kodim01[:40, :56])
    path = save(tmp_path, name, crop.convert(mode), **options)
    image = load_image(path)
    assert image.shape == (40, 56, 3) and image.dtype == np.uint8
    assert f"converted mode {mode} to 8-bit RGB" in caplog.text
    if mode == "RGBA":
        np.testing.assert_array_equal(image, kodim01[:40, :56])  # alpha dropped, colour kept


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_16_bit_pngs_are_rounded_to_8_bits_not_truncated(tmp_path, caplog, channels):
    rng = np.random.default_rng(0)
    shape = (9, 11) if channels == 1 else (9, 11, channels)
    values = rng.integers(0, 65536, shape, dtype=np.uint16)
    path = tmp_path / "deep.png"
    path.write_bytes(imagecodecs.png_encode(values))
    image = load_image(path)
    expected = np.rint(values / 257).astype(np.uint8)
    expected = np.dstack([expected] * 3) if channels == 1 else expected[:, :, :3]
    np.testing.assert_array_equal(image, expected)
    assert "16-bit samples to 8-bit RGB" in caplog.text


def test_an_image_over_the_pixel_limit_is_refused_before_decoding(tmp_path, kodim01):
    path = save(tmp_path, "big.png", Image.fromarray(kodim01))
    with pytest.raises(LatentCodecError, match=r"big\.png: 768×512 = 393216 pixels is over"):
        load_image(path, max_pixels=100_000)


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


class Payload:
    """Not a tensor: torch.load(weights_only=True) must refuse to unpickle it."""

    def __reduce__(self):
        return (print, ("this code would run on load",))


def test_a_pickled_model_file_is_refused_by_weights_only(tmp_path):
    path = tmp_path / "taef2_encoder.pth"
    with open(path, "wb") as stream:
        torch.save({"0.weight": Payload()}, stream)
    from latentcodec import autoencoders
    from latentcodec.taesd import build_encoder

    with pytest.raises(LatentCodecError, match=r"taef2_encoder\.pth: not a matching weights file"):
        autoencoders._load_state_dict_strict(build_encoder(32, True), path)


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(CODECS)), data=st.binary(max_size=300))
def test_random_bytes_never_decode_to_anything_but_a_clean_error(name, data):
    with pytest.raises(LatentCodecError):
        get_codec(name).decode(data)


@pytest.mark.parametrize("name", sorted(CODECS))
def test_a_truncated_stored_file_gives_a_clean_error(name, tmp_path):
    codec = get_codec(name)
    planes = codec.interleaved_planes if codec.packs else 1  # lac: a (32, 48, 1) latent
    image = (np.arange(32 * 48 * planes) % 200).astype(np.uint8).reshape(32, 48, planes)
    quality = None if codec.quality_range is None else codec.quality_range[1]
    data = codec.encode(image, 8, quality)
    with pytest.raises(LatentCodecError, match=f"{name}: cannot decode"):
        codec.decode(data[: len(data) // 3])


def test_a_corrupt_latent_file_names_the_file(tmp_path):
    path = tmp_path / "latent.npz"
    save_arrays(path, latent=np.zeros((4, 2, 2), np.float32))
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(LatentCodecError, match=r"latent\.npz: cannot read"):
        load_arrays(path, "latent")


def test_a_model_given_an_image_of_the_wrong_kind_says_so(mirror):
    model = load_model("taef2", device="cpu", mirror=mirror)
    with pytest.raises(LatentCodecError, match=r"expected an \(H, W, 3\) uint8 image"):
        model.encode(np.zeros((8, 8, 4), np.uint8))

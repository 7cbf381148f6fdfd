import os

import imagecodecs
import numpy as np
import pytest
from PIL import Image

from latentcodec.errors import LatentCodecError
from latentcodec.io import (
    atomic_path,
    load_arrays,
    load_image,
    read_rgb,
    save_arrays,
    write_text_atomic,
)
from tests.helpers import save


def test_a_failed_write_leaves_neither_the_target_nor_a_temporary_file(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_atomic_writes_leave_ordinary_permissions(tmp_path):
    write_text_atomic(tmp_path / "x.txt", "x")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "x.txt").stat().st_mode & 0o777 == 0o666 & ~umask


def test_read_rgb_names_a_file_that_is_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not an image")
    with pytest.raises(LatentCodecError, match="notes.png: cannot read as an image"):
        read_rgb(path)


def test_read_rgb_names_a_truncated_png(tmp_path, kodim01):
    path = tmp_path / "cut.png"
    Image.fromarray(kodim01).save(path)
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(LatentCodecError, match="cut.png: cannot read"):
        read_rgb(path)


def test_read_rgb_refuses_other_modes_instead_of_converting_silently(tmp_path):
    path = tmp_path / "grey.png"
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(path)
    with pytest.raises(LatentCodecError, match="grey.png: expected an 8-bit RGB .* mode 'L'"):
        read_rgb(path)


def test_arrays_round_trip_and_missing_ones_are_named(tmp_path):
    path = tmp_path / "a.npz"
    save_arrays(path, latent=np.arange(3.0), model=np.array("taef2"))
    loaded = load_arrays(path, "latent", "model")
    assert loaded["model"] == "taef2" and loaded["latent"].tolist() == [0, 1, 2]
    with pytest.raises(LatentCodecError, match=r"a.npz: missing arrays \['bits'\]"):
        load_arrays(path, "bits")


def test_a_temporary_file_left_by_a_killed_job_is_cleared_by_the_next_write(tmp_path):
    (tmp_path / ".out.csv.abc123.tmp").write_text("half")
    write_text_atomic(tmp_path / "out.csv", "whole")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.csv"]


# Bad inputs (docs/reliability.md): images and latent files.


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


def test_a_corrupt_latent_file_names_the_file(tmp_path):
    path = tmp_path / "latent.npz"
    save_arrays(path, latent=np.zeros((4, 2, 2), np.float32))
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(LatentCodecError, match=r"latent\.npz: cannot read"):
        load_arrays(path, "latent")

import os

import numpy as np
import pytest
from PIL import Image

from latentcodec.errors import LatentCodecError
from latentcodec.io import atomic_path, load_arrays, read_rgb, save_arrays, write_text_atomic


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

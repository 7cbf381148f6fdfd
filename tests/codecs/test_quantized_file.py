"""The workflow's file of one integer latent (latentcodec.codecs.quantized_file)."""

import functools
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from latentcodec.codecs.quantized_file import load_quantized, save_quantized
from latentcodec.errors import LatentCodecError
from latentcodec.io import save_arrays
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


@settings(max_examples=60, deadline=None)
@given(
    bits=st.integers(1, 16),
    shape=st.tuples(st.integers(1, 40), st.integers(1, 6), st.integers(1, 6)),
    clip=st.none() | st.floats(0.5, 8.0, width=32),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_integer_latent_round_trips_through_the_workflow_file(bits, shape, clip, seed):
    latent = np.random.default_rng(seed).normal(0, 2, shape).astype(np.float32)
    quantized = quantize(latent, bits, clip)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "q.npz"
        save_quantized(path, quantized, clipped=0.0, model="taef2", height=8, width=8)
        read, _ = load_quantized(path)
    assert read.bits == bits and read.clip == quantized.clip
    assert read.values.dtype == quantized.values.dtype
    np.testing.assert_array_equal(read.values, quantized.values)
    np.testing.assert_array_equal(read.lo, quantized.lo)
    np.testing.assert_array_equal(read.hi, quantized.hi)


@functools.cache
def _valid_file() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "q.npz"
        quantized = quantize(np.linspace(-3, 3, 60, dtype=np.float32).reshape(3, 4, 5), 8)
        save_quantized(path, quantized, clipped=0.0, model="taesd", height=32, width=40)
        return path.read_bytes()


@settings(max_examples=300, deadline=None)
@given(
    edits=st.lists(st.tuples(st.integers(0, 4096), st.integers(0, 255)), max_size=3),
    keep=st.integers(0, 4096),
)
def test_a_damaged_workflow_file_is_refused_naming_it(edits, keep):
    """Overwritten bytes (zip headers, array headers, data) and truncation: a LatentCodecError
    that names the file, or a latent that is still consistent; never another exception."""
    data = bytearray(_valid_file())
    for position, value in edits:
        data[position % len(data)] = value
    data = data[: max(keep, len(data) // 2)] if keep < len(data) else data
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "damaged.npz"
        path.write_bytes(bytes(data))
        try:
            read, _ = load_quantized(path)
        except LatentCodecError as error:
            assert "damaged.npz" in str(error)
            return
    assert read.values.ndim == 3 and read.lo.shape == (read.values.shape[0],)


def test_arrays_that_do_not_fit_together_are_refused(tmp_path):
    quantized = quantize(np.zeros((3, 4, 5), np.float32), 8)
    path = tmp_path / "q.npz"
    fields = dict(quantized.__dict__)
    for name, value, message in [
        ("bits", np.array([8, 9]), "must each be one number"),
        ("values", quantized.values[0], "not a \\(C, h, w\\) latent of 8-bit"),
        ("values", quantized.values.astype(np.uint16), "not a \\(C, h, w\\) latent"),
        ("lo", quantized.lo[:2], "do not fit 3 channels"),
        ("bits", np.array(17), "not a \\(C, h, w\\) latent of 17-bit"),
    ]:
        arrays = {**fields, name: value}
        save_arrays(
            path, values=arrays["values"], lo=arrays["lo"], hi=arrays["hi"],
            bits=np.asarray(arrays["bits"]), clip=np.array(np.nan), clipped=np.array(0.0),
            model=np.asarray("taesd"), height=np.asarray(8), width=np.asarray(8),
        )  # fmt: skip
        with pytest.raises(LatentCodecError, match=message):
            load_quantized(path)


@pytest.mark.parametrize(
    ("offset", "value"),
    [(6, 0xFF), (10, 99), (8, 0x01)],  # version needed, compression method, "encrypted" flag
    ids=["version", "method", "encrypted"],
)
def test_an_archive_entry_zipfile_cannot_read_is_refused(tmp_path, offset, value):
    """zipfile raises NotImplementedError or RuntimeError for these, not BadZipFile."""
    data = bytearray(_valid_file())
    entry = data.index(b"PK\x01\x02")  # the first central-directory entry
    data[entry + offset] = value
    path = tmp_path / "q.npz"
    path.write_bytes(bytes(data))
    with pytest.raises(LatentCodecError, match="q.npz: cannot read"):
        load_quantized(path)

"""The torch-free jobs (latentcodec.workflow.store): integers, `.lcf` files and reading them
back, on small synthetic latents."""

import dataclasses

import numpy as np
import pytest

from latentcodec.codecs import lac_format
from latentcodec.codecs import quantized_file as files
from latentcodec.codecs.container import read_container, write_container
from latentcodec.codecs.lac import Lac
from latentcodec.codecs.packing import NO_PACKING
from latentcodec.errors import LatentCodecError
from latentcodec.io import load_arrays
from latentcodec.quantize import Quantized
from latentcodec.workflow.store import compress_latents, read_back
from tests.helpers import smooth_latent
from tests.workflow.conftest import latent_setting


def test_quantised_files_keep_the_side_information(quantized_files):
    stored = load_arrays(quantized_files[0], "values", "lo", "hi", "bits")
    assert stored["values"].dtype == np.uint8 and stored["values"].shape == (32, 4, 6)
    assert stored["lo"].dtype == np.float32 and stored["lo"].shape == (32,)
    assert int(stored["bits"]) == 8


def test_compress_refuses_integers_of_another_bit_depth(tmp_path, quantized_files):
    with pytest.raises(LatentCodecError, match="holds 8-bit values, expected 12"):
        compress_latents(
            quantized_files[:1], [tmp_path / "x.png"], setting=latent_setting("png", bits=12)
        )


# Storing lac files: the .lcf and its bytes, sensitivities, damaged payloads.


def save_quantized(path, latent, hi, width=80):
    quantized = Quantized(latent, np.zeros(len(hi), np.float32), np.float32(hi), 8)
    files.save_quantized(path, quantized, clipped=0.0, model="taesdxl", height=64, width=width)


def lac(quality_value, **more):
    return latent_setting("lac", NO_PACKING, "q", quality_value, model="taesdxl", **more)


def test_the_stored_file_is_an_lcf_whose_every_byte_counts(tmp_path):
    """The job stores the `.lcf` holding exactly lac's bytes, and reading back counts all
    of the file: the lac payload plus the container's header, ranges and CRC (side bytes)."""
    latent = smooth_latent(8, (4, 8, 10))
    quantized, stored = tmp_path / "q.npz", tmp_path / "x.lcf"
    save_quantized(quantized, latent, hi=np.ones(4))
    compress_latents([quantized], [stored], setting=lac(100))
    data = stored.read_bytes()
    payload = read_container(stored).payload
    assert payload == Lac().encode(latent, 8, 100)
    read = read_back(stored, Lac(), lac(100), quantized)
    assert read.file.bytes == len(data) == stored.stat().st_size
    side_bytes = 29 + len("taesdxl") + len("lac") + 8 * 4 + 4
    assert read.file.side_bytes == len(data) - len(payload) == side_bytes
    assert read.file.exact and (read.height, read.width) == (64, 80)
    np.testing.assert_array_equal(read.received.values, latent)
    taps = len(lac_format.predictor_taps(3))
    header = 18 + 2 * 4 + 4 * (2 + 2 * taps)  # header, centres, channel models
    assert len(payload) > header + 4
    with pytest.raises(LatentCodecError, match=r"x\.lcf: holds .* expected"):
        read_back(stored, Lac(), lac(90), quantized)
    other = tmp_path / "other.npz"  # another image's integers, 96 pixels wide
    save_quantized(other, latent, hi=np.ones(4), width=96)
    with pytest.raises(LatentCodecError, match=r"x\.lcf: holds .* expected \('taesdxl', 64, 96"):
        read_back(stored, Lac(), lac(100), other)


def test_lossy_lac_in_the_workflow_takes_sensitivity_per_integer_unit(tmp_path):
    """compress_latents hands lac s_c · step_c² (step_c = (hi − lo) / (2^b − 1)): a channel
    with twice the range of another and a quarter of its float sensitivity costs the same per
    integer unit, so both get the same lac step."""
    latent = smooth_latent(8, (3, 8, 10))
    quantized, sensitivity = tmp_path / "q.npz", tmp_path / "s.npy"
    save_quantized(quantized, latent, hi=[1, 2, 1])
    np.save(sensitivity, np.array([1.0, 0.25, 16.0]))
    stored = tmp_path / "x.lcf"
    compress_latents([quantized], [stored], setting=lac(40), sensitivities=[sensitivity])
    payload = read_container(stored).payload
    step_codes = np.frombuffer(payload, np.uint8, 3 * 4, offset=18)[::4]
    assert step_codes[0] == step_codes[1] == step_codes[2] + 32  # 4 × the step: two octaves
    assert payload == Lac().encode(latent, 8, 40, np.array([1.0, 1.0, 16.0]))
    with pytest.raises(LatentCodecError, match=r"s\.npy: expected 3 finite non-negative"):
        np.save(sensitivity, np.array([1.0, np.nan, 1.0]))
        compress_latents([quantized], [stored], setting=lac(40), sensitivities=[sensitivity])


def test_a_damaged_payload_read_back_names_the_file(tmp_path):
    """A container whose CRC holds but whose lac payload is cut short (written so)."""
    latent = smooth_latent(8, (4, 8, 10))
    quantized, path = tmp_path / "q.npz", tmp_path / "broken.lcf"
    save_quantized(quantized, latent, hi=np.ones(4))
    compress_latents([quantized], [path], setting=lac(100))
    container = read_container(path)
    write_container(path, dataclasses.replace(container, payload=container.payload[:-3]))
    with pytest.raises(LatentCodecError, match=r"broken\.lcf: lac: checksum mismatch"):
        read_back(path, Lac(), lac(100), quantized)

"""The .lcf format: every field survives write → read, and no damaged file gets past the
reader as anything but a LatentCodecError naming the file."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from latentcodec.codecs.container import (
    FORMAT_VERSION,
    MAGIC,
    LatentContainer,
    container_from_bytes,
    container_to_bytes,
    read_container,
    write_container,
)
from latentcodec.errors import LatentCodecError
from latentcodec.quantize import fixed_range

SOURCE = "some/file.lcf"
names = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=255)
floats = st.floats(-(2.0**100), 2.0**100, width=32)


@st.composite
def containers(draw) -> LatentContainer:
    channels = draw(st.integers(1, 40))
    lo = np.array(draw(st.lists(floats, min_size=channels, max_size=channels)), np.float32)
    widths = np.array(draw(st.lists(floats, min_size=channels, max_size=channels)), np.float32)
    hi = np.maximum(lo, lo + np.abs(widths))  # hi ≥ lo, also where the sum rounds
    clip = draw(st.none() | st.floats(2.0**-20, 2.0**100, width=32))
    if clip is not None:
        lo, hi = fixed_range(clip, channels)
    return LatentContainer(
        model=draw(names),
        height=draw(st.integers(1, 2**32 - 1)),
        width=draw(st.integers(1, 2**32 - 1)),
        padding=(draw(st.integers(0, 2**16 - 1)), draw(st.integers(0, 2**16 - 1))),
        bits=draw(st.integers(1, 16)),
        packing=draw(st.sampled_from(["interleaved", "planar", "none"])),
        lo=lo,
        hi=hi,
        codec=draw(names),
        quality=draw(st.none() | st.integers(0, 2**15 - 1)),
        payload=draw(st.binary(max_size=300)),
        clip=clip,
        encoder=draw(st.just("direct") | names),
    )


def assert_same(read: LatentContainer, written: LatentContainer) -> None:
    fields = ("model", "height", "width", "padding", "bits", "packing", "codec", "quality")
    fields += ("clip", "encoder")
    for field in fields:
        assert getattr(read, field) == getattr(written, field), field
    assert read.payload == written.payload
    for field in ("lo", "hi"):
        assert getattr(read, field).dtype == np.float32
        np.testing.assert_array_equal(getattr(read, field), getattr(written, field))


def example(**changes) -> LatentContainer:
    fields = dict(
        model="taef2",
        height=512,
        width=768,
        padding=(0, 0),
        bits=8,
        packing="interleaved",
        lo=np.linspace(-3, 0, 32, dtype=np.float32),
        hi=np.linspace(0.5, 4, 32, dtype=np.float32),
        codec="avif",
        quality=50,
        payload=b"\x00\x00\x00\x1cftypavif" + bytes(range(200)),
    )
    return LatentContainer(**{**fields, **changes})


@settings(max_examples=300, deadline=None)
@given(containers())
def test_every_field_round_trips(container):
    assert_same(container_from_bytes(container_to_bytes(container)), container)


def test_file_round_trip_and_size(tmp_path):
    path = tmp_path / "deep" / "a.lcf"
    size = write_container(path, example())
    assert size == path.stat().st_size == 29 + 5 + 4 + 8 * 32 + 212 + 4
    assert_same(read_container(path), example())


def test_layout_matches_the_documented_table():
    data = container_to_bytes(example(quality=None, padding=(3, 5)))
    assert data[:4] == MAGIC == b"\x89LCF"
    version, model_len, codec_len, bits, packing, channels = struct.unpack_from(">BBBBBH", data, 4)
    assert (version, model_len, codec_len, bits, packing, channels) == (1, 5, 4, 8, 0, 32)
    assert struct.unpack_from(">IIHHhI", data, 11) == (512, 768, 3, 5, -1, 212)
    assert data[29:38] == b"taef2avif"
    lo = np.frombuffer(data, "<f4", 32, 38)
    hi = np.frombuffer(data, "<f4", 32, 38 + 128)
    np.testing.assert_array_equal(lo, example().lo)
    np.testing.assert_array_equal(hi, example().hi)
    assert data[294:-4] == example().payload
    assert struct.unpack(">I", data[-4:])[0] == zlib.crc32(data[:-4])


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda data: b"\x89PNG" + data[4:], "not a latentcodec file"),
        (lambda data: data[:4] + bytes([FORMAT_VERSION + 1]) + data[5:], "newer than"),
        (lambda data: data[:4] + b"\x00" + data[5:], "invalid format version"),
        (lambda data: data[:20], "shorter than the 29-byte header"),
        (lambda data: data[:-1], "truncated"),
        (lambda data: data + b"\x00", "1 unexpected bytes"),
        (lambda data: data[:100] + bytes([data[100] ^ 1]) + data[101:], "CRC-32"),
        (lambda data: b"", "not a latentcodec file"),
    ],
)
def test_damaged_files_are_refused_naming_the_file(mangle, message):
    with pytest.raises(LatentCodecError, match=message) as error:
        container_from_bytes(mangle(container_to_bytes(example())), SOURCE)
    assert str(error.value).startswith(SOURCE)


def test_every_truncation_is_refused():
    data = container_to_bytes(example())
    for length in range(len(data)):
        with pytest.raises(LatentCodecError, match=SOURCE):
            container_from_bytes(data[:length], SOURCE)


def with_crc(body: bytes) -> bytes:
    return body + struct.pack(">I", zlib.crc32(body))


@pytest.mark.parametrize(
    ("offset", "value", "message"),
    [
        (7, 0, "bit depth 0"),
        (7, 17, "bit depth 17"),
        (8, 3, "unknown packing"),
        (11, 0, "image size 0×768"),
        (23, 0xFF, "quality -"),
        (29, 0xE9, "not ASCII"),
        (29, 0x0A, "printable"),
    ],
)
def test_inconsistent_fields_with_a_valid_crc_are_refused(offset, value, message):
    body = bytearray(container_to_bytes(example())[:-4])
    body[offset] = value
    if offset == 11:
        body[11:15] = bytes(4)
    with pytest.raises(LatentCodecError, match=message):
        container_from_bytes(with_crc(bytes(body)), SOURCE)


def test_a_range_with_max_below_min_is_refused():
    body = bytearray(container_to_bytes(example())[:-4])
    body[38 + 128 : 38 + 132] = np.array([-10], "<f4").tobytes()  # hi[0] < lo[0] = -3
    with pytest.raises(LatentCodecError, match="maximum below its minimum"):
        container_from_bytes(with_crc(bytes(body)), SOURCE)


@pytest.mark.parametrize(
    "changes",
    [
        dict(model=""),
        dict(model="é"),
        dict(codec="x" * 256),
        dict(bits=0),
        dict(packing="diagonal"),
        dict(height=0),
        dict(padding=(2**16, 0)),
        dict(quality=2**15),
        dict(lo=np.array([1.0], np.float32), hi=np.array([0.0], np.float32)),
        dict(lo=np.array([np.nan], np.float32), hi=np.array([0.0], np.float32)),
        dict(lo=np.zeros(2, np.float32), hi=np.zeros(3, np.float32)),
    ],
)
def test_the_writer_refuses_what_the_reader_would(changes):
    with pytest.raises(LatentCodecError, match="invalid latentcodec file"):
        container_to_bytes(example(**changes))


@settings(max_examples=500, deadline=None)
@given(
    version=st.integers(1, FORMAT_VERSION) | st.integers(0, 255),
    rest=st.binary(min_size=29 - 5, max_size=400),  # shorter: test_every_truncation_is_refused
)
def test_random_bytes_after_the_magic_raise_only_latentcodec_error(version, rest):
    """The magic and a version byte (a readable one half the time), then random bytes that
    fill the 29-byte header at least, so the checks after the magic see them."""
    with pytest.raises(LatentCodecError, match=SOURCE):
        container_from_bytes(MAGIC + bytes([version]) + rest, SOURCE)


@settings(max_examples=500, deadline=None)
@given(st.data())
def test_mutated_headers_with_a_valid_crc_raise_only_latentcodec_error(data):
    """Past the magic and the CRC: random header bytes reach every check of the parser."""
    body = bytearray(container_to_bytes(example(lo=np.zeros(2, np.float32), hi=np.ones(2, "f4"))))
    body = body[:-4]
    for _ in range(data.draw(st.integers(1, 6))):
        body[data.draw(st.integers(5, 28 + 9))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(body) - 3, len(body)))
    try:
        parsed = container_from_bytes(with_crc(bytes(body[:cut])), SOURCE)
    except LatentCodecError as error:
        assert str(error).startswith(SOURCE)
    else:  # what parses must be a container the writer accepts
        assert container_from_bytes(container_to_bytes(parsed)).payload == parsed.payload


def test_a_missing_file_is_a_latentcodec_error(tmp_path):
    with pytest.raises(LatentCodecError, match="missing.lcf: cannot read"):
        read_container(tmp_path / "missing.lcf")


def fixed_example(clip=4.0, **changes) -> LatentContainer:
    lo, hi = fixed_range(clip, 4)
    return example(lo=lo, hi=hi, clip=clip, **changes)


def test_a_fixed_range_is_one_float_in_format_version_2():
    data = container_to_bytes(fixed_example(2.5))
    assert data[4] == 2
    assert len(data) == 29 + 5 + 4 + 1 + 4 + 212 + 4  # kind byte and clip instead of 8·C
    read = container_from_bytes(data)
    assert read.clip == 2.5 and read.channels == 4
    np.testing.assert_array_equal(read.lo, np.full(4, -2.5, np.float32))
    np.testing.assert_array_equal(read.hi, np.full(4, 2.5, np.float32))


REFINED = "refined mse 20 steps lr 0.02 constant, 8-bit minmax grid"


@pytest.mark.parametrize("fixed", [False, True])
def test_a_refined_latent_is_recorded_in_format_version_3(fixed):
    container = fixed_example(2.5, encoder=REFINED) if fixed else example(encoder=REFINED)
    data = container_to_bytes(container)
    assert data[4] == FORMAT_VERSION == 3
    direct = container_to_bytes(fixed_example(2.5) if fixed else example())
    assert len(data) == len(direct) + 1 + len(REFINED) + (0 if fixed else 1)  # + kind byte
    read = container_from_bytes(data)
    assert read.encoder == REFINED and read.clip == container.clip
    np.testing.assert_array_equal(read.lo, container.lo)
    assert read.payload == container.payload


def test_a_direct_latent_records_no_encoder():
    assert container_from_bytes(container_to_bytes(example())).encoder == "direct"


@pytest.mark.parametrize("encoder", ["", "é", "tab\there", "x" * 256])
def test_an_encoder_the_format_cannot_hold_is_refused(encoder):
    with pytest.raises(LatentCodecError, match="encoder"):
        container_to_bytes(example(encoder=encoder))


def test_a_damaged_encoder_field_is_refused():
    data = bytearray(container_to_bytes(example(encoder=REFINED)))
    start = 29 + 5 + 4 + 1  # header, model id, codec name, the field's length byte
    data[start] = 0x07  # a control character: CRC fixed up, so only the field check sees it
    with pytest.raises(LatentCodecError, match="encoder field is not printable"):
        container_from_bytes(with_crc(bytes(data[:-4])))


# Pinned (today's bytes of example()): recomputing them with this writer could never fail.
VERSION_1_EXAMPLE_LENGTH, VERSION_1_EXAMPLE_CRC32 = 510, 0x796FEC4C


def test_per_channel_ranges_keep_format_version_1_byte_for_byte():
    """Files of earlier releases are what the writer still writes for per-channel ranges."""
    data = container_to_bytes(example())
    assert data[4] == 1 and container_from_bytes(data).clip is None
    assert len(data) == VERSION_1_EXAMPLE_LENGTH == 29 + 5 + 4 + 8 * 32 + 212 + 4
    assert zlib.crc32(data) == VERSION_1_EXAMPLE_CRC32


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda body: body[:38] + b"\x07" + body[39:], "unknown quantisation range kind 7"),
        (
            lambda body: body[:39] + np.array([-1], "<f4").tobytes() + body[43:],
            "invalid fixed range clip",
        ),
        (
            lambda body: body[:39] + np.array([np.inf], "<f4").tobytes() + body[43:],
            "invalid fixed range clip",
        ),
    ],
)
def test_a_bad_fixed_range_is_refused(mangle, message):
    body = container_to_bytes(fixed_example())[:-4]
    with pytest.raises(LatentCodecError, match=message):
        container_from_bytes(with_crc(mangle(body)), SOURCE)


def test_the_writer_refuses_a_clip_its_ranges_do_not_spell_out():
    with pytest.raises(LatentCodecError, match="fixed range clip"):
        container_to_bytes(example(clip=4.0))  # per-channel lo/hi with a clip


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutated_version_2_files_with_a_valid_crc_raise_only_latentcodec_error(data):
    body = bytearray(container_to_bytes(fixed_example())[:-4])
    for _ in range(data.draw(st.integers(1, 6))):
        body[data.draw(st.integers(4, 38 + 4))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(body) - 3, len(body)))
    try:
        parsed = container_from_bytes(with_crc(bytes(body[:cut])), SOURCE)
    except LatentCodecError as error:
        assert str(error).startswith(SOURCE)
    else:
        assert container_from_bytes(container_to_bytes(parsed)).payload == parsed.payload

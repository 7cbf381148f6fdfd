from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from latentcodec.analysis.equal_size import (
    SIZE_TOLERANCE,
    QualitySearch,
    concatenate_pairs,
    equal_size_panels,
    match_sizes,
    pair_columns,
    read_pairs,
)
from latentcodec.codecs.registry import get_codec
from latentcodec.errors import LatentCodecError
from latentcodec.io import write_png
from latentcodec.tables import write_table


class FakeCodec:
    """`encode(quality)` giving `sizes[quality - low]` bytes, counting calls per quality."""

    def __init__(self, sizes, low=0):
        self.sizes, self.low = list(sizes), low
        self.calls: dict[int, int] = {}

    def __call__(self, quality):
        self.calls[quality] = self.calls.get(quality, 0) + 1
        return b"x" * self.sizes[quality - self.low]

    def search(self):
        return QualitySearch(self, self.low, self.low + len(self.sizes) - 1)


def test_bisection_finds_the_quality_closest_in_bytes():
    codec = FakeCodec([100 * (quality + 1) for quality in range(101)])  # 100 … 10100 bytes
    match = codec.search().closest(5_030)
    assert (match.quality_value, match.size, match.out_of_range) == (49, 5_000, "")
    assert match.ratio == pytest.approx(5_000 / 5_030) and not match.mismatch
    assert codec.search().closest(5_070).quality_value == 50  # the upper neighbour is closer


def test_each_quality_is_encoded_at_most_once_across_targets():
    codec = FakeCodec([100 * (quality + 1) for quality in range(101)])
    search = codec.search()
    for target in (5_030, 5_070, 5_030, 2_000, 9_999, 150):
        search.closest(target)
    assert max(codec.calls.values()) == 1
    assert search.encodings == len(codec.calls) < 101  # bisection, not a scan


def test_a_tie_goes_to_the_larger_file():
    match = FakeCodec([1_000, 2_000, 3_000]).search().closest(1_500)
    assert (match.quality_value, match.size) == (1, 2_000)


def test_targets_outside_the_codecs_sizes_are_flagged():
    search = FakeCodec([1_000, 2_000, 3_000], low=1).search()
    below, above = search.closest(500), search.closest(9_000)
    assert (below.quality_value, below.out_of_range, below.mismatch) == (1, "below", True)
    assert (above.quality_value, above.out_of_range, above.mismatch) == (3, "above", True)
    exact = search.closest(1_000)
    assert (exact.quality_value, exact.out_of_range, exact.mismatch) == (1, "", False)


def test_a_size_ratio_beyond_five_percent_is_a_mismatch():
    search = FakeCodec([1_000, 2_000]).search()
    assert search.closest(1_050).mismatch is False  # 1000 / 1050: 4.8 % apart
    assert search.closest(1_060).mismatch is True  # 5.7 % apart
    with pytest.raises(LatentCodecError, match="positive"):
        search.closest(0)


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(st.integers(0, 500), min_size=1, max_size=101),
    start=st.integers(1, 1_000),
    target=st.integers(1, 60_000),
)
def test_the_chosen_quality_is_the_argmin_of_the_size_error_on_any_monotone_curve(
    steps, start, target
):
    sizes = np.cumsum([start, *steps[1:]]).tolist()
    match = FakeCodec(sizes, low=1).search().closest(target)
    assert abs(match.size - target) == min(abs(size - target) for size in sizes)
    assert match.size == sizes[match.quality_value - 1]


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("jpeg", {}),
        ("webp", {"method": 6}),
        ("avif", {"speed": 6, "chroma": "444", "matrix": "bt601"}),
    ],
)
def test_real_codecs_pair_within_five_percent_wherever_adjacent_qualities_allow(
    kodim01, name, options
):
    crop = np.ascontiguousarray(kodim01[128:320, 256:448])  # 192 × 192
    codec = get_codec(name, **options)
    search = QualitySearch(lambda quality: codec.encode(crop, 8, quality), *codec.quality_range)
    low, high = codec.quality_range
    smallest, largest = search.size(low + 10), search.size(high - 10)
    for target in np.geomspace(smallest, largest, 7).round().astype(int):
        match = search.closest(int(target))
        assert match.out_of_range == ""
        neighbours = range(
            max(low, match.quality_value - 1), min(high, match.quality_value + 1) + 1
        )
        sizes = [search.size(quality) for quality in neighbours]
        bracketed = [(a, b) for a, b in zip(sizes, sizes[1:], strict=False) if a <= target <= b]
        allowed = any(
            abs(size - target) <= SIZE_TOLERANCE * target for pair in bracketed for size in pair
        )
        assert not (allowed and match.mismatch), (name, target, match)
        assert abs(match.size - target) == min(abs(size - target) for size in sizes)


def latent_rows(source, image, targets, *, bits=8, codec="avif", lossless=False):
    return [
        {
            "image": image, "model": "taef2", "encoder": "direct", "bitdepth": bits,
            "packing": "interleaved", "codec": codec, "quality": f"q{index}",
            "quality_value": 100 if lossless else index,
            "effort": "speed=6", "bytes": size, "side_bytes": 100,
            "bpp": size * 8 / (96 * 64), "psnr": 25.0, "ssim": 0.8, "msssim": 0.9,
            "ssimulacra2": 40.0, "butteraugli": 5.0, "butteraugli_3norm": 2.0,
            "latent_mse": 0.1, "latent_psnr": 30.0, "exact": lossless, "width": 96,
            "height": 64, "channels": 32, "source": str(source), "compressed": "c",
            "recon": "r.png", "quantizer": "minmax", "clipped": 0.0,
        }
        for index, size in enumerate(targets, start=10)
    ]  # fmt: skip


def test_match_sizes_pairs_lossy_latent_files_and_stores_each_matched_encoding(tmp_path):
    rng = np.random.default_rng(0)
    smooth = np.kron(rng.integers(0, 256, (8, 12, 3)), np.ones((8, 8, 1))).astype(np.uint8)
    source = tmp_path / "img01.png"
    write_png(source, smooth)
    table = tmp_path / "metrics.csv"
    jpeg = get_codec("jpeg")
    targets = [len(jpeg.encode(smooth, 8, 20)) + 3, len(jpeg.encode(smooth, 8, 80)) - 3]
    write_table(
        latent_rows(source, "img01", targets)
        + latent_rows(source, "img01", [9_000], lossless=True)  # lossless: not matched
        + latent_rows(source, "img01", [2_000], bits=10)  # bit depth not selected
        + latent_rows(source, "other", [2_000]),  # another image's job
        table,
    )
    output, files = tmp_path / "equal_size" / "img01.csv", tmp_path / "equal_size" / "img01"
    baselines = {"jpeg": {"codec": "jpeg", "options": {}}}
    match_sizes(
        source=source, table=table, pairs=output, files=files, baselines=baselines,
        bitdepths=[8],
    )  # fmt: skip
    pairs = read_pairs(output)
    assert list(pairs.columns) == pair_columns()
    assert pairs["quality"].tolist() == ["q10", "q11"]
    assert pairs["latent_bytes"].tolist() == targets
    assert pairs["pixel_quality"].tolist() == [20, 80]
    assert (pairs["effort"] == "speed=6").all() and (pairs["pixel_effort"] == "").all()
    for pair in pairs.itertuples():
        assert Path(pair.pixel_file).stat().st_size == pair.pixel_bytes
        assert pair.size_ratio == pytest.approx(pair.pixel_bytes / pair.latent_bytes)
        assert not pair.size_mismatch and pair.pixel_psnr > 20
    assert sorted(path.name for path in files.iterdir()) == ["jpeg-q20.jpeg", "jpeg-q80.jpeg"]
    combined = tmp_path / "equal_size.csv"
    concatenate_pairs([output, output], combined)
    assert len(read_pairs(combined)) == 4


def test_an_image_without_lossy_latent_files_gives_an_empty_table(tmp_path):
    source = tmp_path / "img01.png"
    write_png(source, np.zeros((16, 16, 3), np.uint8))
    table = tmp_path / "metrics.csv"
    write_table(latent_rows(source, "img01", [9_000], lossless=True), table)
    output = tmp_path / "img01.csv"
    match_sizes(
        source=source, table=table, pairs=output, files=tmp_path / "img01",
        baselines={"jpeg": {"codec": "jpeg"}}, bitdepths=[8],
    )  # fmt: skip
    assert read_pairs(output).empty and isinstance(read_pairs(output), pd.DataFrame)
    assert (tmp_path / "img01").is_dir()  # the declared folder exists, empty


def test_the_panels_of_the_grid_are_the_stored_files_cropped_and_measured(tmp_path):
    rng = np.random.default_rng(0)
    smooth = np.kron(rng.integers(0, 256, (8, 12, 3)), np.ones((8, 8, 1))).astype(np.uint8)
    source, recon = tmp_path / "img01.png", tmp_path / "recon.png"
    write_png(source, smooth)
    write_png(recon, smooth)  # a latent file that decodes to the original itself
    table = tmp_path / "metrics.csv"
    target = len(get_codec("jpeg").encode(smooth, 8, 50))
    rows = [row | {"recon": str(recon)} for row in latent_rows(source, "img01", [target])]
    write_table(rows, table)
    output, files = tmp_path / "img01.csv", tmp_path / "img01"
    match_sizes(
        source=source, table=table, pairs=output, files=files,
        baselines={"jpeg": {"codec": "jpeg", "options": {}}}, bitdepths=[8],
    )  # fmt: skip
    panels = equal_size_panels(read_pairs(output), ["jpeg"], ["img01"], size=32)
    assert panels["kind"].tolist() == ["original", "latent", "pixel"]
    assert all(crop.shape == (32, 32, 3) for crop in panels["crop"])
    latent, pixel = panels.iloc[1], panels.iloc[2]
    assert latent["bytes"] == target and latent["psnr"] == np.inf
    assert pixel["bytes"] == (files / "jpeg-q50.jpeg").stat().st_size and pixel["psnr"] < np.inf
    assert equal_size_panels(read_pairs(output), ["jpeg"], ["other"]).empty

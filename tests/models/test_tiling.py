"""Tiles (latentcodec.models.tiling): where they start, and running a network tile by tile."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.nn import functional

from latentcodec.errors import LatentCodecError
from latentcodec.models.tiling import run_tiled, tile_starts


@given(
    length=st.integers(1, 4000),
    tile=st.integers(2, 600),
    overlap_fraction=st.floats(0, 0.9),
)
def test_tiles_cover_the_axis_with_at_least_the_overlap_between_neighbours(
    length, tile, overlap_fraction
):
    overlap = int(tile * overlap_fraction)
    starts = tile_starts(length, tile, overlap)
    assert starts[0] == 0
    assert starts == sorted(set(starts))
    if length <= tile:
        assert starts == [0]
        return
    assert starts[-1] + tile == length
    for left, right in zip(starts, starts[1:], strict=False):
        assert right - left <= tile - overlap  # neighbours share at least `overlap`


@pytest.mark.parametrize("overlap", [-1, 8])
def test_an_overlap_outside_the_tile_is_refused(overlap):
    with pytest.raises(LatentCodecError, match="overlap"):
        tile_starts(100, 8, overlap)


def test_tiling_a_local_operation_reproduces_it_exactly():
    """Average pooling and nearest upsampling see only their own block: tiles change nothing."""
    pixels = torch.rand(2, 3, 200, 328)
    down = run_tiled(
        lambda x: functional.avg_pool2d(x, 8), pixels, tile=64, overlap=16, scale=1 / 8
    )
    torch.testing.assert_close(down, functional.avg_pool2d(pixels, 8))
    latent = torch.rand(1, 4, 25, 41)
    up = run_tiled(
        lambda x: functional.interpolate(x, scale_factor=8), latent, tile=8, overlap=2, scale=8
    )
    torch.testing.assert_close(up, functional.interpolate(latent, scale_factor=8))


def test_tiling_a_network_with_context_changes_the_result_only_near_seams():
    """A wide blur sees across tile edges: the tiled output differs, but not everywhere."""
    blur = torch.ones(1, 1, 9, 9) / 81

    def network(x):
        return functional.conv2d(x, blur, padding=4)

    image = torch.rand(1, 1, 96, 96)
    tiled = run_tiled(network, image, tile=48, overlap=16, scale=1)
    difference = (tiled - network(image)).abs()[0, 0]
    assert difference.max() > 1e-3
    assert difference[:20, :20].max() < 1e-6  # far from every seam

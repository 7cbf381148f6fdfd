import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from latentcodec.codecs.packing import grid_shape, pack, unpack
from latentcodec.errors import LatentCodecError


@given(
    data=st.data(),
    channels=st.integers(1, 40),
    planes=st.sampled_from([1, 3, 4]),
    height=st.integers(1, 5),
    width=st.integers(1, 5),
)
def test_pack_unpack_identity(data, channels, planes, height, width):
    latent = data.draw(hnp.arrays(np.uint16, (channels, height, width)))
    mosaic = pack(latent, planes)
    rows, cols = grid_shape(channels, planes)
    assert mosaic.shape == (rows * height, cols * width, planes)
    np.testing.assert_array_equal(unpack(mosaic, channels, planes), latent)


@pytest.mark.parametrize(
    ("channels", "planes", "grid"),
    [(4, 4, (1, 1)), (4, 3, (1, 2)), (32, 4, (3, 3)), (32, 3, (3, 4)), (16, 1, (4, 4))],
)
def test_grid_shapes_documented_in_the_module(channels, planes, grid):
    assert grid_shape(channels, planes) == grid


def test_four_channels_as_rgba_keep_their_order():
    latent = np.arange(4 * 2 * 3, dtype=np.uint8).reshape(4, 2, 3)
    np.testing.assert_array_equal(pack(latent, 4), latent.transpose(1, 2, 0))


def test_unused_planes_and_tiles_are_zero():
    mosaic = pack(np.full((5, 2, 2), 7, np.uint8), 4)  # 2 tiles in a 1 × 2 grid
    assert mosaic.shape == (2, 4, 4)
    assert np.all(mosaic[:, 2:, 1:] == 0) and np.all(mosaic[:, 2:, 0] == 7)


def test_a_mosaic_of_the_wrong_shape_is_refused():
    with pytest.raises(LatentCodecError, match="does not hold"):
        unpack(np.zeros((4, 3, 4), np.uint8), 32, 4)

"""Channel packing: any number of latent channels as one image a codec can store.

A codec stores images of P colour planes (1 = greyscale, 3 = RGB, 4 = RGBA). The C latent
channels are taken P at a time, in order; each group of P becomes one tile of the latent's
size (h × w × P), and the tiles are laid out row by row in a grid of
`cols = ceil(sqrt(n_tiles))` columns. The last group is filled up with zero planes, and grid
cells without a tile are zero: constant areas cost a codec almost nothing.

    C = 4,  P = 4: one RGBA tile (the SDXL VAE latent as one RGBA image)
    C = 4,  P = 3: tiles [c0 c1 c2] [c3 0 0], grid 1 × 2
    C = 32, P = 4: 8 tiles, grid 3 × 3 (one empty cell)
    C = 32, P = 3: 11 tiles, grid 3 × 4 (one empty cell, one zero plane)
"""

from __future__ import annotations

import math

import numpy as np

from latentcodec.errors import LatentCodecError

# Channels as the colour planes of a tile, or each channel a greyscale tile (1 plane). The
# order is the code a `.lcf` file stores (`latentcodec.codecs.container`).
PACKINGS = ("interleaved", "planar")
# The packing of a row or codec that packs no latent: the ceiling and quantised rows, pixel
# baselines, and a latent codec that codes the (C, h, w) latent itself (lac).
NO_PACKING = "none"


def grid_shape(channels: int, planes: int) -> tuple[int, int]:
    """(rows, cols) of the tile grid for `channels` latent channels and `planes` per tile."""
    if channels < 1 or planes < 1:
        raise LatentCodecError(f"cannot pack {channels} channels into {planes} planes")
    tiles = math.ceil(channels / planes)
    cols = math.ceil(math.sqrt(tiles))
    return math.ceil(tiles / cols), cols


def pack(latent: np.ndarray, planes: int) -> np.ndarray:
    """(C, h, w) → (rows·h, cols·w, planes) mosaic of the same dtype."""
    channels, height, width = latent.shape
    rows, cols = grid_shape(channels, planes)
    padded = np.zeros((rows * cols * planes, height, width), dtype=latent.dtype)
    padded[:channels] = latent
    tiles = padded.reshape(rows, cols, planes, height, width)
    return np.ascontiguousarray(tiles.transpose(0, 3, 1, 4, 2)).reshape(
        rows * height, cols * width, planes
    )


def unpack(mosaic: np.ndarray, channels: int, planes: int) -> np.ndarray:
    """Inverse of `pack`: (rows·h, cols·w, planes) mosaic → (C, h, w)."""
    if mosaic.ndim == 2:
        mosaic = mosaic[:, :, None]
    rows, cols = grid_shape(channels, planes)
    if mosaic.shape[2] != planes or mosaic.shape[0] % rows or mosaic.shape[1] % cols:
        raise LatentCodecError(
            f"mosaic of shape {mosaic.shape} does not hold {channels} channels as "
            f"{rows} × {cols} tiles of {planes} planes"
        )
    height, width = mosaic.shape[0] // rows, mosaic.shape[1] // cols
    tiles = mosaic.reshape(rows, height, cols, width, planes).transpose(0, 2, 4, 1, 3)
    return np.ascontiguousarray(tiles.reshape(rows * cols * planes, height, width)[:channels])

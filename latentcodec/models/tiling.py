"""Run a convolutional network over overlapping tiles and feather the results together.

A VAE's activation memory grows with the image area (the SDXL VAE decoder needs ~4.6 GiB
of RAM for one 1024×1024 image on the CPU), so large images are processed tile by tile.
Neighbouring tiles share `overlap` input pixels; each output pixel is the weighted mean of
the tiles that cover it, with weights that ramp down linearly towards a tile's edges, so a
seam is a smooth blend rather than a step. The result is not identical to the untiled
output (the network sees less context near tile edges, and TAEF2's GroupNorm branch
normalises over the whole tile): `make bench` reports the difference as a PSNR.

Only `tile_starts` is torch-free; the module imports torch because `run_tiled` needs it.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from latentcodec.errors import LatentCodecError


def tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Start offsets of tiles of size `tile` covering [0, length), neighbours sharing ≥ `overlap`.

    The last tile ends exactly at `length`; a side no longer than `tile` is one tile.
    """
    if not 0 <= overlap < tile:
        raise LatentCodecError(f"tile overlap must lie in [0, tile={tile}), got {overlap}")
    if length <= tile:
        return [0]
    stride = tile - overlap
    starts = list(range(0, length - tile, stride))
    return [*starts, length - tile]


def _ramp(size: int, fade: int, device: torch.device) -> torch.Tensor:
    """Weights 1 in the middle, falling linearly over `fade` samples at both ends, never 0."""
    position = torch.arange(size, device=device, dtype=torch.float32) + 0.5
    distance = torch.minimum(position, size - position)
    return (distance / max(fade, 1)).clamp(max=1.0)


def run_tiled(
    network: Callable[[torch.Tensor], torch.Tensor],
    inputs: torch.Tensor,
    *,
    tile: int,
    overlap: int,
    scale: float,
) -> torch.Tensor:
    """`network` applied to (N, C, H, W) `inputs` tile by tile; outputs are `scale` × the size.

    `tile` and `overlap` are in input samples; `tile · scale` and `overlap · scale` must be
    whole numbers (multiples of 8 pixels for an 8× VAE). The blend is accumulated in float32.
    """
    height, width = inputs.shape[-2:]
    rows, cols = tile_starts(height, tile, overlap), tile_starts(width, tile, overlap)
    fade = round(overlap * scale)
    total = weights = None
    for top in rows:
        for left in cols:
            piece = network(inputs[..., top : top + tile, left : left + tile]).float()
            out_height, out_width = piece.shape[-2:]
            weight = _ramp(out_height, fade, piece.device)[:, None] * _ramp(
                out_width, fade, piece.device
            )
            if total is None:
                shape = (*piece.shape[:2], round(height * scale), round(width * scale))
                total = torch.zeros(shape, dtype=torch.float32, device=piece.device)
                weights = torch.zeros(shape[-2:], dtype=torch.float32, device=piece.device)
            y, x = round(top * scale), round(left * scale)
            total[..., y : y + out_height, x : x + out_width] += piece * weight
            weights[y : y + out_height, x : x + out_width] += weight
            del piece
    return total / weights


def tile_weights(
    height: int, width: int, *, tile: int, overlap: int, scale: int, device: torch.device
) -> dict[tuple[int, int], torch.Tensor]:
    """run_tiled's blend as one factor per tile: {(top, left) in input samples: weights over
    the tile's output pixels}, normalised so that the tiles covering a pixel sum to 1."""
    fade = round(overlap * scale)
    out_height, out_width = min(tile, height) * scale, min(tile, width) * scale
    ramp = _ramp(out_height, fade, device)[:, None] * _ramp(out_width, fade, device)
    windows = [
        (top, left, (slice(top * scale, top * scale + out_height),
                     slice(left * scale, left * scale + out_width)))
        for top in tile_starts(height, tile, overlap)
        for left in tile_starts(width, tile, overlap)
    ]  # fmt: skip
    total = torch.zeros((height * scale, width * scale), device=device)
    for _, _, window in windows:
        total[window] += ramp
    return {(top, left): ramp / total[window] for top, left, window in windows}

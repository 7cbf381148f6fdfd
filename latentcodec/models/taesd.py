"""The TAESD family of tiny autoencoders (Ollin Boer Bohan, MIT), written for strict loading.

The module layout follows the published `state_dict`s key for key (`nn.Sequential`
indices; `conv.0/2/4` inside each block; `pool.0/1/3` for the FLUX.2 variant's GroupNorm
branch), so the published weights load with `strict=True` and a changed file is caught.

    encoder: image in [0, 1], (N, 3, H, W) → latent (N, C, H/8, W/8)
    decoder: latent → image, unclamped (the caller clamps to [0, 1])

The FLUX.2 variant (TAEF2, 32 channels) adds, in the three blocks at the latent
resolution, a residual 1×1-conv → GroupNorm(4) → ReLU → 1×1-conv branch before the block.
GroupNorm takes statistics over the whole feature map, so this branch makes the network
see the image globally: decoding tiles of a latent is not the same as decoding it whole.
"""

from __future__ import annotations

import torch
from torch import nn

WIDTH = 64  # feature channels throughout the network


def _conv3x3(n_in: int, n_out: int, **kwargs) -> nn.Conv2d:
    return nn.Conv2d(n_in, n_out, 3, padding=1, **kwargs)


class SoftClamp(nn.Module):
    """tanh(x / 3) · 3: the decoder's first layer, keeping latents within about ±3."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(x / 3) * 3


class ResidualBlock(nn.Module):
    """Three 3×3 convolutions with a skip connection, optionally after a GroupNorm branch."""

    def __init__(self, global_norm: bool = False):
        super().__init__()
        self.conv = nn.Sequential(
            _conv3x3(WIDTH, WIDTH),
            nn.ReLU(),
            _conv3x3(WIDTH, WIDTH),
            nn.ReLU(),
            _conv3x3(WIDTH, WIDTH),
        )
        self.skip = nn.Identity()
        self.fuse = nn.ReLU()
        self.pool = None
        if global_norm:
            hidden = 4 * WIDTH
            self.pool = nn.Sequential(
                nn.Conv2d(WIDTH, hidden, 1, bias=False),
                nn.GroupNorm(4, hidden),
                nn.ReLU(),
                nn.Conv2d(hidden, WIDTH, 1, bias=False),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pool is not None:
            x = x + self.pool(x)
        return self.fuse(self.conv(x) + self.skip(x))


def _blocks(count: int, global_norm: bool = False) -> list[nn.Module]:
    return [ResidualBlock(global_norm) for _ in range(count)]


def build_encoder(latent_channels: int, global_norm: bool) -> nn.Sequential:
    """Three stride-2 stages (8× downsampling); `global_norm` in the last stage's blocks."""
    layers: list[nn.Module] = [_conv3x3(3, WIDTH), *_blocks(1)]
    for stage in range(3):
        layers.append(_conv3x3(WIDTH, WIDTH, stride=2, bias=False))
        layers.extend(_blocks(3, global_norm and stage == 2))
    layers.append(_conv3x3(WIDTH, latent_channels))
    return nn.Sequential(*layers)


def build_decoder(latent_channels: int, global_norm: bool) -> nn.Sequential:
    """Mirror of the encoder; `global_norm` in the first stage's blocks (latent resolution)."""
    layers: list[nn.Module] = [SoftClamp(), _conv3x3(latent_channels, WIDTH), nn.ReLU()]
    for stage in range(3):
        layers.extend(_blocks(3, global_norm and stage == 0))
        layers.append(nn.Upsample(scale_factor=2))
        layers.append(_conv3x3(WIDTH, WIDTH, bias=False))
    layers.extend([*_blocks(1), _conv3x3(WIDTH, 3)])
    return nn.Sequential(*layers)

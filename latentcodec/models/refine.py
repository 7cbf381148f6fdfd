"""Refine a latent through the fixed decoder: Adam on the latent itself, the decoder unchanged
(as CLRIC does for a fixed SD VAE, and Yang et al. 2020 for learned codecs at encode time).

The quantiser sits in the loop: each step decodes the latent on exactly the grid the codecs
will receive (`latentcodec.quantize.quantize` of the current latent, so the same ranges and
the same rounding), and the gradient passes the rounding straight through. What is optimised
is therefore the stored integers' image, not only the float's. The latent returned is the best
one seen (the start included), so refinement never ends worse than the encoder's latent on
its own loss; a step that goes non-finite ends the search at the last good latent, logged.

Large images: with the model's `tile` set, each step decodes overlapping latent tiles one at a
time and sums their feathered losses, so only one tile's activations are ever held.
Deterministic for a fixed device and CPU thread count: no random numbers are drawn.
"""

from __future__ import annotations

import logging
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch

from latentcodec.errors import LatentCodecError
from latentcodec.models.refinement import Refinement
from latentcodec.models.tiling import tile_weights

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refined:
    """The refined latent (C, h, w) float32, and the loss after each step (index 0: the
    encoder's latent), each on the quantised grid when the refinement has one."""

    latent: np.ndarray
    losses: list[float]
    best_step: int


class RateTerm(Protocol):
    """A rate to add to the pixel MSE (`codecs.lac_rate.LacRate`): `terms(latent)` gives, for
    a (C, h, w) latent, the latent the decoder sees, the bits and their gradient; `weight` is
    the pixel MSE one bit is worth (λ)."""

    weight: float

    def terms(self, latent: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]: ...


def refine_latent(
    model,
    image: np.ndarray,
    latent: np.ndarray,
    refinement: Refinement,
    *,
    rate: RateTerm | None = None,
    label: str = "image",
    on_step: Callable[[int, float, np.ndarray], None] | None = None,
) -> Refined:
    """Refine `latent`, the encoding by `model` (a loaded `autoencoders.LatentModel`) of the
    (H, W, 3) uint8 `image`, so that its decoded image comes closer to `image`; with `rate`,
    so that the pixel MSE + λ · bits of the file lac will write is smallest, on lac's grid
    (`codecs.lac_rate`) instead of the refinement's.
    `on_step(step, loss, latent)` sees every measured loss with the (C, h, w) latent it is
    of; a progress bar shows on a terminal. `label` names the image in logs and errors."""
    if latent.ndim != 3 or latent.shape[0] != model.channels:
        raise LatentCodecError(f"{label}: expected a ({model.channels}, h, w) latent")
    height, width = image.shape[:2]
    target = model.padded_pixels(image)[None].to(model.device)
    if target.shape[-2:] != tuple(side * model.downsample for side in latent.shape[1:]):
        raise LatentCodecError(f"{label}: latent {latent.shape} is not this image's")
    if rate is not None and refinement.loss != "mse":
        raise LatentCodecError("refinement: the rate-aware loss adds bits to the pixel MSE only")
    loss_and_backward = _with_rate(
        _objective(model, target, height, width, refinement), refinement, rate
    )
    start = np.ascontiguousarray(latent[None], dtype=np.float32)
    current = torch.tensor(start, device=model.device)
    current.requires_grad_()
    optimiser = torch.optim.Adam([current], lr=refinement.learning_rate)
    best, best_step, losses = current.detach().clone(), 0, []
    for step in _progress(refinement.steps + 1, label):
        optimiser.zero_grad()
        backward = step < refinement.steps
        loss = loss_and_backward(current, backward)
        if not math.isfinite(loss) or (backward and not torch.isfinite(current.grad).all()):
            if not losses:
                raise LatentCodecError(f"{label}: the decoder's loss on the encoder's latent is "
                                       "not finite; nothing to refine from")  # fmt: skip
            log.warning(
                "%s: step %d went non-finite; keeping the latent of step %d", label, step, best_step
            )
            break
        losses.append(loss)
        if on_step is not None:
            on_step(step, loss, current.detach()[0].cpu().numpy().copy())
        if loss < losses[best_step]:
            best, best_step = current.detach().clone(), step
        if backward:
            for group in optimiser.param_groups:
                group["lr"] = _rate(refinement, step)
            optimiser.step()
    span = (losses[0], losses[best_step], best_step, refinement.steps)
    log.info("%s: loss %.6g → %.6g (best at step %d of %d)", label, *span)
    return Refined(best[0].cpu().numpy(), losses, best_step)


def _on_grid(latent: torch.Tensor, refinement: Refinement) -> torch.Tensor:
    """The latent on the codecs' grid in the forward pass, itself in the backward pass."""
    if refinement.bits is None:
        return latent
    grid = torch.from_numpy(refinement.on_grid(latent.detach()[0].cpu().numpy()))
    return latent + (grid[None].to(latent.device) - latent).detach()


def _with_rate(distortion: Callable, refinement: Refinement, rate: RateTerm | None) -> Callable:
    """loss(latent, backward) on the refinement's grid, or D + λ · bits on lac's."""
    if rate is None:
        return lambda latent, backward: distortion(_on_grid(latent, refinement), backward)

    def rate_distortion(latent, backward):
        decoded, bits, gradient = rate.terms(latent.detach()[0].cpu().numpy())
        on_grid = torch.from_numpy(decoded)[None].to(latent.device)
        loss = distortion(latent + (on_grid - latent).detach(), backward)
        if backward:
            latent.grad += torch.from_numpy(rate.weight * gradient).to(latent.grad)[None]
        return loss + rate.weight * bits

    return rate_distortion


def _rate(refinement: Refinement, step: int) -> float:
    """The learning rate of update `step` (0-based): constant, or cosine-annealed to 0."""
    if refinement.schedule == "constant":
        return refinement.learning_rate
    return refinement.learning_rate * 0.5 * (1 + math.cos(math.pi * step / refinement.steps))


def _objective(model, target, height, width, refinement) -> Callable:
    """loss(latent, backward) → the loss as a float; with `backward`, its gradient lands in
    the latent's leaf. Whole-image, or tile by tile with the model's tiles."""
    crop = (..., slice(0, height), slice(0, width))
    tiles = (
        None
        if model.tile is None
        else (model.tile // model.downsample, model.overlap // model.downsample)
    )
    if refinement.loss == "msssim" and (tiles is not None or min(height, width) < 161):
        raise LatentCodecError(
            "refinement: the msssim loss needs whole images of 161 px a side or more"
        )

    def pixel_loss(decoded, original):
        decoded = decoded.clamp(0, 1)
        if refinement.loss == "msssim":
            from pytorch_msssim import ms_ssim

            return 1 - ms_ssim(decoded, original, data_range=1.0)
        return (decoded - original).square().mean()

    if tiles is None or max(target.shape[-2:]) <= model.tile:

        def whole(latent, backward):
            loss = pixel_loss(model.decode_tensor(latent)[crop], target[crop])
            if backward:
                loss.backward()
            return loss.item()

        return whole
    return _tiled_objective(model, target, height, width, tiles)


def _tiled_objective(model, target, height, width, tiles) -> Callable:
    """Pixel MSE as the feathered sum of each tile's squared error, one tile in memory."""
    tile, overlap = tiles
    scale = model.downsample
    rows, cols = (side // scale for side in target.shape[-2:])
    weights = tile_weights(
        rows, cols, tile=tile, overlap=overlap, scale=scale, device=target.device
    )
    inside = torch.zeros(target.shape[-2:], device=target.device)
    inside[:height, :width] = 1 / (3 * height * width)

    def tiled(latent, backward):
        total = 0.0
        for (top, left), weight in weights.items():
            piece = latent[..., top : top + tile, left : left + tile]
            decoded = model.decode_tensor(piece).clamp(0, 1)
            y, x = top * scale, left * scale
            window = (..., slice(y, y + decoded.shape[-2]), slice(x, x + decoded.shape[-1]))
            error = (decoded - target[window]).square().sum(dim=1)
            loss = (error * weight * inside[window[1:]]).sum()
            if backward:
                loss.backward()
            total += loss.item()
        return total

    return tiled


def _progress(total: int, label: str):
    """The steps, with a progress bar when stderr is a terminal."""
    if not sys.stderr.isatty():
        return range(total)
    from tqdm import tqdm

    return tqdm(range(total), desc=f"refine {label}", unit="step", leave=False)

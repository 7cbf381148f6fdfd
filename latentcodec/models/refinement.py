"""How a latent is made: by the model's encoder as it is (`direct`), or refined through the
fixed decoder (`Refinement`: gradient descent on the latent itself, the decoder unchanged).

A refined latent is stored, read and decoded exactly as a direct one: the file format and
the decoder stay as they are; only the encoder side spends more time. This module holds the
settings and their checks, torch-free, for the config, the CLI, the API and the `.lcf`
header; `latentcodec.models.refine` runs them.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from latentcodec.errors import LatentCodecError
from latentcodec.quantize import (
    SUPPORTED_BITS,
    check_clip,
    dequantize,
    quantize,
    quantizer_name,
)
from latentcodec.routes import DIRECT_ENCODER

SCHEDULES = ("constant", "cosine")  # the learning rate over the steps
LOSSES = ("mse", "msssim")  # pixel MSE, or 1 − MS-SSIM (images of 161 px a side or more)
# From the convergence curve (docs/findings/convergence.md): 10 steps give about 80 % of 20
# steps' gain, and 20 → 50 steps add only 0.8–1.4 dB for 2.5× the time (4.3–4.9 s a step on 2
# CPU threads at 768×512); on TAESDXL's kodim07, 20 steps gained +3.7 dB at a constant rate of
# 0.02, against +3.3 (0.02) and +3.4 dB (0.05) cosine-annealed.
DEFAULT_STEPS = 20
DEFAULT_LEARNING_RATE = 0.02
DEFAULT_SCHEDULE = "constant"
# The workflow's refinement jobs run on this many CPU threads (fewer when --cores is smaller):
# a latent's last bits depend on the thread count, and the cost goals are set on 2.
REFINE_THREADS = 2


@dataclass(frozen=True)
class Refinement:
    """Refine a latent for `steps` Adam steps at `learning_rate` (cosine-annealed to 0 or
    constant) on the decoded image's `loss`, with the quantiser in the loop: `bits` and
    `clip` are the grid the codecs receive (straight-through rounding), None bits refines
    the float latent. Then, for lac only, `rate_steps` more on pixel MSE + λ · lac's bits,
    over lac's own grid (`codecs.lac_rate`: rate-aware refinement)."""

    steps: int = DEFAULT_STEPS
    learning_rate: float = DEFAULT_LEARNING_RATE
    schedule: str = DEFAULT_SCHEDULE
    loss: str = "mse"
    bits: int | None = 8
    clip: float | None = None
    rate_steps: int = 0

    def __post_init__(self):
        problems = []
        for name in ("steps", "rate_steps"):
            count = getattr(self, name)
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                problems.append(f"{name.replace('_', ' ')} must be a whole number ≥ 0, "
                                f"got {count!r}")  # fmt: skip
        rate = self.learning_rate
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not rate > 0:
            problems.append(f"learning rate must be a number > 0, got {rate!r}")
        elif not math.isfinite(rate):
            problems.append(f"learning rate must be finite, got {rate!r}")
        if self.schedule not in SCHEDULES:
            problems.append(
                f"schedule must be one of {', '.join(SCHEDULES)}, got {self.schedule!r}"
            )
        if self.loss not in LOSSES:
            problems.append(f"loss must be one of {', '.join(LOSSES)}, got {self.loss!r}")
        if self.bits is not None and self.bits not in SUPPORTED_BITS:
            problems.append(f"bits must be 1 … 16 or None (the float latent), got {self.bits!r}")
        if self.rate_steps and (self.loss != "mse" or self.bits is None):
            problems.append("rate steps add lac's bits to the pixel MSE of the integers: they "
                            "need the mse loss and a bit depth")  # fmt: skip
        try:
            check_clip(self.clip)
        except LatentCodecError as error:
            problems.append(str(error))
        if problems:
            raise LatentCodecError(f"refinement: {'; '.join(problems)}")

    def on_grid(self, latent: np.ndarray) -> np.ndarray:
        """A (C, h, w) latent as the codecs receive it on this refinement's grid (quantised and
        dequantised, float32); the float latent itself when there is no grid."""
        if self.bits is None:
            return latent
        return dequantize(quantize(latent, self.bits, self.clip)).astype(np.float32)

    def rate_stage(self) -> Refinement:
        """The rate-aware steps' own settings: `rate_steps` at the same rate and schedule."""
        return dataclasses.replace(self, steps=self.rate_steps, rate_steps=0)

    def describe(self) -> str:
        """One short ASCII line for the `.lcf` header and the logs, e.g.
        `refined mse 20 steps lr 0.02 cosine, 8-bit minmax grid[, then 10 steps mse+lac rate]`."""
        grid = "float" if self.bits is None else f"{self.bits}-bit {quantizer_name(self.clip)}"
        rate = f", then {self.rate_steps} steps mse+lac rate" if self.rate_steps else ""
        return (
            f"refined {self.loss} {self.steps} steps lr {self.learning_rate:g} "
            f"{self.schedule}, {grid} grid{rate}"
        )


def encoder_description(refinement: Refinement | None) -> str:
    """What made a latent, as a file records it: `direct`, or the refinement's description."""
    if refinement is None or refinement.steps == refinement.rate_steps == 0:
        return DIRECT_ENCODER
    return refinement.describe()

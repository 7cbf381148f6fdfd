"""The workflow's file of one integer latent (.npz), between the quantize and compress jobs:
its integers and range, the share of values clipped, and the model and image size it came
from (`latentcodec.quantize` holds the arithmetic, this module the file)."""

from __future__ import annotations

import math

import numpy as np

from latentcodec.io import load_arrays, save_arrays
from latentcodec.quantize import Quantized


def save_quantized(path, quantized: Quantized, *, clipped: float, model, height, width) -> None:
    """Write one integer latent's file."""
    save_arrays(
        path,
        values=quantized.values,
        lo=quantized.lo,
        hi=quantized.hi,
        bits=np.array(quantized.bits),
        clip=np.array(math.nan if quantized.clip is None else quantized.clip),
        clipped=np.array(clipped),
        model=np.asarray(model),
        height=np.asarray(height),
        width=np.asarray(width),
    )


def load_quantized(path) -> tuple[Quantized, dict]:
    """A `save_quantized` file: the integer latent, and all the file's arrays."""
    stored = load_arrays(
        path, "values", "lo", "hi", "bits", "clip", "clipped", "model", "height", "width"
    )
    clip = float(stored["clip"])
    quantized = Quantized(
        stored["values"],
        stored["lo"],
        stored["hi"],
        int(stored["bits"]),
        None if math.isnan(clip) else clip,
    )
    return quantized, stored

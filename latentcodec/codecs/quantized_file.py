"""The workflow's file of one integer latent (.npz), between the quantize and compress jobs:
its integers and range, the share of values clipped, and the model and image size it came
from (`latentcodec.quantize` holds the arithmetic, this module the file)."""

from __future__ import annotations

import math

import numpy as np

from latentcodec.errors import LatentCodecError
from latentcodec.io import load_arrays, save_arrays
from latentcodec.quantize import Quantized, integer_dtype


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
    """A `save_quantized` file: the integer latent, and all the file's arrays; a file whose
    arrays do not fit together is refused, naming it."""
    stored = load_arrays(
        path, "values", "lo", "hi", "bits", "clip", "clipped", "model", "height", "width"
    )
    values, lo, hi = stored["values"], stored["lo"], stored["hi"]
    scalars = ("bits", "clip", "clipped", "height", "width")
    if any(stored[name].shape != () for name in scalars):
        raise LatentCodecError(f"{path}: {', '.join(scalars)} must each be one number")
    bits = int(stored["bits"])
    if not 1 <= bits <= 16 or values.ndim != 3 or values.dtype != integer_dtype(bits):
        raise LatentCodecError(
            f"{path}: values {values.dtype} {values.shape} are not a (C, h, w) latent of "
            f"{bits}-bit integers"
        )
    if lo.shape != hi.shape or lo.shape != values.shape[:1] or lo.dtype.kind != "f":
        raise LatentCodecError(
            f"{path}: ranges {lo.shape} and {hi.shape} do not fit {values.shape[0]} channels"
        )
    if values.size and int(values.max()) >= 2**bits:
        raise LatentCodecError(f"{path}: a value exceeds {bits} bits")
    clip = float(stored["clip"])
    quantized = Quantized(values, lo, hi, bits, None if math.isnan(clip) else clip)
    return quantized, stored

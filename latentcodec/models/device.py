"""Where and in what precision a model runs: the config's `device` and `dtype` resolved
against the machine (torch)."""

from __future__ import annotations

import torch

from latentcodec.errors import LatentCodecError
from latentcodec.models.registry import ModelSpec, check_dtype


def resolve_device(device: str) -> torch.device:
    """'auto' → CUDA when torch sees a GPU, else CPU; 'cuda' without a GPU is an error."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise LatentCodecError("config device is 'cuda' but torch sees no CUDA GPU")
    return torch.device(device)


def resolve_dtype(spec: ModelSpec, dtype: str, device: torch.device) -> torch.dtype:
    """'auto' → float32 on the CPU; on a GPU the half precision the registry says is safe."""
    if dtype == "auto":
        halves = [name for name in ("float16", "bfloat16") if name in spec.dtypes]
        dtype = halves[0] if device.type == "cuda" and halves else "float32"
    check_dtype(spec, dtype)
    return getattr(torch, dtype)

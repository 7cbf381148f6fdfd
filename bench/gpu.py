"""Images per second of the real model path against a bare diffusers loop, on a GPU, and of
refinement through the decoder at its default steps.

Both sides get the same uint8 images and the same SDXL-VAE architecture (random weights,
so no download is needed) in the same precision. The real path is `LatentModel`'s batched
`encode_many` / `decode_many` (padding, precision fallback check, uint8 conversion); the
bare loop is `vae.encode(x).latent_dist.mode()` and `vae.decode(z)` on batched tensors.
Prints one JSON row per measure, for `bench/run.py`.

    python bench/gpu.py [--device cuda] [--sizes 768x512 1024x1024] [--count 16]
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np
import torch

from latentcodec.models.autoencoders import random_model
from latentcodec.models.refine import refine_latent
from latentcodec.models.refinement import DEFAULT_STEPS, Refinement


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def emit(measure: str, value, unit: str = "", target: str = "", met=None) -> None:
    print(json.dumps({"measure": measure, "value": value, "unit": unit, "target": target,
                      "met": met}))  # fmt: skip


def throughput(run, count: int, device: torch.device) -> float:
    run()  # warm-up: kernels chosen, memory allocated
    synchronize(device)
    start = time.perf_counter()
    run()
    synchronize(device)
    return count / (time.perf_counter() - start)


def measure_size(model, size: str, count: int, batch_size: int) -> None:
    """Encode and decode rates of both paths at one image size, and the peak memory."""
    device, vae = model.device, model.network
    width, height = map(int, size.split("x"))
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (height, width, 3), dtype=np.uint8) for _ in range(count)]
    batch = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2)
    latents = list(model.encode_many(images))

    def bare_encode():
        with torch.inference_mode():
            for start in range(0, count, batch_size):
                x = batch[start : start + batch_size].to(device, model.dtype) / 127.5 - 1
                vae.encode(x).latent_dist.mode().float().cpu()

    def bare_decode():
        stacked = torch.from_numpy(np.stack(latents)) / model.scaling
        with torch.inference_mode():
            for start in range(0, count, batch_size):
                z = stacked[start : start + batch_size].to(device, model.dtype)
                ((vae.decode(z).sample + 1) * 127.5).clamp(0, 255).byte().cpu()

    def real_encode():
        list(model.encode_many(images))

    def real_decode():
        list(model.decode_many((latent, height, width) for latent in latents))

    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    for step, bare, real in (("encode", bare_encode, real_encode),
                             ("decode", bare_decode, real_decode)):  # fmt: skip
        bare_rate = throughput(bare, count, device)
        real_rate = throughput(real, count, device)
        emit(f"{size} {step}: bare diffusers loop", bare_rate, "images/s")
        emit(f"{size} {step}: latentcodec path", real_rate, "images/s")
        ratio = real_rate / bare_rate
        emit(f"{size} {step}: latentcodec ÷ bare", ratio, "", "≥ 0.8", ratio >= 0.8)
    if device.type == "cuda":
        peak = torch.cuda.max_memory_allocated(device) / 2**30
        emit(f"{size}: peak GPU memory", peak, "GiB")


def measure_refinement(model, size: str, steps: int = DEFAULT_STEPS) -> None:
    """Refinement at the default steps (`models.refine`): images per second and peak memory,
    one image of `size` through `model` (its float32 decoder, as refinement runs)."""
    device = model.device
    width, height = map(int, size.split("x"))
    image = np.random.default_rng(1).integers(0, 256, (height, width, 3), dtype=np.uint8)
    latent = model.encode(image)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    refinement = Refinement(steps=steps)
    rate = throughput(lambda: refine_latent(model, image, latent, refinement), 1, device)
    label = f"{size} refinement ({model.name}, {steps} steps)"
    emit(f"{label}: images/s", rate, "images/s")
    emit(f"{label}: seconds per step", 1 / rate / steps, "s")
    if device.type == "cuda":
        emit(f"{label}: peak GPU memory", torch.cuda.max_memory_allocated(device) / 2**30, "GiB")
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        emit(f"{label}: peak process memory (so far)", peak, "GiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--sizes", nargs="+", default=["768x512", "1024x1024"])
    parser.add_argument("--count", type=int, default=16, help="images per size")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--small", action="store_true", help="a narrow network (tests)")
    args = parser.parse_args()

    narrow = {"block_out_channels": [32] * 4, "norm_num_groups": 8} if args.small else {}
    model = random_model(
        "sdxl-vae-fp16-fix",
        device=args.device,
        dtype=args.dtype,
        options={"batch_size": args.batch},
        **narrow,
    )
    device = model.device
    emit("device", torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu")
    emit("precision", str(model.dtype).removeprefix("torch."))
    for size in args.sizes:
        measure_size(model, size, args.count, args.batch)
    # the CPU smoke (--small) takes two steps: the narrow network's step costs seconds there
    measure_refinement(model, args.sizes[0], 2 if args.small else DEFAULT_STEPS)
    if not args.small:  # the findings' SDXL-space model, its architecture with random weights
        measure_refinement(random_model("taesdxl", device=args.device), args.sizes[0])


if __name__ == "__main__":
    main()

"""Encode and decode one large square image; print time and peak memory as JSON.

Run in a fresh process per setting, so that the peak resident set size (ru_maxrss) is this
setting's alone:

    python bench/large_image.py --model taef2 --size 2048 --tile 512
    python bench/large_image.py --model sdxl-vae-fp16-fix --random --size 2048 --tile 512

The image is kodim23 from $LATENTCODEC_MIRROR resized to size × size (Lanczos), or
seeded noise without a mirror. `--random` builds the model's real architecture with random
weights: the time and memory of a forward pass do not depend on the weights.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

import numpy as np
from PIL import Image


def test_image(size: int) -> np.ndarray:
    mirror = os.environ.get("LATENTCODEC_MIRROR")
    path = Path(mirror or "/nonexistent") / "datasets" / "kodak" / "kodim23.png"
    if path.is_file():
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB").resize((size, size), Image.LANCZOS))
    return np.random.default_rng(0).integers(0, 256, (size, size, 3), dtype=np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="taef2")
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--tile", type=int, default=None, help="tile side in pixels")
    parser.add_argument("--overlap", type=int, default=64)
    parser.add_argument("--random", action="store_true", help="random weights, no download")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import torch

    from latentcodec.models.autoencoders import load_model, random_model
    from latentcodec.sources import resolve_mirror

    torch.set_num_threads(args.threads)
    options = {"tile": args.tile, "overlap": args.overlap}
    if args.random:
        model = random_model(args.model, options=options)
    else:
        model = load_model(args.model, device="cpu", mirror=resolve_mirror(None), **options)
    image = test_image(args.size)
    start = time.perf_counter()
    latent = model.encode(image)
    encoded = time.perf_counter()
    decoded = model.decode(latent, args.size, args.size)
    finished = time.perf_counter()
    assert decoded.shape == image.shape
    print(
        json.dumps(
            {
                "model": args.model,
                "size": args.size,
                "tile": args.tile,
                "encode_s": encoded - start,
                "decode_s": finished - encoded,
                "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
            }
        )
    )


if __name__ == "__main__":
    main()

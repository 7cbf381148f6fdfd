"""lac encode/decode speed in latent values per second (CPU time of this process, one core),
on a TAEF2-sized 8-bit latent (32 × 64 × 96 = 196,608 values; random-walk correlated data,
or a real latent given as a .npy path). Usage: python bench/lac_speed.py [latent.npy]."""

from __future__ import annotations

import sys
import time

import numpy as np
from round_trip import time_round_trips

from latentcodec.codecs import lac


def synthetic_latent(shape=(32, 64, 96), bits=8, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    walk = np.cumsum(rng.normal(size=shape[1:]), axis=1)
    values = walk[None] + rng.normal(size=shape) * 3
    return np.rint((values - values.min()) / np.ptp(values) * (2**bits - 1)).astype(np.uint8)


def measure(values: np.ndarray, bits: int, quality: int, repeats: int = 5) -> dict:
    data, encode_times, decode_times = time_round_trips(
        lambda: lac.encode(values, bits, quality), lac.decode, repeats, clock=time.process_time
    )
    return {
        "bytes": len(data),
        "encode": values.size / min(encode_times),
        "decode": values.size / min(decode_times),
    }


def main() -> None:
    values = np.load(sys.argv[1]) if len(sys.argv) > 1 else synthetic_latent()
    for quality in (100, 50):
        result = measure(values, 8, quality)
        print(
            f"lac {values.shape} 8-bit q{quality}: {result['bytes']} bytes, "
            f"encode {result['encode'] / 1e6:.2f} M values/s, "
            f"decode {result['decode'] / 1e6:.2f} M values/s"
        )


if __name__ == "__main__":
    main()

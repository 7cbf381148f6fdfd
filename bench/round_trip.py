"""The encode/decode round trip that both codec benchmarks time (`make bench`'s codec cost
section and bench/lac_speed.py), so that they measure the same thing."""

from __future__ import annotations

import time
from collections.abc import Callable


def time_round_trips(
    encode: Callable[[], bytes],
    decode: Callable[[bytes], object],
    repeats: int,
    clock: Callable[[], float] = time.perf_counter,
) -> tuple[bytes, list[float], list[float]]:
    """Run `encode()` then `decode(data)` `repeats` times: the encoded bytes, and each round's
    encode and decode seconds."""
    encode_times, decode_times = [], []
    for _ in range(repeats):
        start = clock()
        data = encode()
        middle = clock()
        decode(data)
        encode_times.append(middle - start)
        decode_times.append(clock() - middle)
    return data, encode_times, decode_times

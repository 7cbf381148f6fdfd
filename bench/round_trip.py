"""The encode/decode round trip that both codec benchmarks time (`make bench`'s codec cost
section and bench/lac_speed.py), so that they measure the same thing."""

from __future__ import annotations

import time
from collections.abc import Callable


def time_round_trips(
    coder, values, bits: int, quality, repeats: int, clock: Callable[[], float] = time.perf_counter
) -> tuple[bytes, list[float], list[float]]:
    """Encode then decode `repeats` times with anything that has encode(values, bits, quality)
    and decode(data): the encoded bytes, and each round's encode and decode seconds."""
    encode_times, decode_times = [], []
    for _ in range(repeats):
        start = clock()
        data = coder.encode(values, bits, quality)
        middle = clock()
        coder.decode(data)
        encode_times.append(middle - start)
        decode_times.append(clock() - middle)
    return data, encode_times, decode_times

"""Would a lac bitstream with fixed categorical tables decode faster than today's (format 2)?

Format 2 codes each value under constriction's QuantizedGaussian with its own mean and
deviation; that call is about 70 % of decoding, so format 2 tops out near 5 M values/s. The
candidate codes r = value − ⌊mean⌋ under a table chosen by the value's deviation class (every
`merge` neighbouring σ codes share a table, at the class's central σ) and by the mean's fraction
(`bins` bins), one decode call per table and wavefront step. This measures, on lac's own fit
of a real latent (kodim23 through TAEF2 from LATENTCODEC_MIRROR, or a (C, h, w) uint8 .npy),
the range coder alone (CPU time, one core) and the payload, for both; the rest of the decoder
(predictions, ~30 % of format 2's time) is not counted. A table here spans the symbols that
occur (and one more on each side), where a real format would add an escape for its tails: its
sizes are a lower bound.

Usage: python bench/lac_coder_models.py [latent.npy]
"""

from __future__ import annotations

import sys
import time

import constriction
import numpy as np
from scipy.stats import norm

from latentcodec.codecs import lac

QUALITIES = (100, 75, 50, 15)
CANDIDATES = ((1, 1), (2, 2), (3, 2), (3, 4))  # (σ codes merged into one table, mean bins)


def kodim23_latent() -> np.ndarray:
    from latentcodec.io import load_image
    from latentcodec.models.autoencoders import load_model
    from latentcodec.quantize import quantize
    from latentcodec.sources import resolve_mirror

    mirror = resolve_mirror(None)
    network = load_model("taef2", device="cpu", mirror=mirror)
    image = load_image(mirror / "datasets" / "kodak" / "kodim23.png")
    return quantize(network.encode(image), 8).values


def wavefront_steps(shape) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each decoding step's (channel, row) pairs: channel c's row i at step i + c."""
    channels, height, _ = shape
    return [
        (np.arange(first, last), step - np.arange(first, last))
        for step in range(height + channels - 1)
        for first, last in [(max(0, step - height + 1), min(channels, step + 1))]
    ]


def timed_decode(decode_step, steps) -> float:
    start = time.process_time()
    for step in steps:
        decode_step(step)
    return time.process_time() - start


def gaussian(fit, steps) -> tuple[float, int]:
    """Format 2's coder: one QuantizedGaussian call per step."""
    family = constriction.stream.model.QuantizedGaussian(0, int(fit.model.top.max()))
    encoder = constriction.stream.queue.RangeEncoder()
    for rows in steps:
        encoder.encode(fit.symbols[rows].ravel().astype(np.int32), family,
                       fit.means[rows].ravel(), fit.sigma[rows].ravel())  # fmt: skip
    decoder = constriction.stream.queue.RangeDecoder(encoder.get_compressed())
    seconds = timed_decode(
        lambda rows: decoder.decode(family, fit.means[rows].ravel(), fit.sigma[rows].ravel()),
        steps,
    )
    return seconds, 4 * encoder.get_compressed().size


def categorical(fit, steps, merge: int, bins: int) -> tuple[float, int]:
    """Tables by (merged σ code, mean-fraction bin); one call per table present in a step."""
    codes = np.rint(np.log2(fit.sigma) * lac.SIGMA_CODE_PER_OCTAVE).astype(np.int64) // merge
    floor = np.floor(fit.means)
    fraction = np.minimum(((fit.means - floor) * bins).astype(np.int64), bins - 1)
    lowest = codes.min()
    keys = (codes - lowest) * bins + fraction
    shifted = (fit.symbols - floor).astype(np.int64)
    tables = {}
    for key in np.unique(keys):
        present = shifted[keys == key]
        low, high = int(present.min()) - 1, int(present.max()) + 1  # two symbols at least
        code = (key // bins + lowest) * merge + (merge - 1) / 2
        sigma = 2.0 ** (code / lac.SIGMA_CODE_PER_OCTAVE)
        centre = (key % bins + 0.5) / bins
        edges = np.arange(low, high + 2) - 0.5
        mass = np.maximum(np.diff(norm.cdf(edges, centre, sigma)), 1e-9)
        table = constriction.stream.model.Categorical(mass / mass.sum(), perfect=False)
        tables[key] = (table, low)
    encoder = constriction.stream.queue.RangeEncoder()
    for rows in steps:
        key, symbol = keys[rows].ravel(), shifted[rows].ravel()
        for group in np.unique(key):
            table, low = tables[group]
            encoder.encode((symbol[key == group] - low).astype(np.int32), table)
    decoder = constriction.stream.queue.RangeDecoder(encoder.get_compressed())

    def decode_step(rows):
        key = keys[rows].ravel()
        order = np.argsort(key, kind="stable")
        groups, counts = np.unique(key[order], return_counts=True)
        decoded = np.empty(key.size, np.int64)
        parts = zip(groups, counts, strict=True)
        decoded[order] = np.concatenate([decoder.decode(tables[g][0], int(n)) for g, n in parts])

    return timed_decode(decode_step, steps), 4 * encoder.get_compressed().size


def main() -> None:
    values = np.load(sys.argv[1]) if len(sys.argv) > 1 else kodim23_latent()
    steps = wavefront_steps(values.shape)
    print(f"latent {values.shape}, 8 bits; range coder only, M values/s of CPU time, payload")
    for quality in QUALITIES:
        fit = lac.fit_context(values, 8, quality)
        seconds, size = gaussian(fit, steps)
        print(f"q{quality}: format 2 (Gaussian) {values.size / seconds / 1e6:5.1f} M/s "
              f"{size} bytes")  # fmt: skip
        for merge, bins in CANDIDATES:
            seconds, table_size = categorical(fit, steps, merge, bins)
            print(f"  tables, {merge} σ codes × {bins} bins: "
                  f"{values.size / seconds / 1e6:5.1f} M/s {table_size} bytes "
                  f"({100 * (table_size / size - 1):+.2f} %)")  # fmt: skip


if __name__ == "__main__":
    main()

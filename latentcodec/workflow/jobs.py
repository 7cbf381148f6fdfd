"""The entry point every workflow script uses: log to the job's log file, run one step;
and the keywords that several scripts take alike from their Snakemake object.

A LatentCodecError (bad input, missing file, no network) ends the job with its message
alone, on stderr and in the log, instead of a traceback from deep inside a library.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from latentcodec.errors import LatentCodecError
from latentcodec.io import load_arrays, save_arrays
from latentcodec.tables import write_csv

Paths = Sequence[str | os.PathLike]  # a step's files, one per image


def run_step(log_file: str | os.PathLike, step: Callable, *args, **kwargs) -> None:
    logging.basicConfig(
        filename=log_file,
        filemode="w",
        level=logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s: %(message)s",
        force=True,
    )
    try:
        step(*args, **kwargs)
    except LatentCodecError as error:
        logging.getLogger(step.__module__).error("%s", error)
        print(f"latentcodec: {error}", file=sys.stderr)
        raise SystemExit(1) from None


# The files that record wall time (seconds tables, and what is derived from them): they
# differ from run to run; every other file of a run is byte-identical when it runs again.
WALL_TIME_FILES = frozenset(
    {
        "seconds.csv",
        "search_seconds.csv",
        "refinement.csv",
        "encode_seconds.csv",
        "encode_seconds.md",
        "convergence.csv",
        "convergence.md",
        "convergence.png",
    }
)


class ImageCheckpoints:
    """Each finished image of a long job, kept in `folder` until the job has written its
    outputs, so that a killed job (a session's end, a preempted node) resumes after its last
    finished image: Snakemake deletes an incomplete job's declared outputs, and this folder is
    not one. An image's checkpoint counts only if its fingerprint matches: the job's settings
    (`settings`, a repr) and the bytes of the image's input files, so a changed input or
    setting starts the image afresh."""

    def __init__(self, folder: str | os.PathLike, settings: str):
        self.folder = Path(folder)
        self.settings = settings

    def fingerprint(self, *inputs: str | os.PathLike) -> str:
        digest = hashlib.sha256(self.settings.encode())
        for path in inputs:
            digest.update(Path(path).read_bytes())
        return digest.hexdigest()

    def load(self, image: str, fingerprint: str, *names: str) -> dict[str, np.ndarray] | None:
        """The image's saved arrays `names`, or None when it has no readable checkpoint of
        this fingerprint."""
        path = self.folder / f"{image}.npz"
        if not path.exists():
            return None
        try:
            arrays = load_arrays(path, "fingerprint", *names)
        except LatentCodecError as error:
            logging.getLogger(__name__).warning("%s: starting afresh", error)
            return None
        if str(arrays.pop("fingerprint")) != fingerprint:
            return None
        return arrays

    def save(self, image: str, fingerprint: str, **arrays: np.ndarray) -> None:
        save_arrays(self.folder / f"{image}.npz", fingerprint=np.array(fingerprint), **arrays)

    def clear(self) -> None:
        """Remove the folder once the job's outputs are written."""
        shutil.rmtree(self.folder, ignore_errors=True)


class EncodeClock:
    """Seconds each file took to encode, for a job's seconds table (`write`): a table apart
    from metrics.csv, which stays the same bytes from run to run."""

    def __init__(self):
        self.records: list[dict] = []

    @contextlib.contextmanager
    def timed(self, **keys) -> Iterator[None]:
        """Time the `with` block as one encode named by `keys` (image, and quality if any)."""
        start = time.perf_counter()
        yield
        self.records.append({**keys, "seconds": time.perf_counter() - start})

    def write(self, path: str | os.PathLike | None) -> None:
        if path is not None:
            write_csv(pd.DataFrame(self.records), path)


def same_length(**lists: Paths) -> None:
    """Refuse a step's lists of files that do not pair up one to one."""
    lengths = {name: len(value) for name, value in lists.items()}
    if len(set(lengths.values())) != 1:
        raise LatentCodecError(f"mismatched numbers of files: {lengths}")


def named_keywords(job) -> dict:
    """A job's named inputs, outputs and params as one step's keywords, for a rule that names
    them after its function's parameters: the script then says nothing the rule does not."""
    return {
        name: value
        for section in (job.input, job.output, job.params)
        for name, value in section.items()
    }


def model_job_options(job) -> dict:
    """A model job's keywords from its Snakemake object: where the weights are, how many
    threads, and the configured model options, so every model is loaded the same way."""
    return {"mirror": job.params.mirror, "threads": job.threads, **job.params.model_options}


def decode_job_options(job) -> dict:
    """A decoding job's keywords: the sources and latents it measures against, the images and
    table it writes, the metrics it computes, and how it loads the model."""
    return {
        "sources": list(job.input.sources),
        "latents": list(job.input.latents),
        "recons": list(job.output.recons),
        "table": job.output.table,
        "perceptual_metrics": job.params.perceptual_metrics,
        **model_job_options(job),
    }

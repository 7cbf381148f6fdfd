"""The entry point every workflow script uses: log to the job's log file, run one step.

A LatentCodecError (bad input, missing file, no network) ends the job with its message
alone, on stderr and in the log, instead of a traceback from deep inside a library.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable

from latentcodec.errors import LatentCodecError


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

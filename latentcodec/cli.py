"""The `latentcodec` command: encode images to `.lcf` files and decode them back to PNG.

A thin shell over the Python API (`latentcodec.api`: `check_settings`, `compress`,
`decompress`), which runs the workflow's own functions (`lcf`, `container`): argument checks
(`latentcodec.cli_parser`), file and folder handling, progress, and exit statuses a script can
rely on (the API's error kinds, `EXIT_OF`). The API loads each model once per process. Torch
is imported only once a model is about to run, so `--help`, `info` and every refusal of bad
arguments stay fast.
"""

from __future__ import annotations

import argparse
import contextlib
import enum
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

from latentcodec.api import (
    InputError,
    ModelLoadError,
    OutputError,
    SettingsError,
    UnavailableError,
    check_settings,
    compress,
    decompress,
)
from latentcodec.cli_parser import build_parser, effort_options
from latentcodec.codecs.container import SUFFIX, read_container
from latentcodec.errors import LatentCodecError
from latentcodec.io import write_png
from latentcodec.measure.metrics import bits_per_pixel

log = logging.getLogger(__name__)


class Exit(enum.IntEnum):
    """Exit statuses (`cli_parser.EXIT_STATUS_HELP` lists them in `latentcodec --help`)."""

    OK = 0
    INTERNAL = 1  # an uncaught exception: a bug
    USAGE = 2  # argparse's own status, also for settings a codec cannot store
    BAD_INPUT = 3
    UNAVAILABLE = 4
    CANNOT_WRITE = 5


# The API's error kinds and their exit statuses; any other LatentCodecError is bad input.
EXIT_OF = (
    (SettingsError, Exit.USAGE),
    (InputError, Exit.BAD_INPUT),
    (UnavailableError, Exit.UNAVAILABLE),
    (OutputError, Exit.CANNOT_WRITE),
)


class CommandError(Exception):
    """A refusal with its exit status; the message says what is wrong and where."""

    def __init__(self, status: Exit, message: str):
        super().__init__(message)
        self.status = status


@contextlib.contextmanager
def failing_as(status: Exit, prefix: str = "") -> Iterator[None]:
    """Turn a LatentCodecError (and, for outputs, an OSError) into a CommandError."""
    try:
        yield
    except LatentCodecError as error:
        message = str(error)
        if prefix and not message.startswith(prefix):
            message = f"{prefix}: {message}"
        raise CommandError(status, message) from error
    except OSError as error:
        if status != Exit.CANNOT_WRITE:
            raise
        raise CommandError(status, f"{prefix}: cannot write ({error.strerror or error})") from error


@contextlib.contextmanager
def api_errors() -> Iterator[None]:
    """Turn the API's refusals into CommandErrors with the exit status of their kind."""
    try:
        yield
    except LatentCodecError as error:
        status = next((code for kind, code in EXIT_OF if isinstance(error, kind)), Exit.BAD_INPUT)
        raise CommandError(status, str(error)) from error


def main(argv: list[str] | None = None) -> int:
    """Run the command line `argv` (default: sys.argv[1:]); returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version, or a usage error (status 2)
        return stop.code if isinstance(stop.code, int) else Exit.USAGE
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="latentcodec: %(message)s",
        stream=sys.stderr,
    )
    try:
        return RUNS[args.command](args)
    except CommandError as failure:
        hint = f" (see latentcodec {args.command} --help)" if failure.status == Exit.USAGE else ""
        print(f"latentcodec: error: {failure}{hint}", file=sys.stderr)
        return failure.status


def run_encode(args: argparse.Namespace) -> int:
    efforts = {
        option: getattr(args, option)
        for option in effort_options()
        if getattr(args, option) is not None
    }
    settings = dict(
        model=args.model,
        codec=args.codec,
        bits=args.bits,
        quality=args.quality,
        packing=args.packing,
        clip=args.clip,
        refine=args.refine,
        rate_steps=args.rate_steps,
        device=args.device,
        **efforts,
    )
    with api_errors():  # settings the codec cannot take: refused before any file is read
        check_settings(**settings)
    folder = args.image.is_dir()
    jobs = _encode_jobs(args.image, args.out)
    failures = []
    for source, target in _progress(jobs, "encode", folder=folder):
        try:
            with api_errors():
                result = compress(
                    source, target, mirror=args.mirror, threads=args.threads, **settings
                )
        except CommandError as failure:
            if isinstance(failure.__cause__, ModelLoadError):
                raise  # a model that cannot load ends the run
            failures.append(_report_failure(failure, folder))
            continue
        _say(f"{source} → {target}: {result.bytes} bytes, {result.bpp:.4f} bpp", folder)
    return failures[0] if failures else Exit.OK


def run_decode(args: argparse.Namespace) -> int:
    folder = args.source.is_dir()
    jobs = _decode_jobs(args.source, args.out)
    failures = []
    for source, target in _progress(jobs, "decode", folder=folder):
        try:
            with api_errors():
                image = decompress(
                    source, device=args.device, mirror=args.mirror, threads=args.threads
                )
            with failing_as(Exit.CANNOT_WRITE, str(target)):
                write_png(target, image)
        except CommandError as failure:
            if isinstance(failure.__cause__, ModelLoadError):
                raise  # a model that cannot load ends the run
            failures.append(_report_failure(failure, folder))
            continue
        height, width = image.shape[:2]
        _say(f"{source} → {target}: {width}×{height}", folder)
    return failures[0] if failures else Exit.OK


def run_info(args: argparse.Namespace) -> int:
    failures = []
    for path in args.files:
        try:
            with failing_as(Exit.BAD_INPUT, str(path)):
                container = read_container(path)
        except CommandError as failure:
            failures.append(_report_failure(failure, folder=True))
            continue
        size = path.stat().st_size
        quality = "lossless" if container.quality is None else f"quality {container.quality}"
        _say(
            f"{path}: {container.model}, {container.width}×{container.height} "
            f"(padding {container.padding[0]} bottom, {container.padding[1]} right), "
            f"{container.channels} channels at {container.bits} bits, {container.packing}, "
            f"{container.codec} {quality}; latent: {container.encoder}; "
            f"payload {len(container.payload)} bytes, "
            f"file {size} bytes = {bits_per_pixel(size, container.width, container.height):.4f} bpp"
        )
    return failures[0] if failures else Exit.OK


RUNS = {"encode": run_encode, "decode": run_decode, "info": run_info}


def _encode_jobs(image: Path, out: Path) -> list[tuple[Path, Path]]:
    """(image, .lcf) pairs; refused before any model loads when the paths do not fit."""
    if image.is_dir():
        if out.exists() and not out.is_dir():
            raise CommandError(Exit.USAGE, f"{out}: IMAGE is a folder, so OUT must be a folder")
        sources = _files_in(image, _image_suffixes(), "images")
        targets = [out / f"{source.stem}{SUFFIX}" for source in sources]
        _refuse_collisions(sources, targets)
        return list(zip(sources, targets, strict=True))
    if not image.is_file():
        raise CommandError(Exit.BAD_INPUT, f"{image}: no such file or folder")
    return [(image, out / f"{image.stem}{SUFFIX}" if out.is_dir() else out)]


def _decode_jobs(source: Path, out: Path) -> list[tuple[Path, Path]]:
    if source.is_dir():
        if out.exists() and not out.is_dir():
            raise CommandError(Exit.USAGE, f"{out}: IN is a folder, so OUT must be a folder")
        sources = _files_in(source, {SUFFIX}, f"{SUFFIX} files")
        return [(path, out / f"{path.stem}.png") for path in sources]
    if not source.is_file():
        raise CommandError(Exit.BAD_INPUT, f"{source}: no such file or folder")
    if out.is_dir():
        return [(source, out / f"{source.stem}.png")]
    if out.suffix.lower() != ".png":
        raise CommandError(Exit.USAGE, f"{out}: decode writes PNG; give OUT a .png name")
    return [(source, out)]


def _files_in(folder: Path, suffixes: set[str], kind: str) -> list[Path]:
    """The folder's own files with one of the suffixes (not its subfolders), sorted."""
    files = sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and not path.name.startswith(".") and path.suffix.lower() in suffixes
    )
    if not files:
        raise CommandError(Exit.BAD_INPUT, f"{folder}: holds no {kind}")
    return files


def _image_suffixes() -> set[str]:
    """File name suffixes of the formats Pillow can open."""
    from PIL import Image

    Image.init()
    return {suffix for suffix, kind in Image.registered_extensions().items() if kind in Image.OPEN}


def _refuse_collisions(sources: list[Path], targets: list[Path]) -> None:
    first_source = {}
    for source, target in zip(sources, targets, strict=True):
        if target in first_source:
            raise CommandError(
                Exit.BAD_INPUT,
                f"{first_source[target]} and {source} would both be written to {target}; "
                "rename one of them",
            )
        first_source[target] = source


def _progress(jobs: list, label: str, *, folder: bool):
    """A progress bar on a terminal for folders; the plain list otherwise."""
    if not folder:
        return jobs
    from tqdm import tqdm

    return tqdm(jobs, desc=label, unit="file", disable=None, file=sys.stderr)


def _say(line: str, folder: bool = False) -> None:
    """One result line on stdout, kept clear of a folder's progress bar on stderr."""
    if not folder:
        print(line)
        return
    from tqdm import tqdm

    tqdm.write(line, file=sys.stdout)


def _report_failure(failure: CommandError, folder: bool) -> Exit:
    """In a folder, report and go on; a single file's failure ends the run."""
    if not folder:
        raise failure
    print(f"latentcodec: error: {failure}", file=sys.stderr)
    return failure.status

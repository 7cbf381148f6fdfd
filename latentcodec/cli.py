"""The `latentcodec` command: encode images to `.lcf` files and decode them back to PNG.

A thin shell over the Python API (`latentcodec.api`: `check_settings`, `compress`,
`decompress`), which runs the workflow's own functions (`standalone`, `container`): argument
checks, file and folder handling, progress, and exit statuses a script can rely on (the API's
error kinds, `EXIT_OF`). The API loads each model once per process. Torch is imported only once
a model is about to run, so `--help`, `info` and every refusal of bad arguments stay fast.
"""

from __future__ import annotations

import argparse
import contextlib
import enum
import functools
import inspect
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

from latentcodec import __version__
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
from latentcodec.codecs.container import SUFFIX, read_container
from latentcodec.codecs.image import CODECS, Codec
from latentcodec.codecs.packing import PACKINGS
from latentcodec.errors import LatentCodecError
from latentcodec.io import write_png
from latentcodec.measure.metrics import bits_per_pixel
from latentcodec.models.registry import MODELS
from latentcodec.sources import MIRROR_VARIABLE

log = logging.getLogger(__name__)


class Exit(enum.IntEnum):
    """Exit statuses (listed in `latentcodec --help`)."""

    OK = 0
    INTERNAL = 1  # an uncaught exception: a bug
    USAGE = 2  # argparse's own status, also for settings a codec cannot store
    BAD_INPUT = 3
    UNAVAILABLE = 4
    CANNOT_WRITE = 5


EXIT_STATUS_HELP = """\
exit status:
  0  success
  1  internal error: a bug; please report it with the traceback
  2  usage error: an unknown option, model or codec, or a bit depth, packing or
     quality the codec cannot store (nothing is read or written)
  3  bad input: an input file that is missing, unreadable, not an image, or not a
     valid, complete .lcf file
  4  unavailable: the model's weights cannot be loaded, the device is missing, or a
     file needs a model or codec this installation does not have
  5  an output file cannot be written
  A folder is processed file by file: a bad file is reported and skipped, and the
  status is that of the first file that failed."""


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
        return args.run(args)
    except CommandError as failure:
        hint = f" (see latentcodec {args.command} --help)" if failure.status == Exit.USAGE else ""
        print(f"latentcodec: error: {failure}{hint}", file=sys.stderr)
        return failure.status


def build_parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="latentcodec",
        formatter_class=formatter,
        description=(
            "Store an image as the quantised latent of a pretrained autoencoder, packed into\n"
            "an ordinary image file (PNG, AVIF, JPEG XL, …) inside a small self-describing\n"
            f"{SUFFIX} file, and decode it back to PNG."
        ),
        epilog=f"""\
examples:
  latentcodec encode kodim23.png kodim23{SUFFIX} --model taef2 --codec avif --quality 50
  latentcodec decode kodim23{SUFFIX} kodim23-decoded.png
  latentcodec encode photos/ latents/ --model taef2 --bits 10 --codec png
  latentcodec decode latents/ decoded/
  latentcodec info kodim23{SUFFIX}

{_registry_help()}

Model weights are read from ${MIRROR_VARIABLE} (or --mirror) when set, else downloaded
once into ~/.cache/latentcodec; see docs/configuration.md, "Data and weights".

{EXIT_STATUS_HELP}""",
    )
    parser.add_argument("--version", action="version", version=f"latentcodec {__version__}")
    commands = parser.add_subparsers(
        title="commands",
        dest="command",
        required=True,
        metavar="COMMAND",
        parser_class=functools.partial(argparse.ArgumentParser, formatter_class=formatter),
    )

    encode = commands.add_parser(
        "encode",
        help=f"encode an image (or a folder of images) to {SUFFIX}",
        description=(
            "Encode IMAGE with the model, quantise its latent to --bits bits per channel,\n"
            f"pack the channels into an image and store it with --codec in the {SUFFIX} file\n"
            f"OUT. If IMAGE is a folder, every image in it becomes OUT/<name>{SUFFIX}\n"
            "(the model is loaded once)."
        ),
        epilog=f"""\
examples:
  latentcodec encode kodim23.png kodim23{SUFFIX} --model taef2 --codec png
  latentcodec encode kodim23.png kodim23{SUFFIX} --model taef2 --codec avif --quality 50
  latentcodec encode kodim23.png kodim23{SUFFIX} --model taef2 --codec jxl --quality 80 \\
      --bits 10 --packing planar
  latentcodec encode kodim23.png kodim23{SUFFIX} --model taef2 --codec lac --quality 80

lac codes the (C, h, w) latent itself (no --packing); at a quality below 100 it measures the
decoder's sensitivity per channel (a few backward passes through the decoder, several
times the encoding time) to give each channel its quantisation step, as the workflow does.

{_registry_help()}

{EXIT_STATUS_HELP}""",
    )
    encode.add_argument("image", metavar="IMAGE", type=Path, help="an image file, or a folder")
    encode.add_argument(
        "out", metavar="OUT", type=Path, help=f"the {SUFFIX} file, or a folder for a folder"
    )
    encode.add_argument(
        "--model", required=True, choices=sorted(MODELS), metavar="MODEL", help="see models below"
    )
    encode.add_argument(
        "--bits", type=int, default=8, metavar="B", help="bits per latent sample (default 8)"
    )
    encode.add_argument(
        "--codec", required=True, choices=sorted(CODECS), metavar="CODEC", help="see codecs below"
    )
    encode.add_argument(
        "--quality",
        type=int,
        metavar="Q",
        help="the codec's quality value, on its own scale (see codecs below): required by "
        "lossy codecs, refused by lossless-only ones",
    )
    encode.add_argument(
        "--packing",
        choices=PACKINGS,
        help="latent channels as colour planes (default) or as greyscale tiles; refused by "
        "lac, which codes the (C, h, w) latent itself",
    )
    encode.add_argument(
        "--clip",
        type=float,
        metavar="C",
        help="quantise the scaled latent over the fixed range [-C, C] (values outside are "
        "clipped) instead of each channel's own min/max (default)",
    )
    for option, codecs in _effort_options().items():
        defaults = {codec.name: _default_of(codec, option) for codec in codecs}
        if len(set(defaults.values())) == 1:
            default = f"default {next(iter(defaults.values()))}"
        else:
            default = "defaults " + ", ".join(f"{name} {value}" for name, value in defaults.items())
        encode.add_argument(
            f"--{option}",
            type=int,
            metavar="N",
            help=f"{' and '.join(defaults)} encoder effort ({default}), as the workflow's "
            f"codecs.<codec>.options.{option}; refused by other codecs",
        )
    _add_model_options(encode)
    encode.set_defaults(run=run_encode)

    decode = commands.add_parser(
        "decode",
        help=f"decode a {SUFFIX} file (or a folder of them) to PNG",
        description=(
            f"Decode the {SUFFIX} file IN to the 8-bit RGB PNG OUT, at the original image's\n"
            "size. Model, bit depth, codec and packing are read from the file. If IN is a\n"
            f"folder, every *{SUFFIX} in it becomes OUT/<name>.png."
        ),
        epilog=f"""\
examples:
  latentcodec decode kodim23{SUFFIX} kodim23-decoded.png
  latentcodec decode latents/ decoded/ --device cuda

{EXIT_STATUS_HELP}""",
    )
    decode.add_argument("source", metavar="IN", type=Path, help=f"a {SUFFIX} file, or a folder")
    decode.add_argument("out", metavar="OUT", type=Path, help="the PNG file, or a folder")
    _add_model_options(decode)
    decode.set_defaults(run=run_decode)

    info = commands.add_parser(
        "info",
        help=f"print what {SUFFIX} files hold (no model needed)",
        description=f"Print the header of each {SUFFIX} file: one line per file.",
        epilog=EXIT_STATUS_HELP,
    )
    info.add_argument("files", metavar="FILE", type=Path, nargs="+", help=f"{SUFFIX} files")
    info.set_defaults(run=run_info, verbose=False)
    return parser


def _add_model_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        default="auto",
        help="where the model runs (default auto: CUDA when torch sees a GPU)",
    )
    command.add_argument(
        "--mirror",
        type=Path,
        metavar="DIR",
        help=f"folder with local model weights (default ${MIRROR_VARIABLE})",
    )
    command.add_argument(
        "--threads",
        type=int,
        default=1,
        metavar="N",
        help="torch CPU threads (default 1, as the workflow's model jobs: the float latent's "
        "last bits depend on the thread count, so only then is a file the workflow's, byte "
        "for byte)",
    )
    command.add_argument("-v", "--verbose", action="store_true", help="log each step")


def _effort_options() -> dict[str, list[type[Codec]]]:
    """Each codec option that trades encoding time for bytes, with the codecs that take it."""
    options = {}
    for _, codec in sorted(CODECS.items()):
        if codec.effort_option is not None:
            options.setdefault(codec.effort_option, []).append(codec)
    return dict(sorted(options.items()))


def _default_of(codec: type[Codec], option: str):
    return inspect.signature(codec).parameters[option].default


def _registry_help() -> str:
    """The codecs and models the registries hold, as the help's tables."""
    lines = [
        "codecs (--codec):",
        "  name     bit depths     --packing interleaved   --quality                effort",
    ]
    for name, codec in sorted(CODECS.items()):
        depths = ", ".join(map(str, sorted(codec.bit_depths)))
        planes = {0: "none (C, h, w)", 1: "grey", 3: "RGB", 4: "RGBA"}[codec.interleaved_planes]
        option = codec.effort_option
        effort = f"--{option} {_default_of(codec, option)}" if option else ""
        lines.append(
            f"  {name:<8} {depths:<14} {planes:<23} {codec.quality_scale():<24} {effort}".rstrip()
        )
    lines += ["", "models (--model):"]
    lines += [
        f"  {name:<18} {spec.channels:>2} channels  {spec.description}"
        for name, spec in sorted(MODELS.items())
    ]
    return "\n".join(lines)


def run_encode(args: argparse.Namespace) -> int:
    efforts = {
        option: getattr(args, option)
        for option in _effort_options()
        if getattr(args, option) is not None
    }
    settings = dict(
        model=args.model,
        codec=args.codec,
        bits=args.bits,
        quality=args.quality,
        packing=args.packing,
        clip=args.clip,
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
            f"{container.codec} {quality}; payload {len(container.payload)} bytes, "
            f"file {size} bytes = {bits_per_pixel(size, container.width, container.height):.4f} bpp"
        )
    return failures[0] if failures else Exit.OK


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

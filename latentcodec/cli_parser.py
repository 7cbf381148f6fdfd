"""The `latentcodec` command's arguments and help: its commands, flags, and the tables of
the codecs and models the registries hold (`latentcodec.cli` runs them)."""

from __future__ import annotations

import argparse
import functools
import inspect
from pathlib import Path

from latentcodec import __version__
from latentcodec.codecs.base import Codec
from latentcodec.codecs.container import SUFFIX
from latentcodec.codecs.packing import PACKINGS
from latentcodec.codecs.registry import CODECS, LATENT_CODECS
from latentcodec.models.refinement import DEFAULT_STEPS
from latentcodec.models.registry import MODELS
from latentcodec.sources import MIRROR_VARIABLE

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


def build_parser() -> argparse.ArgumentParser:
    """The command line: encode, decode and info, each with its help."""
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
    _add_encode(commands)
    _add_decode(commands)
    _add_info(commands)
    return parser


def _add_encode(commands) -> None:
    """The encode command."""
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
    _add_setting_options(encode)
    _add_effort_options(encode)
    _add_model_options(encode)


def _add_setting_options(encode: argparse.ArgumentParser) -> None:
    """The flags of a setting: model, bit depth, codec, quality, packing, range."""
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
    encode.add_argument(
        "--refine",
        type=int,
        default=0,
        metavar="STEPS",
        help="search the latent through the fixed decoder for STEPS Adam steps before storing "
        f"it, on the grid the codec receives (0: off, the default; {DEFAULT_STEPS} is the "
        "workflow's; ~3 s a step for a 768×512 image on 2 CPU threads); the file records it",
    )
    encode.add_argument(
        "--rate-steps",
        type=int,
        default=0,
        metavar="STEPS",
        help="lac only: STEPS more Adam steps after --refine's on pixel MSE + λ · lac's "
        "estimated bits, over lac's own grid at --quality (λ follows from it): a smaller file "
        "that decodes closer to the image (0: off, the default)",
    )


def _add_effort_options(encode: argparse.ArgumentParser) -> None:
    """One flag per encoder effort option, with each codec's default."""
    for option, codecs in effort_options().items():
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


def _add_decode(commands) -> None:
    """The decode command."""
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


def _add_info(commands) -> None:
    """The info command: headers only, no model."""
    info = commands.add_parser(
        "info",
        help=f"print what {SUFFIX} files hold (no model needed)",
        description=f"Print the header of each {SUFFIX} file: one line per file.",
        epilog=EXIT_STATUS_HELP,
    )
    info.add_argument("files", metavar="FILE", type=Path, nargs="+", help=f"{SUFFIX} files")
    info.set_defaults(verbose=False)


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


def effort_options() -> dict[str, list[type[Codec]]]:
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
        planes = LATENT_CODECS[name].layout()
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

"""The Python API: store an image as a `.lcf` file, decode it, or read its latent.

    >>> from latentcodec import compress, decompress, load_latent
    >>> result = compress("kodim23.png", "kodim23.lcf", model="taesdxl", codec="avif", quality=50)
    >>> image = decompress("kodim23.lcf")      # (H, W, 3) uint8 RGB
    >>> latent = load_latent("kodim23.lcf")    # (C, h, w) float, no model and no torch

The `latentcodec` command (`latentcodec.cli`) is built on these functions: `encode` calls
`check_settings` once and then `compress` per image, `decode` calls `decompress` per file, so a
file this module writes is the command's, byte for byte, for the same settings (and the
workflow's: both go through `lcf.encode_image`/`store_latent`).

Models load once per process (per model, device and mirror) and torch is imported only when a
model first runs: importing this module, checking settings and `load_latent` stay torch-free.

Every refusal is a `LatentCodecError` whose message names the file (or the setting) and the
problem; its subclass says which kind it is, and the command maps each to an exit status:
`SettingsError` (2), `InputError` (3), `UnavailableError` (4; `ModelLoadError` when the model
itself cannot load), `OutputError` (5).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import inspect
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from latentcodec.codecs.base import LatentCodec
from latentcodec.codecs.container import LatentContainer, read_container, write_container
from latentcodec.codecs.lac import Lac
from latentcodec.codecs.lac_rate import LacRate
from latentcodec.codecs.lcf import (
    check_codec_settings,
    decode_latent,
    encode_image,
    latent_shape,
    read_latent,
    sensitivity_per_integer,
)
from latentcodec.codecs.registry import CODECS, latent_codec_class
from latentcodec.errors import (
    InputError,
    LatentCodecError,
    ModelLoadError,
    OutputError,
    SettingsError,
    UnavailableError,
)
from latentcodec.io import MAX_PIXELS, load_image
from latentcodec.measure.metrics import bits_per_pixel
from latentcodec.models.refinement import Refinement, encoder_description
from latentcodec.models.registry import get_spec
from latentcodec.quantize import Quantized, check_clip, dequantize
from latentcodec.sources import resolve_mirror

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "CompressResult",
    "InputError",
    "ModelLoadError",
    "OutputError",
    "Settings",
    "SettingsError",
    "UnavailableError",
    "check_settings",
    "compress",
    "decompress",
    "load_latent",
]

DEFAULT_MODEL = "taesdxl"
DEFAULT_CODEC = "avif"
DEFAULT_BITS = 8
# torch's CPU threads while a model runs, as the workflow's model jobs: the float latent's last
# bits depend on the thread count, so only then is a file the workflow's, byte for byte.
DEFAULT_THREADS = 1
_DEVICE = re.compile(r"auto|cpu|cuda(:\d+)?|mps")
_ARRAY_LABEL = "image array"


@dataclass(frozen=True)
class Settings:
    """A checked encoding setting: what `compress` stores with (`check_settings`)."""

    model: str
    codec: str
    bits: int
    quality: int | None
    packing: str
    clip: float | None
    refinement: Refinement | None  # None: the encoder's latent as it is
    device: str
    codec_options: tuple[tuple[str, object], ...]  # sorted (name, value) pairs

    def coder(self) -> LatentCodec:
        """The latent codec of this setting, built with its options."""
        return _build_codec(self.codec, self.packing, dict(self.codec_options))


@dataclass(frozen=True)
class CompressResult:
    """What `compress` wrote: the file, its size and bit rate, and the shapes involved."""

    path: Path
    bytes: int  # the whole `.lcf` file, the bytes a bit rate counts
    bpp: float  # `metrics.bits_per_pixel` of the whole file over the original image
    height: int  # of the original image, pixels
    width: int
    latent_shape: tuple[int, int, int]  # (C, h, w) of the stored latent (padded image / scale)
    settings: Settings  # what it was stored with

    def __str__(self) -> str:
        return f"{self.path}: {self.bytes} bytes, {self.bpp:.4f} bpp"


def check_settings(
    *,
    model: str = DEFAULT_MODEL,
    codec: str = DEFAULT_CODEC,
    bits: int = DEFAULT_BITS,
    quality: int | None = None,
    packing: str | None = None,
    clip: float | None = None,
    refine: int = 0,
    rate_steps: int = 0,
    device: str = "auto",
    **codec_options,
) -> Settings:
    """Check an encoding setting without reading any file or loading a model.

    `model`: a name in `models.registry` (`latentcodec encode --help` lists them). `codec`,
    `bits`: the latent codec and the bit depth of the quantised latent. `quality`: the codec's
    own scale: required by lossy codecs, refused by lossless-only ones. `packing`:
    `interleaved` or `planar`; lac takes none. `clip`: quantise the scaled latent over the
    fixed range [−clip, clip] instead of each channel's min/max. `refine`: Adam steps that
    search the latent through the fixed decoder before it is stored, on the grid the codec
    receives (`models.refine`; 0, the default, stores the encoder's latent). `rate_steps`
    (lac only): Adam steps after those on pixel MSE + λ · lac's bits, over lac's own grid at
    this quality, λ following from it (`codecs.lac_rate`). `device`: auto
    (CUDA when torch sees a GPU), cpu, cuda. `codec_options`: the codec's constructor options,
    e.g. AVIF `speed`, JPEG XL `effort`, WebP `method`, PNG `compression`.

    Raises `SettingsError` (naming the setting, as the command's flag: `--bits`, `--speed`, …)
    for a value the model or codec cannot take, `UnavailableError` for a codec this
    installation's libraries lack. `packing` None is the codec's default (`interleaved`, or
    `none` for lac, which codes the latent itself).
    """
    with _as(SettingsError, "--model"):
        get_spec(model)
    with _as(SettingsError, "--codec"):
        codec_class = latent_codec_class(codec)
    if packing is None:
        packing = codec_class.default_packing
    with _as(SettingsError):
        check_codec_settings(codec_class, bits, packing, quality)
    with _as(SettingsError, "--clip"):
        check_clip(clip)
    refinement = _refinement(codec_class, refine, rate_steps, bits, clip)
    _check_run(device)
    _build_codec(codec, packing, codec_options)
    return Settings(
        model=model,
        codec=codec,
        bits=bits,
        quality=quality,
        packing=packing,
        clip=None if clip is None else float(clip),
        refinement=refinement,
        device=device,
        codec_options=tuple(sorted(codec_options.items())),
    )


def compress(
    image: str | os.PathLike | np.ndarray | Image.Image,
    out_path: str | os.PathLike,
    *,
    mirror: str | os.PathLike | None = None,
    threads: int | None = DEFAULT_THREADS,
    **settings,
) -> CompressResult:
    """Encode an image, quantise its latent and store it in the `.lcf` file `out_path`
    (written atomically): the file `latentcodec encode` writes for the same settings, byte for
    byte.

    `image`: a file path (any image Pillow reads; converted to 8-bit RGB as the workflow
    does), an (H, W, 3) uint8 RGB array, or a PIL image. `settings`: the keywords of
    `check_settings` (model, codec, bits, quality, packing, clip, device and the codec's
    options), checked by it before anything is read. `mirror`: a folder of local weights
    (default $LATENTCODEC_MIRROR, else a download cached once). `threads`: torch's CPU threads
    while the model runs (default 1, as the workflow and the command; None leaves torch's
    setting).
    """
    checked = check_settings(**settings)
    _check_run(checked.device, threads)
    coder = checked.coder()
    pixels, label = _pixels(image)
    network = _model(checked.model, checked.device, mirror)
    with _as(InputError, label), _torch_threads(threads):
        container = encode_image(
            network,
            pixels,
            coder=coder,
            bits=checked.bits,
            quality_value=checked.quality,
            clip=checked.clip,
            refine=_refiner(network, checked.refinement, label),
            settle=_rate_refiner(network, checked, label),
        )
    out_path = Path(out_path)
    with _as(OutputError, str(out_path)):
        size = write_container(out_path, container)
    return _result(out_path, size, container, checked)


def decompress(
    path: str | os.PathLike,
    *,
    device: str = "auto",
    mirror: str | os.PathLike | None = None,
    threads: int | None = DEFAULT_THREADS,
) -> np.ndarray:
    """Decode a `.lcf` file to its (H, W, 3) uint8 RGB image, at the original image's size.

    Model, bit depth, codec and packing are read from the file; the file is read and checked
    in full before its model loads. `device`, `mirror`, `threads`: as for `compress`.
    """
    _check_run(device, threads)
    container, latent = read_file(path)
    network = _model(container.model, device, mirror)
    with _as(InputError, str(path)), _torch_threads(threads):
        return decode_latent(network, latent, container)


def load_latent(path: str | os.PathLike) -> np.ndarray:
    """The float latent (C, h, w) a `.lcf` file holds, dequantised (float64), without its
    model and without importing torch: what a pipeline that trains on latents reads.

    It is `quantize.dequantize` of the stored integers: the model's scaled latent of the image
    padded to a multiple of the model's scale (`models.registry.ModelSpec.padding`), h = (H + bottom
    padding) / scale, w likewise; a lossy codec's error is in it.
    """
    _, latent = read_file(path)
    return dequantize(latent)


def read_file(path: str | os.PathLike) -> tuple[LatentContainer, Quantized]:
    """(container, integer latent) of a `.lcf` file, checked against the model it names;
    torch-free. `InputError` for a missing, damaged or invalid file, `UnavailableError` for a
    model or codec this installation lacks; both name the file."""
    with _as(InputError, str(path)):
        container = read_container(path)
    with _as(UnavailableError, str(path)):
        codec_class = latent_codec_class(container.codec)
        spec = get_spec(container.model)
    with _as(InputError, str(path)):
        codec_class.check_packing(container.packing)
    with _as(UnavailableError, str(path)):
        coder = codec_class(container.packing)  # decoding takes no options
    with _as(InputError, str(path)):
        return container, read_latent(container, coder, spec, path)


# Pieces.


@contextlib.contextmanager
def _as(kind: type[LatentCodecError], prefix: str = "") -> Iterator[None]:
    """Re-raise a LatentCodecError (and an OSError) as `kind`, its message prefixed with
    `prefix` (a file, a model or a flag) unless it already starts with it."""
    try:
        yield
    except LatentCodecError as error:
        if isinstance(error, kind):
            raise
        raise kind(_prefixed(prefix, str(error))) from error
    except OSError as error:
        verb = "write" if kind is OutputError else "read"
        raise kind(_prefixed(prefix, f"cannot {verb} ({error.strerror or error})")) from error


def _check_run(device: str, threads: int | None = None) -> None:
    """Refuse a device or thread count the model could not run with."""
    if not isinstance(device, str) or not _DEVICE.fullmatch(device):
        raise SettingsError(f"--device: {device!r} is not auto, cpu, cuda, cuda:N or mps")
    if threads is not None and (
        isinstance(threads, bool) or not isinstance(threads, int) or threads < 0
    ):
        raise SettingsError(
            f"--threads: needs a whole number ≥ 1 (0 or None: torch's own), got {threads!r}"
        )


def _prefixed(prefix: str, message: str) -> str:
    return message if not prefix or message.startswith(prefix) else f"{prefix}: {message}"


def _build_codec(name: str, packing: str, options: dict) -> LatentCodec:
    """The latent codec with its options: an unknown option or a bad value is a
    SettingsError (named as the command's flag), a library this installation lacks an
    UnavailableError."""
    codec_class = CODECS[name]
    accepted = inspect.signature(codec_class).parameters
    for option in options:
        if option not in accepted:
            effort = codec_class.effort_option
            hint = f"its effort option is {effort}" if effort else "it has no effort option"
            raise SettingsError(f"--{option}: {name} takes no {option} option ({hint})")
    with _as(UnavailableError):
        codec_class()  # the defaults are valid: a failure here is the library's
    with _as(SettingsError):  # the message names the codec and the option
        return latent_codec_class(name)(packing, **options)


def _pixels(image) -> tuple[np.ndarray, str]:
    """(H, W, 3) uint8 pixels and a label naming them in messages."""
    if isinstance(image, str | os.PathLike):
        path = Path(image)
        if not path.is_file():
            what = "a folder, not an image file" if path.is_dir() else "no such file"
            raise InputError(f"{path}: {what}")
        with _as(InputError, str(path)):
            return load_image(path, MAX_PIXELS), str(path)
    if isinstance(image, np.ndarray):
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8 or not image.size:
            raise InputError(
                f"{_ARRAY_LABEL}: expected an (H, W, 3) uint8 RGB array, got {image.dtype} "
                f"{image.shape}"
            )
        return np.ascontiguousarray(image), _ARRAY_LABEL
    if _is_pil_image(image):
        label = "PIL image"
        if image.mode == "RGB":
            return np.asarray(image, dtype=np.uint8).copy(), label
        buffer = io.BytesIO()  # any other mode: converted exactly as a file of it would be
        with _as(InputError, label):
            image.save(buffer, format="TIFF")
            return load_image(buffer, MAX_PIXELS, label=label), label
    raise InputError(
        f"image: expected a file path, an (H, W, 3) uint8 array or a PIL image, got "
        f"{type(image).__name__}"
    )


def _is_pil_image(image) -> bool:
    from PIL import Image

    return isinstance(image, Image.Image)


def _result(
    path: Path, size: int, container: LatentContainer, settings: Settings
) -> CompressResult:
    """What `compress` reports of the file it wrote."""
    return CompressResult(
        path=path,
        bytes=size,
        bpp=bits_per_pixel(size, container.width, container.height),
        height=container.height,
        width=container.width,
        latent_shape=latent_shape(container, get_spec(container.model)),
        settings=settings,
    )


def _refinement(codec_class, steps, rate_steps, bits, clip) -> Refinement | None:
    """A setting's checked refinement; None stores the encoder's latent as it is."""
    with _as(SettingsError, "--refine"):
        refinement = Refinement(steps=steps, bits=bits, clip=clip)
    with _as(SettingsError, "--rate-steps"):
        refinement = dataclasses.replace(refinement, rate_steps=rate_steps)
        if rate_steps and codec_class is not Lac:
            raise LatentCodecError(
                f"rate-aware refinement estimates lac's bits; {codec_class.name} has no such "
                "estimate"
            )
    return refinement if steps or rate_steps else None


def _refiner(network, refinement: Refinement | None, label: str):
    """`lcf.encode_image`'s `refine`: the latent searched through the decoder, or None."""
    if refinement is None:
        return None
    from latentcodec.models.refine import refine_latent  # imports torch

    def refine(image: np.ndarray, latent: np.ndarray) -> tuple[np.ndarray, str]:
        if refinement.steps:
            latent = refine_latent(network, image, latent, refinement, label=label).latent
        return latent, encoder_description(refinement)

    return refine


def _rate_refiner(network, checked: Settings, label: str):
    """`lcf.encode_image`'s `settle`: rate-aware refinement of the integers lac stores."""
    if checked.refinement is None or not checked.refinement.rate_steps:
        return None
    from latentcodec.models.refine import refine_latent  # imports torch

    def settle(image, latent, quantized, sensitivity):
        per_integer = sensitivity_per_integer(sensitivity, quantized)
        rate = LacRate(quantized, checked.quality, per_integer)
        stage = checked.refinement.rate_stage()
        refined = refine_latent(network, image, latent, stage, rate=rate, label=label)
        return rate.integers(refined.latent)

    return settle


def _model(name: str, device: str, mirror: str | os.PathLike | None):
    """The loaded model, once per process for each model, device and mirror."""
    with _as(ModelLoadError, f"model {name}"):
        return _cached_model(name, device, resolve_mirror(mirror))


@functools.cache
def _cached_model(name: str, device: str, mirror: Path | None):
    from latentcodec.models.autoencoders import load_model  # imports torch

    return load_model(name, device=device, mirror=mirror)


@contextlib.contextmanager
def _torch_threads(threads: int | None) -> Iterator[None]:
    """torch's CPU thread count set to `threads` while the model runs, then restored."""
    if not threads:
        yield
        return
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)

"""Image codecs that store packed integer latents, behind one interface and one registry.

A codec takes an (H, W, P) integer image whose samples use `bits` bits (uint8 for 8 bits,
uint16 holding 10-, 12- or 16-bit values otherwise) and returns the bytes of a standard
file, which any viewer of that format can open. Each class states the bit depths and plane
counts it can store and its quality scale; `latentcodec.config` checks a config against
these before the workflow starts.

All codecs go through imagecodecs rather than Pillow: Pillow writes 16-bit PNG only as
greyscale, reads 16-bit RGB(A) PNG silently truncated to 8 bits, and its AVIF is 8-bit and
never lossless (see README, "Why these libraries").
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import imagecodecs
import numpy as np

from latentcodec.errors import LatentCodecError


class Codec(ABC):
    """One way of storing an integer image as bytes.

    Subclasses set the class attributes below and implement `_encode` / `_decode`; the base
    class checks the input against them so that no codec is handed data it would store
    wrongly (a library that silently clips or drops bits would give wrong numbers).
    """

    name: ClassVar[str]  # registry key; also the file extension of stored latents
    bit_depths: ClassVar[frozenset[int]]
    planes: ClassVar[frozenset[int]]  # plane counts it stores
    preferred_planes: ClassVar[int]  # the plane count `packing.pack` uses for it
    quality_range: ClassVar[tuple[int, int] | None]  # None: lossless only
    lossless_quality: ClassVar[int | None]  # quality value that means lossless, if any

    def is_lossless(self, quality: int | None) -> bool:
        return self.quality_range is None or quality == self.lossless_quality

    def encode(self, image: np.ndarray, bits: int, quality: int | None = None) -> bytes:
        """Store an (H, W, P) integer image whose samples use `bits` bits."""
        self._check(image, bits, quality)
        return self._encode(image, bits, quality)

    def decode(self, data: bytes) -> np.ndarray:
        """Read back an (H, W, P) integer image."""
        try:
            image = self._decode(data)
        except Exception as error:  # the libraries raise their own error types
            raise LatentCodecError(
                f"{self.name}: cannot decode {len(data)} bytes ({error})"
            ) from error
        return image if image.ndim == 3 else image[:, :, None]

    @staticmethod
    @abstractmethod
    def library() -> str:
        """The library and version that does the coding, for the results' records."""

    @abstractmethod
    def _encode(self, image: np.ndarray, bits: int, quality: int | None) -> bytes: ...

    @abstractmethod
    def _decode(self, data: bytes) -> np.ndarray: ...

    def _check(self, image: np.ndarray, bits: int, quality: int | None) -> None:
        if bits not in self.bit_depths:
            raise LatentCodecError(
                f"{self.name} cannot store {bits}-bit samples "
                f"(supports {', '.join(map(str, sorted(self.bit_depths)))})"
            )
        if image.ndim != 3 or image.shape[2] not in self.planes:
            raise LatentCodecError(
                f"{self.name} stores {sorted(self.planes)}-plane images, got shape {image.shape}"
            )
        expected = np.uint8 if bits <= 8 else np.uint16
        if image.dtype != expected:
            raise LatentCodecError(
                f"{bits}-bit samples must be {np.dtype(expected)}, got {image.dtype}"
            )
        if image.size and int(image.max()) >= 2**bits:
            raise LatentCodecError(f"sample value {int(image.max())} does not fit in {bits} bits")
        if self.quality_range is None:
            if quality is not None:
                raise LatentCodecError(f"{self.name} is lossless only; it takes no quality")
        elif quality is None or not self.quality_range[0] <= quality <= self.quality_range[1]:
            low, high = self.quality_range
            raise LatentCodecError(f"{self.name} quality must be in {low} … {high}, got {quality}")


class Png(Codec):
    """PNG via libpng: lossless; 8-bit, or a 16-bit container for 10/12/16-bit latents."""

    name = "png"
    bit_depths = frozenset({8, 10, 12, 16})
    planes = frozenset({1, 3, 4})
    preferred_planes = 4
    quality_range = None
    lossless_quality = None

    def __init__(self, compression: int = 9):
        _require(imagecodecs.PNG, "PNG")
        self.compression = compression

    @staticmethod
    def library() -> str:
        return f"imagecodecs {imagecodecs.__version__}, {imagecodecs.png_version()}"

    def _encode(self, image, bits, quality):
        return bytes(imagecodecs.png_encode(_squeeze(image), level=self.compression))

    def _decode(self, data):
        return imagecodecs.png_decode(data)


class Avif(Codec):
    """AVIF (AV1 still image) via libavif: 8/10/12-bit, lossy, or lossless at quality 100.

    Planes are coded as 4:4:4 with the identity matrix, so latent channels never pass
    through an RGB→YUV transform or chroma subsampling. Only 3 planes: libavif codes a 4th
    (alpha) plane losslessly at any quality, and 1- or 2-plane images always losslessly.
    """

    name = "avif"
    bit_depths = frozenset({8, 10, 12})
    planes = frozenset({3})
    preferred_planes = 3
    quality_range = (0, 100)
    lossless_quality = 100

    def __init__(self, speed: int = 6):
        _require(imagecodecs.AVIF, "AVIF")
        self.speed = speed

    @staticmethod
    def library() -> str:
        return f"imagecodecs {imagecodecs.__version__}, {imagecodecs.avif_version()}"

    def _encode(self, image, bits, quality):
        return bytes(
            imagecodecs.avif_encode(
                image,
                level=quality,
                speed=self.speed,
                bitspersample=bits,
                pixelformat=imagecodecs.AVIF.PIXEL_FORMAT.YUV444,
                matrix=imagecodecs.AVIF.MATRIX_COEFFICIENTS.IDENTITY,
                numthreads=1,
            )
        )

    def _decode(self, data):
        return imagecodecs.avif_decode(data, numthreads=1)


CODECS: dict[str, type[Codec]] = {codec.name: codec for codec in (Png, Avif)}


def get_codec(name: str, **options) -> Codec:
    """The codec registered as `name`, built with its options (e.g. AVIF `speed`)."""
    try:
        codec_class = CODECS[name]
    except KeyError:
        raise LatentCodecError(
            f"unknown codec {name!r}; known: {', '.join(sorted(CODECS))}"
        ) from None
    return codec_class(**options)


def _require(capability, label: str) -> None:
    if not capability.available:
        raise LatentCodecError(
            f"the installed imagecodecs {imagecodecs.__version__} was built without {label}; "
            "install a build with it (the PyPI wheels have it)"
        )


def _squeeze(image: np.ndarray) -> np.ndarray:
    return image[:, :, 0] if image.shape[2] == 1 else image

"""The two kinds of codec, and the setting checks they share.

An `ImageCodec` stores an (H, W, P) integer image whose samples use `bits` bits (uint8 for
8 bits, uint16 holding 10-, 12- or 16-bit values otherwise) as the bytes of a standard file,
which any viewer of that format can open. A `LatentCodec` stores a (C, h, w) integer latent:
`lac` codes it itself, and the packing adapter (`latentcodec.codecs.latent`) lets any image
codec store it as a mosaic of tiles. Each class states the bit depths, plane or channel counts
and quality scale it takes, and checks a setting against them (`check_bits`,
`check_quality`, and for latent codecs `check_packing`) in one wording, which the config check
(`latentcodec.workflow.config`) prefixes with the config key and the CLI with the flag.

Each class names the option that trades encoding time for bytes (`effort_option`: AVIF
`speed`, JPEG XL `effort`, WebP `method`, PNG `compression`) and its encoder library, so
that a latent codec and a pixel baseline on the same encoder can be held to the same
effort, and each instance's setting is recorded in the table (`effort_setting`).
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import ClassVar

import numpy as np

from latentcodec.errors import LatentCodecError


class Codec(ABC):
    """What every codec declares about the settings it takes, and their checks."""

    name: ClassVar[str]  # registry key; also the file extension of stored files
    bit_depths: ClassVar[frozenset[int]]
    quality_range: ClassVar[tuple[int, int] | None]  # None: takes no quality (lossless only)
    lossless_quality: ClassVar[int | None] = None  # quality value that means lossless, if any
    # The encoder library, so that a latent codec and a pixel baseline on the same encoder can
    # be held to the same effort (`latentcodec.workflow.config`), e.g. latent WebP lossless and
    # WebP.
    encoder: ClassVar[str]
    # The constructor option (also an attribute) that trades encoding time for bytes, e.g.
    # AVIF `speed`; None where the library has no such knob.
    effort_option: ClassVar[str | None] = None

    @property
    def effort_setting(self) -> str:
        """The effort setting as recorded in the results table, e.g. `speed=6`; "" if none."""
        if self.effort_option is None:
            return ""
        return f"{self.effort_option}={getattr(self, self.effort_option)}"

    @classmethod
    def is_lossless(cls, quality_value: int | None) -> bool:
        """Whether this quality value gives back the exact integers (lossless-only codecs:
        always)."""
        return cls.quality_range is None or quality_value == cls.lossless_quality

    @classmethod
    def can_be_lossless(cls) -> bool:
        """Whether some setting of it gives back the exact integers."""
        return cls.quality_range is None or cls.lossless_quality is not None

    @classmethod
    def quality_scale(cls) -> str:
        """Its quality values in words, e.g. "0 … 100, 100 = lossless"."""
        if cls.quality_range is None:
            return "none (lossless only)"
        low, high = cls.quality_range
        lossless = "" if cls.lossless_quality is None else f", {cls.lossless_quality} = lossless"
        return f"{low} … {high}{lossless}"

    # The checks of a setting, one wording each; callers prefix the config key or CLI flag.

    @classmethod
    def check_bits(cls, bits: int) -> None:
        if bits not in cls.bit_depths:
            supported = ", ".join(map(str, sorted(cls.bit_depths)))
            raise LatentCodecError(
                f"{cls.name} cannot store {bits}-bit samples (it supports {supported})"
            )

    @classmethod
    def check_quality(cls, quality_value: int | None) -> None:
        if cls.quality_range is None:
            if quality_value is not None:
                raise LatentCodecError(f"{cls.name} is lossless only; it takes no quality")
            return
        low, high = cls.quality_range
        if quality_value is None or not low <= quality_value <= high:
            given = "" if quality_value is None else f"; got {quality_value}"
            raise LatentCodecError(f"{cls.name} needs a quality in {cls.quality_scale()}{given}")

    @staticmethod
    @abstractmethod
    def library() -> str:
        """The library and version that does the coding, for the results' records."""

    def _check_samples(self, array: np.ndarray, bits: int, quality_value: int | None) -> None:
        """Refuse integers a library would store wrongly (silently clipped or truncated); the
        caller has checked the bit depth and the shape."""
        expected = np.uint8 if bits <= 8 else np.uint16
        if array.dtype != expected:
            raise LatentCodecError(
                f"{bits}-bit samples must be {np.dtype(expected)}, got {array.dtype}"
            )
        if array.size and int(array.max()) >= 2**bits:
            raise LatentCodecError(f"sample value {int(array.max())} does not fit in {bits} bits")
        self.check_quality(quality_value)

    @contextlib.contextmanager
    def _decoding(self, data: bytes) -> Iterator[None]:
        """Any library error while decoding `data` as a LatentCodecError naming the codec."""
        try:
            yield
        except Exception as error:  # the libraries raise their own error types
            raise LatentCodecError(
                f"{self.name}: cannot decode {len(data)} bytes ({error})"
            ) from error


class ImageCodec(Codec):
    """One way of storing an (H, W, P) integer image as bytes.

    Subclasses set the class attributes below and implement `_encode` / `_decode`; `encode`
    checks the input against them so that no codec is handed data it would store wrongly.
    """

    planes: ClassVar[frozenset[int]]  # plane counts it stores
    # Its fullest colour image (4: RGBA, 3: RGB): the planes of a tile when a latent's channels
    # are interleaved (`latentcodec.codecs.latent`).
    interleaved_planes: ClassVar[int]
    # Whether a 4-plane image whose 4th plane is all at the maximum (opaque alpha) decodes as
    # its 3 colour planes: the latent adapter restores the plane.
    drops_opaque_alpha: ClassVar[bool] = False

    @classmethod
    def stores_losslessly(cls, bits: int, planes: int) -> bool:
        """Whether it can store `planes`-plane images of `bits` bits exactly."""
        return cls.can_be_lossless() and bits in cls.bit_depths and planes in cls.planes

    @classmethod
    def check_planes(cls, planes: int) -> None:
        if planes not in cls.planes:
            raise LatentCodecError(
                f"{cls.name} cannot store {planes}-plane images "
                f"(it stores {sorted(cls.planes)}-plane images)"
            )

    def encode(self, image: np.ndarray, bits: int, quality_value: int | None = None) -> bytes:
        """Store an (H, W, P) integer image whose samples use `bits` bits."""
        self.check_bits(bits)
        if image.ndim != 3:
            raise LatentCodecError(
                f"{self.name} stores (H, W, planes) images, got shape {image.shape}"
            )
        self.check_planes(image.shape[2])
        self._check_samples(image, bits, quality_value)
        return self._encode(image, bits, quality_value)

    def decode(self, data: bytes) -> np.ndarray:
        """Read back an (H, W, P) integer image."""
        with self._decoding(data):
            image = self._decode(data)
        return image if image.ndim == 3 else image[:, :, None]

    @abstractmethod
    def _encode(self, image: np.ndarray, bits: int, quality_value: int | None) -> bytes: ...

    @abstractmethod
    def _decode(self, data: bytes) -> np.ndarray: ...


class LatentCodec(Codec):
    """One way of storing a (C, h, w) integer latent as bytes, with a packing (how the
    channels are laid out; `latentcodec.codecs.packing`) that the `.lcf` file records."""

    default_packing: ClassVar[str]  # what a setting that names none gets
    packing: str

    @classmethod
    @abstractmethod
    def check_packing(cls, packing: str) -> None:
        """Refuse a packing it cannot store a latent with."""

    @classmethod
    @abstractmethod
    def layout(cls) -> str:
        """How its default packing lays the latent out, in words (the CLI's codec table)."""

    @classmethod
    def needs_sensitivity(cls, quality_value: int | None) -> bool:
        """Whether `encode` at this quality takes the decoder's per-channel sensitivity (the
        workflow measures it only for such settings)."""
        return False

    @abstractmethod
    def encode(
        self,
        latent: np.ndarray,
        bits: int,
        quality_value: int | None = None,
        sensitivity: np.ndarray | None = None,
    ) -> bytes:
        """Store a (C, h, w) latent of `bits`-bit integers; `sensitivity` (C,), the decoder's
        per integer unit (`lcf.sensitivity_per_integer`), where `needs_sensitivity`."""

    @abstractmethod
    def decode(self, data: bytes, channels: int) -> np.ndarray:
        """Read back the (C, h, w) latent of `channels` channels."""


def integer_option(codec: str, option: str, value: int, low: int, high: int) -> int:
    """A constructor option that must be an integer in low … high, e.g. AVIF `speed`."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise LatentCodecError(
            f"{codec}: {option} must be an integer in {low} … {high}, got {value!r}"
        )
    return value

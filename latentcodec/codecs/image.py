"""Image codecs that store packed integer latents, behind one interface and one registry.

A codec takes an (H, W, P) integer image whose samples use `bits` bits (uint8 for 8 bits,
uint16 holding 10-, 12- or 16-bit values otherwise) and returns the bytes of a standard
file, which any viewer of that format can open. Each class states the bit depths and plane
counts it can store and its quality scale, and checks a setting against them
(`check_bits`, `check_packing`, `check_quality`) in one wording, which the config check
(`latentcodec.workflow.config`) prefixes with the config key and the CLI with the flag.

Latent codecs go through imagecodecs rather than Pillow: Pillow writes 16-bit PNG only as
greyscale, reads 16-bit RGB(A) PNG silently truncated to 8 bits, and its AVIF is 8-bit and
never lossless (see docs/method.md, "Why these libraries"). Pillow serves the pixel-domain JPEG and
WebP baselines, with its defaults, because that is what readers compare with; WebP's `method`
is the exception, since it must equal the latent WebP's (equal encoder effort).

Each class names the option that trades encoding time for bytes (`effort_option`: AVIF
`speed`, JPEG XL `effort`, WebP `method`, PNG `compression`) and its encoder library, so
that a latent codec and a pixel baseline on the same encoder can be held to the same
effort, and each instance's setting is recorded in the table (`effort_setting`).
"""

from __future__ import annotations

import io
import math
import zipfile
import zlib
from abc import ABC, abstractmethod
from typing import ClassVar

import imagecodecs
import numpy as np
import PIL
import PIL.Image

from latentcodec.codecs import lac
from latentcodec.codecs.packing import NO_PACKING, PACKINGS
from latentcodec.codecs.palette import palette_decode, palette_encode
from latentcodec.errors import LatentCodecError


class Codec(ABC):
    """One way of storing an integer image as bytes.

    Subclasses set the class attributes below and implement `_encode` / `_decode`; the base
    class checks the input against them so that no codec is handed data it would store
    wrongly (a library that silently clips or drops bits would give wrong numbers).
    """

    name: ClassVar[str]  # registry key; also the file extension of stored files
    bit_depths: ClassVar[frozenset[int]]
    planes: ClassVar[frozenset[int]]  # plane counts it stores
    interleaved_planes: ClassVar[int]  # planes per tile when latent channels are interleaved
    quality_range: ClassVar[tuple[int, int] | None]  # None: takes no quality (lossless only)
    lossless_quality: ClassVar[int | None] = None  # quality value that means lossless, if any
    # The encoder library, so that a latent codec and a pixel baseline on the same encoder can
    # be held to the same effort (`latentcodec.workflow.config`), e.g. latent WebP lossless and
    # WebP.
    encoder: ClassVar[str]
    # The constructor option (also an attribute) that trades encoding time for bytes, e.g.
    # AVIF `speed`; None where the library has no such knob.
    effort_option: ClassVar[str | None] = None
    # False: the codec takes the (C, h, w) latent itself (any channel count), not a packed
    # (H, W, P) image; its only packing is NO_PACKING.
    packs: ClassVar[bool] = True
    # True: lossy `encode` takes the decoder's per-channel sensitivity per integer unit
    # (`standalone.sensitivity_per_integer`), which the workflow measures for it.
    uses_sensitivity: ClassVar[bool] = False

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
    def stores_losslessly(cls, bits: int, planes: int) -> bool:
        """Whether it can store `planes`-plane images of `bits` bits exactly."""
        lossless_capable = cls.quality_range is None or cls.lossless_quality is not None
        return lossless_capable and bits in cls.bit_depths and planes in cls.planes

    @classmethod
    def planes_for(cls, packing: str) -> int:
        """Planes per tile for a packing: `interleaved` (colour planes) or `planar` (grey)."""
        if not cls.packs:
            raise LatentCodecError(f"{cls.name} codes the (C, h, w) latent itself; no packing")
        return {"interleaved": cls.interleaved_planes, "planar": 1}[packing]

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
    def check_planes(cls, planes: int) -> None:
        if planes not in cls.planes:
            raise LatentCodecError(
                f"{cls.name} cannot store {planes}-plane images "
                f"(it stores {sorted(cls.planes)}-plane images)"
            )

    @classmethod
    def check_packing(cls, packing: str) -> None:
        if not cls.packs:
            if packing != NO_PACKING:
                raise LatentCodecError(
                    f"{cls.name} codes the (C, h, w) latent itself and takes no packing"
                )
            return
        if packing not in PACKINGS:
            raise LatentCodecError(f"unknown packing {packing!r}; known: {', '.join(PACKINGS)}")
        planes = cls.planes_for(packing)
        if planes not in cls.planes:
            raise LatentCodecError(
                f"{cls.name} cannot store {packing} tiles of {planes} plane(s) "
                f"(it stores {sorted(cls.planes)}-plane images)"
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

    def encode(self, image: np.ndarray, bits: int, quality_value: int | None = None) -> bytes:
        """Store an (H, W, P) integer image (a (C, h, w) latent if not `packs`) whose samples
        use `bits` bits."""
        self._check(image, bits, quality_value)
        return self._encode(image, bits, quality_value)

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
    def _encode(self, image: np.ndarray, bits: int, quality_value: int | None) -> bytes: ...

    @abstractmethod
    def _decode(self, data: bytes) -> np.ndarray: ...

    def _check(self, image: np.ndarray, bits: int, quality_value: int | None) -> None:
        self.check_bits(bits)
        if image.ndim != 3:
            raise LatentCodecError(
                f"{self.name} stores "
                f"{'(H, W, planes) images' if self.packs else '(C, h, w) latents'}, "
                f"got shape {image.shape}"
            )
        self.check_planes(image.shape[2] if self.packs else image.shape[0])
        expected = np.uint8 if bits <= 8 else np.uint16
        if image.dtype != expected:
            raise LatentCodecError(
                f"{bits}-bit samples must be {np.dtype(expected)}, got {image.dtype}"
            )
        if image.size and int(image.max()) >= 2**bits:
            raise LatentCodecError(f"sample value {int(image.max())} does not fit in {bits} bits")
        self.check_quality(quality_value)


class Png(Codec):
    """PNG via libpng: lossless; an 8-bit container for 4–8-bit latents (where the bit depth
    the ceiling needs is found), a 16-bit one for 10/12/16-bit latents."""

    name = "png"
    bit_depths = frozenset({4, 5, 6, 7, 8, 10, 12, 16})
    planes = frozenset({1, 3, 4})
    interleaved_planes = 4
    quality_range = None
    encoder = "libpng"
    effort_option = "compression"

    def __init__(self, compression: int = 9):
        _require(imagecodecs.PNG, "PNG")
        self.compression = _in_range("png", "compression", compression, 0, 9)

    @staticmethod
    def library() -> str:
        return f"imagecodecs {imagecodecs.__version__}, {imagecodecs.png_version()}"

    def _encode(self, image, bits, quality_value):
        return bytes(imagecodecs.png_encode(_squeeze(image), level=self.compression))

    def _decode(self, data):
        return imagecodecs.png_decode(data)


class Avif(Codec):
    """AVIF (AV1 still image) via libavif: 8/10/12-bit, lossy, or lossless at quality 100.

    For latents, planes are coded as 4:4:4 with the identity matrix (the defaults), so latent
    channels never pass through an RGB→YUV transform or chroma subsampling. Only 3 planes:
    libavif codes a 4th (alpha) plane losslessly at any quality, and imagecodecs codes 1- or
    2-plane images losslessly whatever the quality. Pixel baselines use `chroma="420"` or
    `"444"` with `matrix="bt601"`, as an ordinary AVIF encoder would.
    """

    name = "avif"
    bit_depths = frozenset({8, 10, 12})
    planes = frozenset({3})
    interleaved_planes = 3
    quality_range = (0, 100)
    lossless_quality = 100
    encoder = "libavif"
    effort_option = "speed"

    def __init__(self, speed: int = 6, chroma: str = "444", matrix: str = "identity"):
        _require(imagecodecs.AVIF, "AVIF")
        formats = {"444": "YUV444", "420": "YUV420"}
        matrices = {"identity": "IDENTITY", "bt601": "BT601"}
        if chroma not in formats or matrix not in matrices:
            raise LatentCodecError(
                f"avif: chroma must be one of {sorted(formats)} and matrix one of "
                f"{sorted(matrices)}, got {chroma!r}, {matrix!r}"
            )
        if matrix == "identity" and chroma != "444":
            raise LatentCodecError("avif: the identity matrix needs chroma 444 (AV1 rule)")
        self.speed = _in_range("avif", "speed", speed, 0, 10)
        self.pixelformat = getattr(imagecodecs.AVIF.PIXEL_FORMAT, formats[chroma])
        self.matrix = getattr(imagecodecs.AVIF.MATRIX_COEFFICIENTS, matrices[matrix])

    @staticmethod
    def library() -> str:
        return f"imagecodecs {imagecodecs.__version__}, {imagecodecs.avif_version()}"

    def _encode(self, image, bits, quality_value):
        lossless = quality_value == self.lossless_quality
        return bytes(
            imagecodecs.avif_encode(
                image,
                level=quality_value,
                speed=self.speed,
                bitspersample=bits,
                # libavif's lossless mode needs 4:4:4 and the identity matrix.
                pixelformat=imagecodecs.AVIF.PIXEL_FORMAT.YUV444 if lossless else self.pixelformat,
                matrix=imagecodecs.AVIF.MATRIX_COEFFICIENTS.IDENTITY if lossless else self.matrix,
                numthreads=1,
            )
        )

    def _decode(self, data):
        return imagecodecs.avif_decode(data, numthreads=1)


class JpegXl(Codec):
    """JPEG XL via libjxl: up to 16 bits, lossless at quality 100, else lossy (`level`).

    Lossy JPEG XL codes three planes in its perceptual XYB space, which mixes them: store
    latents lossy with `planar` packing (greyscale tiles) to keep channels apart.
    """

    name = "jxl"
    bit_depths = frozenset({8, 10, 12, 16})
    planes = frozenset({1, 3, 4})
    interleaved_planes = 4
    quality_range = (0, 100)
    lossless_quality = 100
    encoder = "libjxl"
    effort_option = "effort"

    def __init__(self, effort: int = 7):
        _require(imagecodecs.JPEGXL, "JPEG XL")
        self.effort = _in_range("jxl", "effort", effort, 1, 10)

    @staticmethod
    def library() -> str:
        return f"imagecodecs {imagecodecs.__version__}, {imagecodecs.jpegxl_version()}"

    def _encode(self, image, bits, quality_value):
        lossless = quality_value == self.lossless_quality
        return bytes(
            imagecodecs.jpegxl_encode(
                _squeeze(image),
                level=None if lossless else quality_value,
                lossless=lossless,
                effort=self.effort,
                bitspersample=bits,
                numthreads=1,
            )
        )

    def _decode(self, data):
        return imagecodecs.jpegxl_decode(data, numthreads=1)


class JpegXlDistance(JpegXl):
    """JPEG XL via libjxl, lossy by Butteraugli distance, as the seed study stored the SDXL
    latent (effort 9, distances 0.05 … 1.0). The quality value is the distance in thousandths
    (50 = distance 0.05), since qualities are integers; lossless JPEG XL is `jxl` at 100.
    Like `jxl`, lossy coding mixes three planes in XYB, and a 4th (alpha) plane is stored
    losslessly at any distance (the study's RGBA packing does that)."""

    name = "jxld"
    quality_range = (1, 25000)  # distance 0.001 … 25, libjxl's range
    lossless_quality = None

    def _encode(self, image, bits, quality_value):
        return bytes(
            imagecodecs.jpegxl_encode(
                _squeeze(image),
                distance=quality_value / 1000,
                effort=self.effort,
                bitspersample=bits,
                numthreads=1,
            )
        )


MAX_ARRAY_BYTES = 2**30  # an npz member larger than this is refused before it is inflated


class Npy(Codec):
    """`numpy.save` of the integer image, header included: the naive baseline the seed study
    stored its 8-bit latent with (0.503 bpp for 4 channels). Lossless, no compression."""

    name = "npy"
    bit_depths = frozenset(range(1, 17))
    planes = frozenset(range(1, 0x10000))
    interleaved_planes = 4
    quality_range = None
    encoder = "numpy"

    @staticmethod
    def library() -> str:
        return f"numpy {np.__version__}"

    def _encode(self, image, bits, quality_value):
        buffer = io.BytesIO()
        np.save(buffer, image, allow_pickle=False)
        return buffer.getvalue()

    def _decode(self, data):
        return _npy_image(data)


class Npz(Npy):
    """`numpy.savez_compressed` of the integer image (zlib inside a zip): the seed study's
    other naive baseline. Lossless."""

    name = "npz"

    @staticmethod
    def library() -> str:
        return f"numpy {np.__version__}, zlib {zlib.ZLIB_VERSION}"

    def _encode(self, image, bits, quality_value):
        buffer = io.BytesIO()
        np.savez_compressed(buffer, latent=image)
        return buffer.getvalue()

    def _decode(self, data):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if [member.filename for member in members] != ["latent.npy"]:
                raise ValueError(f"expected one array named latent, found {archive.namelist()}")
            if members[0].file_size > MAX_ARRAY_BYTES:
                raise ValueError(f"its array claims {members[0].file_size} bytes")
            return _npy_image(archive.read(members[0]))


class Jpeg2000(Codec):
    """JPEG 2000 via OpenJPEG: up to 16 bits, reversible (lossless) at quality 100.

    Below 100 the quality is OpenJPEG's `level`, roughly a target PSNR in dB on the declared
    bit depth. The multi-component (colour) transform is off, so planes stay apart.
    """

    name = "j2k"
    bit_depths = frozenset({8, 10, 12, 16})
    planes = frozenset({1, 3, 4})
    interleaved_planes = 4
    quality_range = (1, 100)
    lossless_quality = 100
    encoder = "openjpeg"

    def __init__(self):
        _require(imagecodecs.JPEG2K, "JPEG 2000")

    @staticmethod
    def library() -> str:
        return f"imagecodecs {imagecodecs.__version__}, {imagecodecs.jpeg2k_version()}"

    def _encode(self, image, bits, quality_value):
        lossless = quality_value == self.lossless_quality
        return bytes(
            imagecodecs.jpeg2k_encode(
                _squeeze(image),
                level=None if lossless else quality_value,
                reversible=lossless,
                bitspersample=bits,
                mct=False,
                numthreads=1,
            )
        )

    def _decode(self, data):
        return imagecodecs.jpeg2k_decode(data, numthreads=1)


class WebpLossless(Codec):
    """WebP lossless via libwebp: 8-bit, 3 or 4 planes."""

    name = "webpll"
    bit_depths = frozenset({8})
    planes = frozenset({3, 4})
    interleaved_planes = 4
    quality_range = None
    encoder = "libwebp"
    effort_option = "method"

    def __init__(self, method: int = 6):
        _require(imagecodecs.WEBP, "WebP")
        self.method = _in_range("webpll", "method", method, 0, 6)

    @staticmethod
    def library() -> str:
        return f"imagecodecs {imagecodecs.__version__}, {imagecodecs.webp_version()}"

    def _encode(self, image, bits, quality_value):
        return bytes(imagecodecs.webp_encode(image, lossless=True, method=self.method))

    def _decode(self, data):
        return imagecodecs.webp_decode(data)


class Palette(Codec):
    """Bühlmann's palette + Floyd–Steinberg dithering (`latentcodec.codecs.palette`); quality =
    colours."""

    name = "palette"
    bit_depths = frozenset({8})
    planes = frozenset({3, 4})
    interleaved_planes = 4
    quality_range = (2, 256)
    encoder = "palette"

    @staticmethod
    def library() -> str:
        return f"Pillow {PIL.__version__} (quantize, Floyd–Steinberg), zlib {zlib.ZLIB_VERSION}"

    def _encode(self, image, bits, quality_value):
        return palette_encode(image, colours=quality_value)

    def _decode(self, data):
        return palette_decode(data)


class Lac(Codec):
    """`lac`, the latent-native codec (`latentcodec.codecs.lac`): codes the (C, h, w) integer latent
    itself with a per-image context model and range coding; 100 = lossless.

    `encode` takes the decoder's per-channel sensitivity (pixel MSE per unit of noise on the
    b-bit integers, `standalone.sensitivity_per_integer`) for lossy quality: channel steps
    ∝ 1/√sensitivity; uniform when None. The steps used are in the file."""

    name = "lac"
    bit_depths = frozenset(range(1, 17))
    planes = frozenset(range(1, 0x10000))  # channel counts (C of the (C, h, w) latent)
    interleaved_planes = 0  # unused: lac takes no packing
    quality_range = (1, 100)
    lossless_quality = lac.LOSSLESS_QUALITY
    encoder = "lac"
    packs = False
    uses_sensitivity = True

    @staticmethod
    def library() -> str:
        return lac.library()

    def encode(
        self,
        image: np.ndarray,
        bits: int,
        quality: int | None = None,
        sensitivity: np.ndarray | None = None,
    ) -> bytes:
        """Code a (C, h, w) latent; `sensitivity` (C,) sets the lossy channel steps."""
        self._check(image, bits, quality)
        return lac.encode(image, bits, quality, sensitivity)

    def _encode(self, image, bits, quality):
        return lac.encode(image, bits, quality)

    def _decode(self, data):
        return lac.decode(data)[0]


class PillowCodec(Codec):
    """Pixel-domain baselines through Pillow, with its defaults (what a reader compares with)."""

    format: ClassVar[str]
    bit_depths = frozenset({8})
    planes = frozenset({3})
    interleaved_planes = 3

    @staticmethod
    def library() -> str:
        return f"Pillow {PIL.__version__}"

    def _save_options(self) -> dict:
        """Pillow save options besides the quality."""
        return {}

    def _encode(self, image, bits, quality_value):
        buffer = io.BytesIO()
        PIL.Image.fromarray(image, mode="RGB").save(
            buffer, format=self.format, quality=quality_value, **self._save_options()
        )
        return buffer.getvalue()

    def _decode(self, data):
        with PIL.Image.open(io.BytesIO(data)) as decoded:
            return np.asarray(decoded.convert("RGB"))


class Jpeg(PillowCodec):
    """JPEG (libjpeg via Pillow): its defaults, 4:2:0 chroma subsampling, no optimisation."""

    name = "jpeg"
    format = "JPEG"
    quality_range = (1, 100)
    encoder = "libjpeg"


class Webp(PillowCodec):
    """Lossy WebP (libwebp via Pillow), its defaults but for `method` (0 fast … 6 slowest,
    smallest; Pillow's default is 4): it defaults to 6, the latent WebP lossless default, so
    that a config naming both without options keeps equal encoder effort."""

    name = "webp"
    format = "WEBP"
    quality_range = (0, 100)
    encoder = "libwebp"
    effort_option = "method"

    def __init__(self, method: int = 6):
        self.method = _in_range("webp", "method", method, 0, 6)

    def _save_options(self) -> dict:
        return {"method": self.method}


CODECS: dict[str, type[Codec]] = {
    codec.name: codec
    for codec in (
        Png,
        Avif,
        JpegXl,
        JpegXlDistance,
        Jpeg2000,
        WebpLossless,
        Palette,
        Lac,
        Npy,
        Npz,
        Jpeg,
        Webp,
    )
}


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


def _in_range(codec: str, option: str, value: int, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise LatentCodecError(
            f"{codec}: {option} must be an integer in {low} … {high}, got {value!r}"
        )
    return value


def _npy_image(data: bytes) -> np.ndarray:
    """The integer image of `.npy` bytes, its header checked before any array is made: 2-D or
    3-D, unsigned 8 or 16 bits, exactly as many bytes as the shape needs (a forged shape
    would otherwise make numpy allocate it)."""
    stream = io.BytesIO(data)
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(stream)
    else:
        shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(stream)
    if len(shape) not in (2, 3) or dtype not in (np.uint8, np.uint16) or fortran_order:
        raise ValueError(f"holds a {dtype} array of shape {shape}, not an image")
    body = memoryview(data)[stream.tell() :]
    if len(body) != math.prod(shape) * dtype.itemsize:
        raise ValueError(f"{len(body)} bytes of data for an array of shape {shape}")
    return np.frombuffer(body, dtype).reshape(shape).astype(dtype.newbyteorder("="))


def _squeeze(image: np.ndarray) -> np.ndarray:
    return image[:, :, 0] if image.shape[2] == 1 else image

"""Image codecs: an (H, W, P) integer image to the bytes of a standard file and back.

Latent codecs go through imagecodecs rather than Pillow: Pillow writes 16-bit PNG only as
greyscale, reads 16-bit RGB(A) PNG silently truncated to 8 bits, and its AVIF is 8-bit and
never lossless (see docs/method.md, "Why these libraries"). The pixel-domain baselines that
go through Pillow are in `latentcodec.codecs.pixel`; the interface and the checks every codec
shares are in `latentcodec.codecs.base`.
"""

from __future__ import annotations

import io
import math
import zipfile
import zlib

import imagecodecs
import numpy as np
import PIL

from latentcodec.codecs.base import ImageCodec, integer_option
from latentcodec.codecs.palette import palette_decode, palette_encode
from latentcodec.errors import LatentCodecError


class ImagecodecsCodec(ImageCodec):
    """A codec of the imagecodecs build: which library it is, whether this build has it and
    its version, all from one name."""

    backend: str  # imagecodecs' name of the library's bindings: png, avif, jpegxl, …

    def __init__(self):
        build_flag = self.backend.upper()  # imagecodecs.AVIF, imagecodecs.JPEGXL, …
        if not getattr(imagecodecs, build_flag).available:
            raise LatentCodecError(
                f"the installed imagecodecs {imagecodecs.__version__} was built without "
                f"{build_flag}; install a build with it (the PyPI wheels have it)"
            )

    @classmethod
    def library(cls) -> str:
        version = getattr(imagecodecs, f"{cls.backend}_version")()
        return f"imagecodecs {imagecodecs.__version__}, {version}"


class Png(ImagecodecsCodec):
    """PNG via libpng: lossless; an 8-bit container for 4–8-bit latents (where the bit depth
    the ceiling needs is found), a 16-bit one for 10/12/16-bit latents."""

    name = "png"
    backend = "png"
    bit_depths = frozenset({4, 5, 6, 7, 8, 10, 12, 16})
    planes = frozenset({1, 3, 4})
    interleaved_planes = 4
    quality_range = None
    encoder = "libpng"
    effort_option = "compression"

    def __init__(self, compression: int = 9):
        super().__init__()
        self.compression = integer_option("png", "compression", compression, 0, 9)

    def _encode(self, image, bits, quality_value):
        return bytes(imagecodecs.png_encode(_squeeze(image), level=self.compression))

    def _decode(self, data):
        return imagecodecs.png_decode(data)


class Avif(ImagecodecsCodec):
    """AVIF (AV1 still image) via libavif: 8/10/12-bit, lossy, or lossless at quality 100.

    For latents, planes are coded as 4:4:4 with the identity matrix (the defaults), so latent
    channels never pass through an RGB→YUV transform or chroma subsampling. Only 3 planes:
    libavif codes a 4th (alpha) plane losslessly at any quality, and imagecodecs codes 1- or
    2-plane images losslessly whatever the quality. Pixel baselines use `chroma="420"` or
    `"444"` with `matrix="bt601"`, as an ordinary AVIF encoder would.
    """

    name = "avif"
    backend = "avif"
    bit_depths = frozenset({8, 10, 12})
    planes = frozenset({3})
    interleaved_planes = 3
    quality_range = (0, 100)
    lossless_quality = 100
    encoder = "libavif"
    effort_option = "speed"

    def __init__(self, speed: int = 6, chroma: str = "444", matrix: str = "identity"):
        super().__init__()
        formats = {"444": "YUV444", "420": "YUV420"}
        matrices = {"identity": "IDENTITY", "bt601": "BT601"}
        if chroma not in formats or matrix not in matrices:
            raise LatentCodecError(
                f"avif: chroma must be one of {sorted(formats)} and matrix one of "
                f"{sorted(matrices)}, got {chroma!r}, {matrix!r}"
            )
        if matrix == "identity" and chroma != "444":
            raise LatentCodecError("avif: the identity matrix needs chroma 444 (AV1 rule)")
        self.speed = integer_option("avif", "speed", speed, 0, 10)
        self.pixelformat = getattr(imagecodecs.AVIF.PIXEL_FORMAT, formats[chroma])
        self.matrix = getattr(imagecodecs.AVIF.MATRIX_COEFFICIENTS, matrices[matrix])

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


class JpegXl(ImagecodecsCodec):
    """JPEG XL via libjxl: up to 16 bits, lossless at quality 100, else lossy (`level`).

    Lossy JPEG XL codes three planes in its perceptual XYB space, which mixes them: store
    latents lossy with `planar` packing (greyscale tiles) to keep channels apart.
    """

    name = "jxl"
    backend = "jpegxl"
    bit_depths = frozenset({8, 10, 12, 16})
    planes = frozenset({1, 3, 4})
    interleaved_planes = 4
    quality_range = (0, 100)
    lossless_quality = 100
    encoder = "libjxl"
    effort_option = "effort"

    def __init__(self, effort: int = 7):
        super().__init__()
        self.effort = integer_option("jxl", "effort", effort, 1, 10)

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


class Npy(ImageCodec):
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


class Jpeg2000(ImagecodecsCodec):
    """JPEG 2000 via OpenJPEG: up to 16 bits, reversible (lossless) at quality 100.

    Below 100 the quality is OpenJPEG's `level`, roughly a target PSNR in dB on the declared
    bit depth. The multi-component (colour) transform is off, so planes stay apart.
    """

    name = "j2k"
    backend = "jpeg2k"
    bit_depths = frozenset({8, 10, 12, 16})
    planes = frozenset({1, 3, 4})
    interleaved_planes = 4
    quality_range = (1, 100)
    lossless_quality = 100
    encoder = "openjpeg"

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


class WebpLossless(ImagecodecsCodec):
    """WebP lossless via libwebp: 8-bit, 3 or 4 planes."""

    name = "webpll"
    backend = "webp"
    bit_depths = frozenset({8})
    planes = frozenset({3, 4})
    interleaved_planes = 4
    quality_range = None
    encoder = "libwebp"
    effort_option = "method"
    drops_opaque_alpha = True  # libwebp does not store an alpha plane of only 255s

    def __init__(self, method: int = 6):
        super().__init__()
        self.method = integer_option("webpll", "method", method, 0, 6)

    def _encode(self, image, bits, quality_value):
        return bytes(imagecodecs.webp_encode(image, lossless=True, method=self.method))

    def _decode(self, data):
        return imagecodecs.webp_decode(data)


class Palette(ImageCodec):
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

"""The packing adapter: any image codec as a latent codec.

The (C, h, w) latent's channels become one mosaic of tiles (`latentcodec.codecs.packing`):
`interleaved` takes the image codec's colour planes per tile (RGBA for PNG, RGB for AVIF),
`planar` makes each channel a greyscale tile. The image codec stores the mosaic as an
ordinary image file, and reading it back unpacks the channels. The registry
(`latentcodec.codecs.registry`) makes one adapter class per image codec (`over`), so that the
class answers for its setting as any latent codec's does.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from latentcodec.codecs.base import ImageCodec, LatentCodec
from latentcodec.codecs.packing import PACKINGS, pack, unpack
from latentcodec.errors import LatentCodecError

INTERLEAVED, PLANAR = PACKINGS
PLANE_NAMES = {1: "grey", 3: "RGB", 4: "RGBA"}


class PackedLatentCodec(LatentCodec):
    """A latent stored as a mosaic of tiles by the image codec `image_codec`."""

    image_codec: ClassVar[type[ImageCodec]]
    default_packing = INTERLEAVED

    @classmethod
    def over(cls, image_codec: type[ImageCodec]) -> type[PackedLatentCodec]:
        """The adapter class of one image codec class: its name, bit depths, quality scale
        and encoder are the image codec's."""
        shared = ("name", "bit_depths", "quality_range", "lossless_quality", "encoder")
        attributes = {attribute: getattr(image_codec, attribute) for attribute in shared}
        attributes |= {"image_codec": image_codec, "effort_option": image_codec.effort_option}
        return type(f"Packed{image_codec.__name__}", (cls,), attributes)

    def __init__(self, packing: str = INTERLEAVED, **options):
        """`options`: the image codec's own, e.g. AVIF `speed`."""
        self.check_packing(packing)
        self.packing = packing
        self.image = self.image_codec(**options)
        self.planes = self.tile_planes(packing)

    @property
    def effort_setting(self) -> str:
        return self.image.effort_setting

    @classmethod
    def library(cls) -> str:
        return cls.image_codec.library()

    @classmethod
    def tile_planes(cls, packing: str) -> int:
        """Planes per tile: the image codec's colour planes when `interleaved`, 1 (grey) when
        `planar`."""
        return {INTERLEAVED: cls.image_codec.interleaved_planes, PLANAR: 1}[packing]

    @classmethod
    def layout(cls) -> str:
        return PLANE_NAMES[cls.tile_planes(cls.default_packing)]

    @classmethod
    def check_packing(cls, packing: str) -> None:
        if packing not in PACKINGS:
            raise LatentCodecError(f"unknown packing {packing!r}; known: {', '.join(PACKINGS)}")
        planes = cls.tile_planes(packing)
        if planes not in cls.image_codec.planes:
            raise LatentCodecError(
                f"{cls.name} cannot store {packing} tiles of {planes} plane(s) "
                f"(it stores {sorted(cls.image_codec.planes)}-plane images)"
            )

    def encode(self, latent, bits, quality_value=None, sensitivity=None):
        if sensitivity is not None:
            raise LatentCodecError(f"{self.name} takes no sensitivity")
        return self.image.encode(pack(latent, self.planes), bits, quality_value)

    def decode(self, data: bytes, channels: int) -> np.ndarray:
        mosaic = self.image.decode(data)
        if self.image.drops_opaque_alpha and self.planes == 4 and mosaic.shape[2] == 3:
            opaque = np.full((*mosaic.shape[:2], 1), np.iinfo(mosaic.dtype).max, mosaic.dtype)
            mosaic = np.concatenate([mosaic, opaque], axis=2)
        return unpack(mosaic, channels, self.planes)

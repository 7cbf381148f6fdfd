"""One point of the sweep, named once: the `Setting` every job stores or decodes at and every
row of metrics.csv is measured at (`latentcodec.workflow.rows`), and the `StoredFile` a user
keeps for one image at it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from latentcodec.codecs.packing import NO_PACKING
from latentcodec.routes import DIRECT_ENCODER, NO_ENCODER, latent_route
from latentcodec.tables import NO_CODEC, PIXEL_BITS, PIXEL_MODEL, QUANTIZED_QUALITY


@dataclass(frozen=True, kw_only=True)
class Setting:
    """A model's latents stored one way: the encoder that made them (`direct`, or a
    refinement's label), their bit depth, the packing, the codec at a quality (its label in
    paths and the table, and the codec's own number; None where the codec takes none) and
    the encoder effort the codec runs at (`Codec.effort_setting`)."""

    model: str
    encoder: str = DIRECT_ENCODER
    bits: int
    packing: str
    codec: str
    quality: str
    quality_value: int | None = None
    effort: str = ""

    @property
    def route(self) -> str:
        """The model and its encoder as one name, the folder of its files (`latent_route`)."""
        return latent_route(self.model, self.encoder)

    @classmethod
    def quantized(cls, model: str, bits: int, encoder: str = DIRECT_ENCODER) -> Setting:
        """The integer latent decoded as it is, without a codec."""
        return cls._uncoded(model, encoder, bits, QUANTIZED_QUALITY)

    @classmethod
    def float_latent(cls, model: str, precision: str, encoder: str = DIRECT_ENCODER) -> Setting:
        """The float latent decoded as it is at a float precision (float32: the ceiling)."""
        return cls._uncoded(model, encoder, 8 * np.dtype(precision).itemsize, precision)

    @classmethod
    def _uncoded(cls, model: str, encoder: str, bits: int, quality: str) -> Setting:
        return cls(
            model=model, encoder=encoder, bits=bits, packing=NO_PACKING, codec=NO_CODEC,
            quality=quality,
        )  # fmt: skip

    @classmethod
    def pixel(cls, name: str, quality_value: int, effort: str) -> Setting:
        """A pixel baseline (`name`, its label in the config) at one quality value."""
        return cls(
            model=PIXEL_MODEL,
            encoder=NO_ENCODER,
            bits=PIXEL_BITS,
            packing=NO_PACKING,
            codec=name,
            quality=f"q{quality_value}",
            quality_value=quality_value,
            effort=effort,
        )


@dataclass(frozen=True)
class StoredFile:
    """What a user keeps for one image at one setting (`compressed` names it)."""

    compressed: str
    bytes: int  # its size: the `.lcf` or pixel file, or the raw array of an uncoded latent
    side_bytes: int  # of `bytes`, those that are not the codec's own (header, ranges, CRC)
    exact: bool  # whether it gives back exactly what was stored (integers, float32, pixels)
    quantizer: str  # the range its integers were quantised over; NO_QUANTIZER without any
    clipped: float  # the share of latent values that range clipped; NaN without integers

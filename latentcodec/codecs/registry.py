"""Every codec by the name the config, the CLI and the `.lcf` file use.

`CODECS` holds each codec's own class: the image codecs (which also serve as pixel
baselines) and the latent codecs that code the latent themselves (`NATIVE_LATENT_CODECS`:
lac). `LATENT_CODECS` holds, for the same names, what stores a (C, h, w) latent: lac itself,
or the image codec behind the packing adapter (`latentcodec.codecs.latent`). Callers ask
those classes about a setting (`check_packing`, `default_packing`, `needs_sensitivity`) and
never the kind of codec.
"""

from __future__ import annotations

from latentcodec.codecs import image, pixel
from latentcodec.codecs.base import Codec, ImageCodec, LatentCodec
from latentcodec.codecs.lac import Lac
from latentcodec.codecs.latent import PackedLatentCodec
from latentcodec.errors import LatentCodecError

IMAGE_CODECS: dict[str, type[ImageCodec]] = {
    codec.name: codec
    for codec in (
        image.Png,
        image.Avif,
        image.JpegXl,
        image.JpegXlDistance,
        image.Jpeg2000,
        image.WebpLossless,
        image.Palette,
        image.Npy,
        image.Npz,
        pixel.Jpeg,
        pixel.Webp,
    )
}
NATIVE_LATENT_CODECS: dict[str, type[LatentCodec]] = {Lac.name: Lac}
CODECS: dict[str, type[Codec]] = {**IMAGE_CODECS, **NATIVE_LATENT_CODECS}
LATENT_CODECS: dict[str, type[LatentCodec]] = {
    **{name: PackedLatentCodec.over(codec) for name, codec in IMAGE_CODECS.items()},
    **NATIVE_LATENT_CODECS,
}


def get_codec(name: str, **options) -> Codec:
    """The codec registered as `name`, built with its options (e.g. AVIF `speed`)."""
    return _registered(CODECS, name)(**options)


def latent_codec_class(name: str) -> type[LatentCodec]:
    """What stores a latent as `name`: it answers for a setting before any is built."""
    return _registered(LATENT_CODECS, name)


def latent_codec(name: str, packing: str, **options) -> LatentCodec:
    """The latent codec that stores a (C, h, w) latent as `name` with `packing`, built with
    the codec's options."""
    return latent_codec_class(name)(packing, **options)


def image_codec_class(name: str) -> type[ImageCodec]:
    """The image codec registered as `name`; a latent codec is refused (it stores no image)."""
    if name in NATIVE_LATENT_CODECS:
        raise LatentCodecError(f"{name} codes latents, not RGB images")
    return _registered(IMAGE_CODECS, name)


def _registered(registry: dict, name: str):
    try:
        return registry[name]
    except KeyError:
        raise LatentCodecError(
            f"unknown codec {name!r}; known: {', '.join(sorted(CODECS))}"
        ) from None

"""latentcodec: store diffusion-VAE latents with ordinary image codecs and measure the cost.

The package holds all the logic of the Snakemake workflow beside it, in wings that each hold
one kind of thing (docs/development.md draws them): `models` (the autoencoders and their
weights), `codecs` (quantisation, packing, image and latent codecs, the `.lcf` file),
`measure` (PSNR, SSIM, MS-SSIM, SSIMULACRA2, Butteraugli), `workflow` (the config, the
Experiment the rules ask, one step per job), `analysis` (DataFrames from the results table)
and `report` (Markdown, sentences, figures); `errors`, `io`, `sources`, `quantize`, `routes` and
`tables` are the ground every wing stands on, the API and the command the top.

Importing the package does not import torch: only the modules that run a model do
(`models.autoencoders`, with `taesd`, `tiling` and `device`, and `models.refine`), and only the
jobs that run a model import those; `measure.metrics.msssim` imports it on first use.

The Python API (`latentcodec.api`, docs/api.md) is exported here: `compress` an image to a
`.lcf` file, `decompress` it, `load_latent` for training on latents. It is imported on first
use, so `import latentcodec` stays cheap; the API itself imports torch only when a model runs.
"""

from latentcodec.errors import LatentCodecError

__version__ = "0.1.0"

_API = ("CompressResult", "compress", "decompress", "load_latent")

__all__ = ["LatentCodecError", "__version__", *_API]


def __getattr__(name: str):
    """`compress`, `decompress`, `load_latent`, `CompressResult`: from `latentcodec.api`."""
    if name in _API:
        from latentcodec import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})

"""latentcodec: store diffusion-VAE latents with ordinary image codecs and measure the cost.

The package holds all the logic of the Snakemake workflow beside it: datasets and model
weights (`datasets`, `sources`, `models`), quantisation and channel packing (`quantize`,
`packing`), the codecs (`codecs`), metrics and tables (`metrics`, `tables`), figures
(`plots`) and the per-job steps the workflow's scripts call (`pipeline`).

Importing the package does not import torch: only the modules that run a model do
(`autoencoders`, and `taesd` and `tiling`, which only `autoencoders` imports), and only the
jobs that run a model import those; `metrics.msssim` imports it on first use.

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

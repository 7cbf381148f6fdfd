"""latentcodec: store diffusion-VAE latents with ordinary image codecs and measure the cost.

The package holds all the logic of the Snakemake workflow beside it: datasets and model
weights (`datasets`, `sources`, `models`), quantisation and channel packing (`quantize`,
`packing`), the codecs (`codecs`), metrics and tables (`metrics`, `tables`), figures
(`plots`) and the per-job steps the workflow's scripts call (`pipeline`).

Importing the package does not import torch: only the modules that run a model do
(`autoencoders`, and `taesd` and `tiling`, which only `autoencoders` imports), and only the
jobs that run a model import those; `metrics.msssim` imports it on first use.
"""

from latentcodec.errors import LatentCodecError

__version__ = "0.1.0"

__all__ = ["LatentCodecError", "__version__"]

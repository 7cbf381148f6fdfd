"""latentcodec: store diffusion-VAE latents with ordinary image codecs and measure the cost.

The package holds all the logic of the Snakemake workflow beside it: datasets and model
weights (`datasets`, `sources`, `models`), quantisation and channel packing (`quantize`,
`packing`), the codecs (`codecs`), metrics and tables (`metrics`, `tables`), figures
(`plots`) and the per-job steps the workflow's scripts call (`pipeline`).

Importing the package does not import torch: only `models` and `taesd` do, and only the
jobs that run a model import those.
"""

from latentcodec.errors import LatentCodecError

__version__ = "0.1.0"

__all__ = ["LatentCodecError", "__version__"]

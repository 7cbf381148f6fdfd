"""How a latent becomes bytes and back, with no model and no torch: the quantised latent's
file between the workflow's jobs (`quantized_file`; the grid is the ground's `quantize`),
channel packing (`packing`), the codecs (`base`: image codecs that store packed planes and
latent codecs that take the (C, h, w) latent; `image`, `pixel`, `latent`, `lac`, `palette`;
one `registry`), and the self-contained `.lcf` file (`container`, `lcf`)."""

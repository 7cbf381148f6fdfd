"""How a latent becomes bytes and back, with no model and no torch: quantisation
(`quantize`), channel packing (`packing`), the codecs (image codecs that store packed planes,
latent codecs that take the (C, h, w) latent: `lac`), and the self-contained `.lcf` file
(`container`, `lcf`)."""

"""How a latent becomes bytes and back, with no model and no torch: quantisation
(`quantize`, and `quantized_file`, the file between the workflow's jobs), channel packing
(`packing`), the codecs (`base`: image codecs that store packed planes and latent codecs that
take the (C, h, w) latent; `image`, `pixel`, `latent`, `lac`, `palette`; one `registry`), and
the self-contained `.lcf` file (`container`, `lcf`)."""

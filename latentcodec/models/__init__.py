"""The latent autoencoders: which exist (`registry`), how their weights are found and loaded
(`autoencoders`, with `taesd` and `tiling`). Only `autoencoders` imports torch, and only the
jobs that run a model import it."""

"""The latent autoencoders: which exist (`registry`), how their weights are found and loaded
(`autoencoders`, with `taesd`, `tiling` and `device`). Only those import torch, and only the
jobs that run a model import them."""

"""The latent autoencoders: which exist (`registry`), how their weights are found and loaded
(`autoencoders`, with `taesd`, `tiling` and `device`), and the latent searched through a fixed
decoder (`refinement`: its settings, torch-free; `refine`: the search). Only `autoencoders`,
`taesd`, `tiling`, `device` and `refine` import torch, and only the jobs that run a model import
them."""

"""The TAESD-family networks (latentcodec.models.taesd) against the published weights."""

import pytest
import torch

from latentcodec.models.taesd import build_decoder, build_encoder


@pytest.mark.parametrize("part", ["encoder", "decoder"])
def test_taef2_module_keys_match_the_published_weights_exactly(mirror, part):
    state = torch.load(
        mirror / "models" / "taef2" / f"taef2_{part}.pth", map_location="cpu", weights_only=True
    )
    build = build_encoder if part == "encoder" else build_decoder
    assert set(build(32, global_norm=True).state_dict()) == set(state)

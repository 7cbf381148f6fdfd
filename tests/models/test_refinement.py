"""Refinement settings: their checks and their one-line description, torch-free."""

import math

import pytest

from latentcodec.errors import LatentCodecError
from latentcodec.models.refinement import (
    DEFAULT_STEPS,
    DIRECT_ENCODER,
    Refinement,
    encoder_description,
)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"steps": -1}, "steps must be a whole number ≥ 0, got -1"),
        ({"steps": 2.5}, "steps must be a whole number"),
        ({"steps": True}, "steps must be a whole number"),
        ({"learning_rate": 0}, "learning rate must be a number > 0, got 0"),
        ({"learning_rate": -0.1}, "learning rate must be a number > 0"),
        ({"learning_rate": math.inf}, "learning rate must be finite"),
        ({"schedule": "linear"}, "schedule must be one of constant, cosine"),
        ({"loss": "l1"}, "loss must be one of mse, msssim"),
        ({"bits": 17}, "bits must be 1 … 16 or None"),
        ({"clip": -1.0}, "clip must be a positive number"),
        ({"rate_steps": -2}, "rate steps must be a whole number ≥ 0, got -2"),
        ({"rate_steps": 3, "loss": "msssim"}, "rate steps add lac's bits to the pixel MSE"),
        ({"rate_steps": 3, "bits": None}, "need the mse loss and a bit depth"),
    ],
)
def test_bad_settings_are_refused_with_what_is_wrong(changes, message):
    with pytest.raises(LatentCodecError, match=f"^refinement: .*{message}"):
        Refinement(**changes)


def test_the_description_names_every_setting():
    text = Refinement(steps=30, learning_rate=0.01, schedule="constant", bits=10, clip=4.0)
    assert text.describe() == "refined mse 30 steps lr 0.01 constant, 10-bit clip4 grid"
    assert Refinement(bits=None).describe().endswith(", float grid")
    assert Refinement().describe().isascii() and f"{DEFAULT_STEPS} steps" in Refinement().describe()


def test_the_rate_stage_is_described_and_runs_with_its_own_steps():
    refinement = Refinement(steps=20, rate_steps=8, learning_rate=0.01)
    assert refinement.describe() == (
        "refined mse 20 steps lr 0.01 constant, 8-bit minmax grid, then 8 steps mse+lac rate"
    )
    assert refinement.rate_stage() == Refinement(steps=8, learning_rate=0.01)
    assert encoder_description(Refinement(steps=0, rate_steps=2)).endswith("2 steps mse+lac rate")


def test_no_refinement_and_zero_steps_are_the_direct_encoder():
    assert encoder_description(None) == encoder_description(Refinement(steps=0)) == DIRECT_ENCODER
    assert encoder_description(Refinement(steps=3)).startswith("refined mse 3 steps")

import math

import pytest

from latentcodec.analysis.bitdepth import bitdepth_gain_table
from tests.helpers import synthetic_frame


def test_bitdepth_gain_is_per_extra_bit_and_against_the_ceiling():
    gain = bitdepth_gain_table(synthetic_frame()).set_index("bitdepth")
    assert math.isnan(gain.loc[8, "gain_db"])
    assert gain.loc[12, "gain_db"] == pytest.approx(0.1)
    assert gain.loc[12, "gain_per_bit_db"] == pytest.approx(0.025)
    assert gain.loc[8, "gap_to_ceiling_db"] == pytest.approx(0.1)

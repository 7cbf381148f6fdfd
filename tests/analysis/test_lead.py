"""The lead model's table (latentcodec.analysis.lead): each setting beside pixel AVIF at equal
PSNR."""

import pytest

from latentcodec.analysis.bootstrap import Bootstrap
from latentcodec.analysis.lead import lead_table
from latentcodec.errors import LatentCodecError
from tests.helpers import results


def test_the_lead_table_names_a_missing_model_or_baseline():
    with pytest.raises(LatentCodecError, match="lead_model: 'taesd3'"):
        lead_table(results(), "taesd3", {}, ["avif444"], Bootstrap(1000, 0))
    with pytest.raises(LatentCodecError, match=r"avif420"):
        lead_table(results(), "taesdxl", {}, ["avif420"], Bootstrap(1000, 0))

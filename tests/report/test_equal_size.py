import pytest

from latentcodec.analysis.equal_size import equal_size_summary
from latentcodec.report.equal_size import equal_size_markdown
from tests.helpers import pairs


def test_only_matched_pairs_count_and_the_unmatched_are_counted():
    row = equal_size_summary(pairs()).iloc[0]
    assert (row["pairs"], row["unmatched"]) == (3, 1)
    assert row["latent_ssimulacra2"] == pytest.approx(50.0)
    assert row["pixel_ssimulacra2"] == pytest.approx(50.0)
    assert row["latent_better_ssimulacra2"] == pytest.approx(1 / 3)
    assert row["latent_better_psnr"] == 0.0
    assert "| taesdxl | avif | 8 | jpeg | 3 (1) | 0.400 | 50.0 / 50.0 | 33% |" in (
        equal_size_markdown(equal_size_summary(pairs()))
    )

import pandas as pd
import pytest

from latentcodec.equal_bytes import equal_bytes_markdown, equal_bytes_table


def pairs():
    """Four taesdxl pairs against JPEG (one unmatched), latent better in one of the three."""
    return pd.DataFrame(
        {
            "model": "taesdxl", "codec": "avif", "bitdepth": 8, "baseline": "jpeg",
            "bpp": [0.2, 0.4, 0.6, 0.8], "size_ratio": [1.01, 0.98, 1.0, 2.2],
            "size_mismatch": [False, False, False, True],
            "ssimulacra2": [40.0, 50.0, 60.0, 90.0], "pixel_ssimulacra2": [30.0, 55.0, 65.0, 10.0],
            "psnr": [25.0, 27.0, 29.0, 40.0], "pixel_psnr": [26.0, 28.0, 30.0, 20.0],
        }
    )  # fmt: skip


def test_only_matched_pairs_count_and_the_unmatched_are_counted():
    row = equal_bytes_table(pairs()).iloc[0]
    assert (row["pairs"], row["unmatched"]) == (3, 1)
    assert row["latent_ssimulacra2"] == pytest.approx(50.0)
    assert row["pixel_ssimulacra2"] == pytest.approx(50.0)
    assert row["latent_better_ssimulacra2"] == pytest.approx(1 / 3)
    assert row["latent_better_psnr"] == 0.0
    assert "| taesdxl | avif | 8 | jpeg | 3 (1) | 0.400 | 50.0 / 50.0 | 33% |" in (
        equal_bytes_markdown(equal_bytes_table(pairs()))
    )

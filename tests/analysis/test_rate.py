"""Rate-aware lac's searches summarised (latentcodec.analysis.rate, report.rate)."""

import pandas as pd
import pytest

from latentcodec.analysis.rate import RATE_SUMMARY, rate_summary, read_rate_tables
from latentcodec.report.rate import rate_summary_markdown, write_rate_summary
from latentcodec.tables import write_csv


def searches(quality: str, estimates: list[float]) -> pd.DataFrame:
    """One setting's table: images whose payload is 1000 bits, the search halving the loss."""
    return pd.DataFrame(
        {
            "model": "taef2", "encoder": "rated", "image": [f"kodim0{i}" for i in range(1, 4)],
            "bitdepth": 8, "quality": quality, "weight": 1e-9, "loss_start": 0.002,
            "loss_end": 0.001, "estimated_bits": estimates, "payload_bits": 1000,
        }
    )  # fmt: skip


def test_the_summary_gives_the_median_and_the_largest_error_with_its_sign(tmp_path):
    paths = []
    for quality, estimates in (("q30", [999.0, 1001.0, 990.0]), ("q50", [1000.0] * 3)):
        paths.append(tmp_path / f"{quality}.csv")
        write_csv(searches(quality, estimates), paths[-1])
    frame = rate_summary(read_rate_tables(paths))
    assert list(frame.columns) == list(RATE_SUMMARY.columns)
    summary = frame.set_index("quality")
    assert summary.loc["q30", "estimate_error_median"] == pytest.approx(-0.1)
    assert summary.loc["q30", "estimate_error_max"] == pytest.approx(-1.0)
    assert summary.loc["q50", "estimate_error_max"] == 0
    assert summary["loss_change_mean"].tolist() == pytest.approx([-50.0, -50.0])
    assert (summary["images"] == 3).all()
    write_rate_summary(paths, tmp_path / "rate_search.csv", tmp_path / "rate_search.md")
    text = (tmp_path / "rate_search.md").read_text()
    assert "| `taef2` | rated | 8 | q30 | 3 | -0.100 | -1.000 | -50.0 |" in text
    assert text == rate_summary_markdown(rate_summary(read_rate_tables(paths)))

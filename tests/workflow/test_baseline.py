"""The pixel baselines (latentcodec.workflow.baseline): rows with the perceptual columns."""

from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from latentcodec.tables import read_table
from latentcodec.workflow.baseline import pixel_baseline
from tests.helpers import PERCEPTUAL_COLUMNS, image_pair


@pytest.mark.parametrize("metrics", [[], ["ssimulacra2", "butteraugli"]])
def test_pixel_baseline_rows_carry_the_perceptual_columns(tool, tmp_path, metrics, caplog):
    """One row per image at the job's quality, with the perceptual columns asked for; the job's
    log says how far it has come after each image (speed 0 takes seconds an image)."""
    caplog.set_level("INFO", logger="latentcodec.workflow.baseline")
    sources = []
    for seed in (0, 1):
        original, _ = image_pair(0, shape=(40, 56, 3), seed=seed)
        sources.append(tmp_path / f"img{seed}.png")
        Image.fromarray(original).save(sources[-1])
    tables = {}
    for value in (20, 90):
        tables[value] = tmp_path / f"q{value}" / "metrics.csv"
        pixel_baseline(
            sources=sources,
            compressed=tmp_path / f"q{value}" / "compressed",
            recons=tmp_path / f"q{value}" / "recon",
            table=tables[value],
            name="jpeg",
            codec="jpeg",
            quality_value=value,
            perceptual_metrics=metrics,
        )
    rows = pd.concat([read_table(table) for table in tables.values()], ignore_index=True)
    assert rows["quality"].tolist() == ["q20", "q20", "q90", "q90"]
    assert "jpeg q90: 2 of 2 images stored and measured" in caplog.text
    assert (rows["model"] == "none").all() and (rows["channels"] == 3).all()
    stored = Path(rows["compressed"].iloc[0])
    assert stored == tmp_path / "q20" / "compressed" / "img0.jpeg"
    assert stored.stat().st_size == rows["bytes"].iloc[0]
    if not metrics:
        assert rows[PERCEPTUAL_COLUMNS].isna().all().all()
        return
    assert rows[PERCEPTUAL_COLUMNS].notna().all().all()
    by_quality = rows.groupby("quality_value")[PERCEPTUAL_COLUMNS].mean()
    assert by_quality.loc[90, "ssimulacra2"] > by_quality.loc[20, "ssimulacra2"]
    assert by_quality.loc[90, "butteraugli"] < by_quality.loc[20, "butteraugli"]
    recon = Path(rows["recon"].iloc[0])
    assert recon.is_file()

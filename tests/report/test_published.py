import numpy as np
import pandas as pd
import pytest

from latentcodec.analysis.published import PUBLISHED, published_bd_table
from latentcodec.errors import LatentCodecError
from latentcodec.report.published import published_bd_markdown, write_published_bdrate
from latentcodec.tables import COLUMNS, write_table
from tests.analysis.test_published import _run
from tests.helpers import IMAGES


def test_curves_that_do_not_overlap_get_no_number_and_a_note(published):
    best = {"model": "taesdxl", "codec": "jxl", "bitdepth": 8, "packing": "interleaved"}
    result = published_bd_table(_run(published), published, pixel_codecs=[], best=best)
    assert result["bd_rate"].isna().all()
    assert result["note"].str.contains("do not overlap").sum() == len(result) - 1  # ELIC MS-SSIM
    text = published_bd_markdown(result, anchor="avif444", best=best | {"bd_rate_psnr": 12.0})
    assert "| VTM | standard | — | — |" in text
    assert "`taesdxl` `jxl` 8-bit interleaved" in text and "+12.0 %" in text
    assert "do not overlap" in text


def test_the_workflow_step_writes_both_tables_and_refuses_a_partial_run(tmp_path, published):
    frame = _run(published)
    for column in set(COLUMNS) - set(frame.columns):  # columns the BD-rates do not read
        frame[column] = ""
    frame["encoder"] = frame["encoder"].where(frame["model"] == "none", "direct")
    write_table(frame, tmp_path / "metrics.csv")
    pd.DataFrame(
        {
            "model": ["taesdxl", "taesdxl"], "codec": ["avif", "jxl"], "bitdepth": 8,
            "packing": "interleaved", "anchor": "avif444", "bd_rate_psnr": [100.0, np.nan],
            "latent_anchor": "avif", "points": 4, "images": 24, "resamples": 1000, "seed": 0,
            "bd_psnr": [-2.0, np.nan], "bd_rate_latent": np.nan, "note": "",
        }
    ).to_csv(tmp_path / "bdrate.csv", index=False)  # fmt: skip
    outputs = {"csv": tmp_path / "published_bdrate.csv", "markdown": tmp_path / "out.md"}
    write_published_bdrate(
        tmp_path / "metrics.csv", tmp_path / "bdrate.csv", **outputs,
        dataset="kodak", pixel_codecs=["avif444"],
    )  # fmt: skip
    table = pd.read_csv(outputs["csv"])
    assert set(table["curve"]) == {"avif444", "taesdxl avif 8-bit interleaved"}
    text = outputs["markdown"].read_text()
    assert text.count("\n| ") == 1 + len(PUBLISHED)  # the header row and one per curve
    assert "| VTM | standard | +0.0 | +0.0 | +100.0 | +100.0 |" in text
    assert "| ELIC | learned |" in text and "against the run's anchor `avif444`" in text
    partial = frame[frame["image"].isin(IMAGES[:2])]
    write_table(partial, tmp_path / "partial.csv")
    with pytest.raises(LatentCodecError, match="all 24 Kodak images; this run measured 2"):
        write_published_bdrate(
            tmp_path / "partial.csv", tmp_path / "bdrate.csv", **outputs,
            dataset="kodak", pixel_codecs=["avif444"],
        )  # fmt: skip

import math

import pandas as pd
import pytest

from latentcodec.analysis.bootstrap import Bootstrap
from latentcodec.analysis.readoff import NEVER
from latentcodec.analysis.seed_study import (
    STUDY_LABEL,
    read_published,
    real_vae_against_pixels,
    side_by_side,
)
from latentcodec.errors import LatentCodecError
from latentcodec.report.seed_study import seed_study_markdown, write_seed_study
from latentcodec.tables import write_table
from tests.analysis.test_seed_study import PIXELS, _table, run, study


def test_a_level_above_every_pixel_quality_is_never_and_a_missing_family_no_data():
    published = study()
    published.loc[published["setting"] == "fp32", "psnr"] += 20  # 48 dB: past every curve
    frame = run(published)
    frame = frame[frame["codec"] != "jpeg"]
    versus = real_vae_against_pixels(frame, Bootstrap(1000, 0), published=published)
    table = versus.set_index(["setting", "family"])
    assert table.loc[("fp32", "avif"), "pixel_status"] == NEVER
    assert math.isnan(table.loc[("fp32", "avif"), "bpp_ratio"])
    assert (table.xs("jpeg", level="family")["pixel_status"] == "no data").all()
    text = seed_study_markdown(side_by_side(frame, published=published), versus, pd.DataFrame())
    assert "| never | — |" in text and "not run" in text


def test_the_markdown_has_the_section_the_study_label_the_bounds_and_the_lead_point():
    published = study()
    frame = run(published)
    side = side_by_side(frame, published=published)
    versus = real_vae_against_pixels(frame, Bootstrap(1000, 0), published=published)
    text = seed_study_markdown(side, versus, pd.DataFrame())
    assert "## The seed study, side by side" in text
    assert STUDY_LABEL in text and "published numbers" in text
    assert "mdahlgrengadd/dva305-report" in text and "references/README.md" in text
    assert "Not in this run (study numbers only): `jxl_d1.0`" in text
    assert "| `jxl_ll8` | jxl lossless 8-bit | 3 | 0.800 | 0.840 | 1.05× |" in text
    assert "≥ " in text  # jxl_d0.5 against JPEG: a pixel rate at its lowest point
    assert "`jxl_ll8`, JPEG XL lossless: 0.800 bpp at 30.00 dB" in text
    assert "2.0× (" in text and "the bytes of AVIF (avif444)" in text
    assert "take 0.95 to 1.05× the study's bytes" in text and "it is close" in text
    assert "1.00 dB below the real VAE's" in text
    assert "costs the real VAE 0.10 dB and `taesdxl` 0.10 dB" in text


def test_the_markdown_warns_when_the_run_did_not_quantise_as_the_study():
    frame = run()
    frame.loc[frame["quantizer"] == "clip4", "quantizer"] = "minmax"
    side = side_by_side(frame, published=study())
    assert "quantised with minmax, not the study's clip4" in seed_study_markdown(
        side, pd.DataFrame(), pd.DataFrame()
    )


def test_the_workflow_step_writes_the_four_files_for_a_full_kodak_run(tmp_path):
    metrics = tmp_path / "metrics.csv"
    write_table(_table(run(read_published())), metrics)
    names = ("side.csv", "pixels.csv", "space.csv", "seed_study.md")
    outputs = [tmp_path / name for name in names]
    options = {
        "model": "taesdxl", "bootstrap": {"resamples": 1000, "seed": 0},
        "baselines": {name: name[:4] for name in PIXELS},
    }  # fmt: skip
    write_seed_study(metrics, *outputs, dataset="kodak", **options)
    side = pd.read_csv(outputs[0]).set_index("setting")
    assert side.loc["jxl_ll8", "images"] == 24
    assert side.loc["jxl_ll8", "bpp_ours_over_study"] == pytest.approx(1.05)
    assert side.loc["jxl_ll8", "psnr_correlation"] == pytest.approx(1.0)
    pixels = pd.read_csv(outputs[1])
    assert set(pixels["family"]) == {"avif", "webp", "jpeg"}
    space = pd.read_csv(outputs[2])
    assert space["model"].tolist() == ["sdxl-vae"] and space["codec"].tolist() == ["jxl"]
    text = outputs[3].read_text(encoding="utf-8")
    assert "## The seed study, side by side" in text
    assert "| sdxl-vae (seed study, published) | SDXL | 4 | 27.19 | 8 | jxl 8-bit |" in text
    with pytest.raises(LatentCodecError, match="24 Kodak images"):
        write_seed_study(metrics, *outputs, dataset="kodak-max512", **options)

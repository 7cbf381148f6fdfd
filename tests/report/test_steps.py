import math

import pandas as pd

from latentcodec.analysis.bdrate import bd_table
from latentcodec.analysis.operating_points import operating_points
from latentcodec.report.bdrate import bd_markdown
from latentcodec.report.steps import POINT_OUTPUTS, write_findings_tables
from latentcodec.tables import write_table
from tests.helpers import curve, results, twice_the_pixel_rate

TABLE_OUTPUTS = {  # the `tables` rule's outputs → file names
    "summary": "summary.md", "bdrate_csv": "bd.csv", "bdrate_markdown": "bd.md",
    "psnr_csv": "p.csv", "psnr_markdown": "p.md", "msssim_csv": "m.csv", "msssim_markdown": "m.md",
    "ssimulacra2_csv": "s.csv", "ssimulacra2_markdown": "s.md", "bitdepth_gain": "gain.csv",
    "lead_csv": "lead.csv", "lead_markdown": "lead.md", "spaces_csv": "spaces.csv",
    "spaces_markdown": "spaces.md", "spaces_figure": "spaces.png",
}  # fmt: skip


def tables_frame() -> pd.DataFrame:
    """Two models, each with its quantised latent decoded (`results`), the lead model's 8 bits
    within 0.05 dB of its ceiling."""
    return pd.concat(
        [
            results(noise=0.5),
            *(
                pd.DataFrame(curve(model, "none", [("quantized", 4.0, 37.95)], packing="none"))
                for model in ("taesdxl", "taef2")
            ),
        ],
        ignore_index=True,
    ).assign(exact=lambda rows: rows["exact"] | (rows["quality"] == "quantized"))


def write_tables(tmp_path, frame: pd.DataFrame, **options) -> dict:
    """Every table of `frame` as the `tables` rule writes them, under tmp_path; their paths."""
    metrics = tmp_path / "metrics.csv"
    write_table(frame, metrics)
    output = {name: tmp_path / file for name, file in TABLE_OUTPUTS.items()}
    settings = {
        "anchor": "avif444", "latent_anchor": "avif",
        "bootstrap": {"resamples": 1000, "seed": 0}, "lead_model": "taesdxl",
        "lead_settings": {"png": ["lossless"], "avif": ["low", "medium", "high"]},
        "pixel_codecs": ["avif444"],
    } | options  # fmt: skip
    write_findings_tables(metrics, output, **settings)
    return output


def test_the_tables_step_writes_every_output_of_the_tables_rule(tmp_path):
    output = write_tables(tmp_path, tables_frame())
    assert all(path.stat().st_size > 0 for path in output.values())
    assert set(POINT_OUTPUTS) == {"psnr", "msssim_db", "ssimulacra2"}
    assert "(1000 resamples, seed 0)" in output["psnr_markdown"].read_text()
    assert output["lead_markdown"].read_text().startswith("taesdxl (SDXL latent space)")


def test_without_ssimulacra2_scores_the_perceptual_table_says_so(tmp_path):
    frame = twice_the_pixel_rate().drop(columns="ssimulacra2")
    assert operating_points(frame, "ssimulacra2").empty
    assert bd_table(frame, "avif444")["bd_rate_ssimulacra2"].isna().all()
    assert "SSIMULACRA2" not in bd_markdown(bd_table(frame, "avif444"))
    output = write_tables(
        tmp_path, frame.assign(ssimulacra2=math.nan), lead_settings={"avif": ["q1"]}
    )  # not measured
    assert "No SSIMULACRA2 scores" in output["ssimulacra2_markdown"].read_text()
    points = pd.read_csv(output["ssimulacra2_csv"])
    assert points.empty and "bpp_ratio_low" in points
    assert "(1000 resamples, seed 0)" in output["psnr_markdown"].read_text()

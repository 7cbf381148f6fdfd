import math

import pandas as pd

from latentcodec.report.findings import write_findings
from tests.helpers import pairs
from tests.report.test_steps import tables_frame, write_tables


def test_findings_lead_with_the_sdxl_space_and_fill_every_number_from_the_tables(tmp_path):
    tables = write_tables(tmp_path, tables_frame())
    metrics = tmp_path / "metrics.csv"
    pairs().to_csv(tmp_path / "pairs.csv", index=False)
    channels = tmp_path / "taef2" / "channels.csv"
    channels.parent.mkdir()
    pd.DataFrame(
        {"channel": [0, 1], "bitdepth": [8, 8], "entropy_bits": [1.0, 3.0],
         "png_share": [0.25, 0.75]}
    ).to_csv(channels, index=False)  # fmt: skip
    entropy = tmp_path / "entropy.csv"
    pd.DataFrame(
        {"model": "taef2", "bitdepth": 8, "kind": ["bound"] * 3 + ["codec"],
         "name": ["histogram", "med", "linear", "png"], "codec": ["none"] * 3 + ["png"],
         "images": 2, "bits_per_value": [3.4, 3.0, 2.5, math.nan], "bpp": [1.6, 1.5, 1.2, 1.9]}
    ).to_csv(entropy, index=False)  # fmt: skip
    output = tmp_path / "findings.md"
    write_findings(
        metrics=metrics, lead=tables["lead_csv"], spaces=tables["spaces_csv"],
        points={"psnr": tables["psnr_csv"], "msssim_db": tables["msssim_csv"],
                "ssimulacra2": tables["ssimulacra2_csv"]},
        bdrate=tables["bdrate_csv"], pairs=tmp_path / "pairs.csv",
        bitdepth_gain=tables["bitdepth_gain"], entropy=entropy, channels=[channels],
        figures=["figures/rd.png", "figures/latent_spaces.png"], output=output,
        dataset="kodak", run="demo",
    )  # fmt: skip
    text = output.read_text()
    answer = text.split("## Answer")[1].split("##")[0]
    assert answer.lstrip().startswith("- **SDXL latent space** (`taesdxl`")
    # 30 dB is the pixel grid's lowest point: the pixel rate is an upper bound, the ratio a floor
    assert "Stored with avif: low 8-bit 1.000 bpp, 8.00 dB below the ceiling, ≥ 2.0×" in answer
    assert "`taesdxl` (4 ch)" in answer and "`taef2` (32 ch)" in answer
    assert (
        "The widest latent space (32 channels: taef2) costs more bytes than the narrowest "
        "(4 channels: taesdxl)" in answer
    )
    assert "**At equal bytes** (`taesdxl`" in answer and "jpeg: latent higher in 33%" in answer
    assert "8-bit quantisation already comes within 0.050 dB of the `taesdxl` ceiling" in text
    assert "channel 1 takes 75.0% of the bytes" in text
    assert "## How many bits the latents carry" in text and "| taef2 | 8 | 3.400 | 1.600 |" in text
    assert "## BD-rates against the pixel anchor and against latent AVIF" in text
    assert "## Operating points on SSIMULACRA2 (perceptual)" in text
    assert "LPIPS" in text and "distilled stand-in" in text
    assert "nan" not in text

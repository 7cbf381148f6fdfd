import pandas as pd

from latentcodec.analysis.bitdepth import write_bitdepth_gain
from latentcodec.analysis.compare import write_bd_tables
from latentcodec.analysis.lead import write_lead_table
from latentcodec.analysis.operating_points import write_operating_points
from latentcodec.analysis.spaces import write_latent_spaces
from latentcodec.report.findings import write_findings
from latentcodec.tables import write_table
from tests.helpers import curve, pairs, results


def test_findings_lead_with_the_sdxl_space_and_fill_every_number_from_the_tables(tmp_path):
    frame = pd.concat(
        [
            results(noise=0.5),
            *(
                pd.DataFrame(curve(model, "none", [("quantized", 4.0, 37.95)], packing="none"))
                for model in ("taesdxl", "taef2")
            ),
        ],
        ignore_index=True,
    ).assign(exact=lambda rows: rows["exact"] | (rows["quality"] == "quantized"))
    metrics = tmp_path / "metrics.csv"
    write_table(frame, metrics)
    files = {name: tmp_path / name for name in ("p.csv", "p.md", "m.csv", "m.md", "s.csv", "s.md")}
    write_operating_points(metrics, *files.values(), resamples=1000, seed=0)
    write_bitdepth_gain(metrics, tmp_path / "gain.csv")
    write_bd_tables(metrics, tmp_path / "bd.csv", tmp_path / "bd.md", "avif444")
    write_lead_table(
        metrics, tmp_path / "lead.csv", tmp_path / "lead.md", model="taesdxl",
        settings={"png": ["lossless"], "avif": ["low", "medium", "high"]},
        pixel_codecs=["avif444"], resamples=1000, seed=0,
    )  # fmt: skip
    spaces = [tmp_path / name for name in ("spaces.csv", "spaces.md", "spaces.png")]
    write_latent_spaces(files["p.csv"], files["s.csv"], tmp_path / "gain.csv", *spaces)
    pairs().to_csv(tmp_path / "pairs.csv", index=False)
    channels = tmp_path / "taef2" / "channels.csv"
    channels.parent.mkdir()
    pd.DataFrame(
        {"channel": [0, 1], "bitdepth": [8, 8], "entropy_bits": [1.0, 3.0],
         "png_share": [0.25, 0.75]}
    ).to_csv(channels, index=False)  # fmt: skip
    entropy = tmp_path / "entropy.md"
    entropy.write_text("| model | bound |\n|---|---|\n| taef2 | 3.4 |\n")
    output = tmp_path / "findings.md"
    write_findings(
        metrics=metrics, lead=tmp_path / "lead.csv", spaces=spaces[0],
        points={"psnr": files["p.csv"], "msssim_db": files["m.csv"],
                "ssimulacra2": files["s.csv"]},
        bdrate=tmp_path / "bd.csv", pairs=tmp_path / "pairs.csv",
        bitdepth_gain=tmp_path / "gain.csv", entropy=entropy, channels=[channels],
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
    assert "## How many bits the latents carry" in text and "| taef2 | 3.4 |" in text
    assert "## Operating points on SSIMULACRA2 (perceptual)" in text
    assert "LPIPS" in text and "distilled stand-in" in text
    assert "nan" not in text

import pandas as pd
import pytest

from latentcodec.errors import LatentCodecError
from latentcodec.routes import latent_route, route_model
from latentcodec.tables import (
    COLUMNS,
    aggregate,
    read_routes,
    read_table,
    routes_of,
    summarize,
    write_table,
)


def row(image="kodim01", codec="png", bits=8, quality="lossless", psnr=30.0, bpp=1.0,
        encoder="direct"):  # fmt: skip
    return {
        "image": image, "model": "taef2", "encoder": encoder, "bitdepth": bits,
        "packing": "interleaved",
        "codec": codec, "quality": quality, "quality_value": None, "effort": "", "bytes": 100,
        "side_bytes": 8, "bpp": bpp, "psnr": psnr, "ssim": 0.9, "msssim": 0.95,
        "ssimulacra2": 70.0, "butteraugli": 2.0, "butteraugli_3norm": 1.0,
        "latent_mse": 0.1, "latent_psnr": 40.0, "exact": True, "width": 8, "height": 8,
        "channels": 32, "source": "s.png", "compressed": "c.png", "recon": "r.png",
        "quantizer": "clip4", "clipped": 0.001,
    }  # fmt: skip


def test_tables_round_trip_with_fixed_columns_and_full_precision(tmp_path):
    path = tmp_path / "t.csv"
    rows = [row("kodim02", psnr=1 / 3), row("kodim01")]
    write_table(rows, path)
    table = read_table(path)
    assert list(table.columns) == COLUMNS
    assert list(table["image"]) == ["kodim01", "kodim02"]
    assert table["psnr"].iloc[1] == 1 / 3
    assert table["quantizer"].tolist() == ["clip4", "clip4"] and table["clipped"].iloc[0] == 0.001
    assert not list(tmp_path.glob(".*tmp"))


def test_aggregate_refuses_the_same_row_twice(tmp_path):
    for name in ("a", "b"):
        write_table([row()], tmp_path / f"{name}.csv")
    with pytest.raises(LatentCodecError, match="duplicate rows"):
        aggregate([tmp_path / "a.csv", tmp_path / "b.csv"], tmp_path / "all.csv")


def test_a_refined_route_is_its_own_setting_and_the_analysis_reads_it_as_one_name(tmp_path):
    """The table keeps model and encoder apart; `read_routes` joins them for the analysis."""
    write_table([row(encoder="refined"), row()], tmp_path / "a.csv")
    aggregate([tmp_path / "a.csv"], tmp_path / "all.csv")
    assert read_table(tmp_path / "all.csv")["encoder"].tolist() == ["direct", "refined"]
    routes = read_routes(tmp_path / "all.csv")
    assert routes["model"].tolist() == ["taef2", "taef2+refined"]
    assert routes_of(routes, "taef2") == ["taef2", "taef2+refined"]


def test_routes_name_a_model_and_its_encoder_once():
    assert latent_route("taesdxl", "direct") == "taesdxl" == latent_route("taesdxl", "none")
    assert latent_route("taesdxl", "refined") == "taesdxl+refined"
    assert route_model("taesdxl+refined") == "taesdxl" == route_model("taesdxl")


def test_summary_averages_per_setting_over_images():
    frame = pd.DataFrame([row("a", psnr=30, bpp=1), row("b", psnr=32, bpp=3)])
    summary = summarize(frame)
    assert len(summary) == 1
    assert summary.iloc[0][["images", "psnr", "bpp"]].tolist() == [2, 31, 2]


def test_a_file_that_is_not_a_results_table_is_named(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(LatentCodecError, match="bad.csv: not a results table"):
        read_table(path)

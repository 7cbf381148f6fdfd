"""Rows of metrics.csv (latentcodec.workflow.rows): a setting, its file and its measurements."""

import math
from dataclasses import fields

from latentcodec.tables import COLUMNS, Row, read_table, write_table
from latentcodec.workflow.rows import MEASURED_COLUMNS, measure, measured_by_image, setting_row
from latentcodec.workflow.setting import Setting, StoredFile
from tests.helpers import image_pair


def stored_file(size=1536):
    return StoredFile(
        compressed="x.lcf", bytes=size, side_bytes=100, exact=False, quantizer="minmax", clipped=0.0
    )


def test_the_columns_are_the_rows_fields_and_every_one_has_one_source():
    assert COLUMNS == [field.name for field in fields(Row)]
    stored = {field.name for field in fields(StoredFile)}
    assert not stored & set(MEASURED_COLUMNS) and "bpp" not in MEASURED_COLUMNS
    assert {"psnr", "latent_mse", "recon", "channels"} <= set(MEASURED_COLUMNS)


def test_a_row_takes_the_setting_the_file_and_derives_bpp(tmp_path):
    original, decoded = image_pair(5, shape=(32, 48, 3))
    measured = measure(
        source=tmp_path / "kodim01.png",
        original=original,
        image=decoded,
        recon=tmp_path / "recon.png",
        channels=32,
        latent_errors=(0.5, 20.0),
        perceptual_metrics=[],
    )
    setting = Setting(
        model="taef2", bits=8, packing="planar", codec="avif", quality="low", quality_value=30
    )
    row = setting_row(setting, stored_file(), measured)
    assert (row.image, row.bitdepth, row.codec, row.quality_value) == ("kodim01", 8, "avif", 30)
    assert row.bpp == 8 * 1536 / (32 * 48) and row.bytes == 1536 and not row.exact
    assert math.isnan(row.ssimulacra2) and row.latent_psnr == 20.0
    write_table([row], tmp_path / "rows.csv")
    shared = measured_by_image(tmp_path / "rows.csv")["kodim01"]
    numbers = {key: value for key, value in measured.items() if value == value}  # not NaN
    assert {key: shared[key] for key in numbers} == numbers  # kept exactly by the table
    lossless = Setting(model="taef2", bits=8, packing="planar", codec="png", quality="lossless")
    reused = setting_row(lossless, stored_file(768), shared)
    assert reused.recon == row.recon and reused.bpp == 4.0 and reused.codec == "png"
    assert read_table(tmp_path / "rows.csv")["bpp"].tolist() == [row.bpp]


def test_uncoded_and_pixel_settings_are_named_once():
    quantized = Setting.quantized("taef2", 10)
    assert (quantized.codec, quantized.quality, quantized.packing) == ("none", "quantized", "none")
    assert Setting.float_latent("taef2", "float16").bits == 16
    assert Setting.float_latent("taef2", "float32").bits == 32
    pixel = Setting.pixel("avif444", 40, "speed=6")
    assert (pixel.model, pixel.bits, pixel.quality, pixel.effort) == ("none", 8, "q40", "speed=6")

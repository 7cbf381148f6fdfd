"""The seed study's published numbers beside this run (latentcodec.analysis.seed_study), on small
synthetic runs whose answers can be worked out by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from latentcodec.analysis.bootstrap import Bootstrap
from latentcodec.analysis.published import shows_seed_study
from latentcodec.analysis.readoff import AT_LOWEST_RATE, INTERPOLATED
from latentcodec.analysis.seed_study import (
    BY_NAME,
    SETTINGS,
    WHERE,
    pearson,
    pixel_families,
    read_published,
    real_vae_against_pixels,
    side_by_side,
)
from latentcodec.errors import LatentCodecError
from latentcodec.tables import COLUMNS
from tests.conftest import REPO

IMAGES = ["kodim01", "kodim02", "kodim03"]
SHIFTS = (-1.0, 0.0, 1.0)  # per-image PSNR offsets, the same in the study and the pixel curves
# The study's setting → (mean bpp, mean PSNR); bpp × (1 + 0.1·shift) per image but for the
# float rows (constant, as the study's), PSNR + shift.
STUDY = {
    "fp32": (2.0, 28.0), "fp16": (1.0, 28.0), "raw8": (0.5, 27.9), "npz8": (0.42, 27.9),
    "jxl_ll8": (0.8, 30.0), "jxl_d0.05": (0.3, 26.0), "jxl_d0.1": (0.25, 25.0),
    "jxl_d0.5": (0.2, 21.0), "jxl_d1.0": (0.16, 15.0),
}  # fmt: skip
# Pixel curves, (label, bpp, PSNR) before the shift: AVIF 4:4:4 reaches 30 dB at 0.4 bpp, so the
# study's jxl_ll8 (0.8 bpp at 30 dB) is exactly 2×; 4:2:0 is dearer; WebP needs twice 4:4:4's
# bytes; JPEG starts at 22 dB, above jxl_d0.5's 21 dB.
AVIF444 = [("q10", 0.1, 20.0), ("q30", 0.2, 25.0), ("q50", 0.4, 30.0), ("q70", 0.8, 35.0)]
PIXELS = {
    "avif444": AVIF444,
    "avif420": [(label, 1.5 * bpp, psnr) for label, bpp, psnr in AVIF444],
    "webp": [(label, 2 * bpp, psnr) for label, bpp, psnr in AVIF444],
    "jpeg": [("q1", 0.3, 22.0), ("q5", 0.6, 27.0), ("q20", 1.2, 32.0), ("q50", 2.4, 37.0)],
}


def study() -> pd.DataFrame:
    rows = []
    for name, (bpp, psnr) in STUDY.items():
        for image, shift in zip(IMAGES, SHIFTS, strict=True):
            rate = bpp if name in ("fp32", "fp16") else bpp * (1 + 0.1 * shift)
            rows.append(
                {"image": image, "setting": name, "psnr": psnr + shift, "ssim": 0.8,
                 "bpp": rate, "size_kb": rate * 48}
            )  # fmt: skip
    for image in IMAGES:
        rows.append(
            {"image": image, "setting": "png_original", "psnr": math.nan, "ssim": 1.0,
             "bpp": 13.0, "size_kb": 624.0}
        )  # fmt: skip
    return pd.DataFrame(rows)


def row(image, model, codec, quality, bits, packing, bpp, psnr, **extra):
    return {
        "image": image, "model": model, "codec": codec, "quality": quality, "bitdepth": bits,
        "packing": packing, "bpp": bpp, "psnr": psnr, "ssim": 0.7, "exact": codec == "none",
        "quantizer": "none" if bits > 8 or model == "none" else "clip4",
        "clipped": math.nan if bits > 8 or model == "none" else 0.001,
    } | extra  # fmt: skip


def pixel_rows(images=IMAGES, shifts=SHIFTS):
    return [
        row(image, "none", codec, label, 8, "none", bpp, psnr + shift)
        for codec, points in PIXELS.items()
        for label, bpp, psnr in points
        for image, shift in zip(images, shifts, strict=True)
    ]


def run(published=None, leave_out=("jxl_d1.0",)) -> pd.DataFrame:
    """TAESDXL at 1.05× the study's bpp and 1 dB below its PSNR, image by image (but npz8's
    bpp, set by hand), without `leave_out`; the 8-bit latent decoded as it is; pixel curves."""
    published = study() if published is None else published
    rows = []
    for setting in SETTINGS:
        if setting.name in leave_out:
            continue
        theirs = published[published["setting"] == setting.name]
        for item in theirs.itertuples():
            rows.append(
                row(item.image, "taesdxl", setting.codec, setting.quality, setting.bitdepth,
                    setting.packing, 1.05 * item.bpp, item.psnr - 1.0)
            )  # fmt: skip
    frame = pd.DataFrame(rows)
    npz = (frame["codec"] == "npz") & frame["image"].isin(IMAGES)
    frame.loc[npz, "bpp"] = frame.loc[npz, "image"].map(
        dict(zip(IMAGES, (0.5, 0.3, 0.4), strict=True))
    )
    quantized = [
        row(image, "taesdxl", "none", "quantized", 8, "none", 0.6, 26.0) for image in IMAGES
    ]
    images = sorted(published["image"].unique())
    shifts = [SHIFTS[index % 3] for index in range(len(images))]
    extra = pd.DataFrame(quantized + pixel_rows(images, shifts))
    return pd.concat([frame, extra], ignore_index=True)


def test_the_mapping_covers_every_published_setting_but_the_source_image():
    published = read_published()
    assert set(BY_NAME) == set(published["setting"]) - {"png_original"}
    assert len(BY_NAME) == len(SETTINGS) == 9
    assert (BY_NAME["jxl_d0.5"].codec, BY_NAME["jxl_d0.5"].quality) == ("jxld", "d0_5")
    assert (BY_NAME["raw8"].codec, BY_NAME["raw8"].packing) == ("npy", "interleaved")
    assert (BY_NAME["fp16"].codec, BY_NAME["fp16"].quality, BY_NAME["fp16"].bitdepth) == (
        "none", "float16", 16
    )  # fmt: skip


def test_the_published_csv_loads_checked():
    published = read_published()
    assert published["image"].nunique() == 24 and published["setting"].nunique() == 10
    assert len(published) == 240
    means = published.groupby("setting")[["bpp", "psnr"]].mean()
    assert means.loc["jxl_ll8", "bpp"] == pytest.approx(0.412, abs=5e-4)
    assert means.loc["raw8", "psnr"] == pytest.approx(27.10, abs=5e-3)


def test_the_shipped_csv_is_the_mirrors_copy(mirror):
    assert (REPO / WHERE).read_bytes() == (
        mirror / "references" / "seed_study_sdxl_kodak.csv"
    ).read_bytes()


def test_a_broken_published_csv_is_named(tmp_path):
    text = (REPO / WHERE).read_text(encoding="utf-8").splitlines()
    short = tmp_path / "short.csv"
    short.write_text("\n".join(text[:-1]) + "\n", encoding="utf-8")  # one row fewer
    with pytest.raises(LatentCodecError, match=r"short\.csv.*24 images"):
        read_published(short)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(text).replace("0.4120", "inf", 1) + "\n", encoding="utf-8")
    with pytest.raises(LatentCodecError, match=r"bad\.csv.*non-positive number"):
        read_published(bad)
    with pytest.raises(LatentCodecError, match=r"absent\.csv: not found"):
        read_published(tmp_path / "absent.csv")


def test_side_by_side_gives_means_correlations_and_the_missing_settings():
    side = side_by_side(run(), "taesdxl", published=study()).set_index("setting")
    assert list(side.index) == [setting.name for setting in SETTINGS]
    jxl = side.loc["jxl_ll8"]
    assert jxl["in_run"] and jxl["images"] == 3
    assert (jxl["study_bpp"], jxl["ours_bpp"]) == pytest.approx((0.8, 0.84))
    assert jxl["bpp_ours_over_study"] == pytest.approx(1.05)
    assert (jxl["study_psnr"], jxl["psnr_ours_minus_study"]) == pytest.approx((30.0, -1.0))
    assert (jxl["bpp_correlation"], jxl["psnr_correlation"]) == pytest.approx((1.0, 1.0))
    assert jxl["quantizer"] == "clip4" and jxl["clipped"] == pytest.approx(0.001)
    # npz8: study 0.42·(0.9, 1, 1.1), ours (0.5, 0.3, 0.4): r = −0.0042 / 0.0084
    npz = side.loc["npz8"]
    assert npz["ours_bpp"] == pytest.approx(0.4)
    assert npz["bpp_correlation"] == pytest.approx(-0.5)
    assert npz["bpp_correlation"] == pytest.approx(
        np.corrcoef([0.378, 0.42, 0.462], [0.5, 0.3, 0.4])[0, 1]
    )
    float32 = side.loc["fp32"]  # constant bpp on both sides: no correlation
    assert math.isnan(float32["bpp_correlation"]) and float32["psnr_correlation"] == 1.0
    assert float32["quantizer"] == "none" and math.isnan(float32["clipped"])
    missing = side.loc["jxl_d1.0"]
    assert not missing["in_run"] and missing["note"] == "not in this run"
    assert missing["study_psnr"] == pytest.approx(15.0) and math.isnan(missing["ours_psnr"])


def test_pearson_needs_three_pairs_and_some_spread():
    assert math.isnan(pearson([1, 2], [2, 4]))
    assert math.isnan(pearson([1, 1, 1], [1, 2, 3]))
    assert pearson([1, 2, 3, math.nan], [2, 4, 7, 1]) == pytest.approx(
        np.corrcoef([1, 2, 3], [2, 4, 7])[0, 1]
    )


def test_the_real_vae_is_read_against_each_pixel_family_as_the_lead_table_reads():
    versus = real_vae_against_pixels(run(), Bootstrap(1000, 0), published=study())
    assert set(versus["setting"]) == set(BY_NAME)  # every setting with a finite PSNR
    assert list(versus["family"].unique()) == ["avif", "webp", "jpeg"]
    table = versus.set_index(["setting", "family"])
    avif = table.loc[("jxl_ll8", "avif")]
    assert avif["pixel_codec"] == "avif444"  # the cheaper of 4:2:0 and 4:4:4
    assert avif["pixel_bpp"] == pytest.approx(0.4) and avif["bpp"] == pytest.approx(0.8)
    assert avif["bpp_ratio"] == pytest.approx(2.0)
    assert avif["bpp_ratio_low"] <= 2.0 <= avif["bpp_ratio_high"]
    assert avif["bpp_ratio_reached"] == 1.0 and avif["images"] == 3
    assert table.loc[("jxl_ll8", "webp"), "bpp_ratio"] == pytest.approx(1.0)
    # the float latent at 28 dB: between AVIF's 25 and 30 dB points, linear in log bpp
    fp32 = table.loc[("fp32", "avif")]
    assert fp32["pixel_status"] == INTERPOLATED
    assert fp32["pixel_bpp"] == pytest.approx(0.2 * 2 ** (3 / 5))
    # 21 dB lies below JPEG's lowest point (22 dB), 15 dB below every curve: bounds
    assert table.loc[("jxl_d0.5", "jpeg"), "pixel_status"] == AT_LOWEST_RATE
    assert table.loc[("jxl_d0.5", "avif"), "pixel_status"] == INTERPOLATED
    assert (table.xs("jxl_d1.0", level="setting")["pixel_status"] == AT_LOWEST_RATE).all()
    assert table.loc[("jxl_d1.0", "avif"), "bpp_ratio"] == pytest.approx(0.16 / 0.1)


def test_only_a_run_on_the_24_kodak_images_shows_the_study():
    kodak = [f"kodim{number:02d}" for number in range(1, 25)]
    assert shows_seed_study({}, "kodak", kodak)
    assert not shows_seed_study({"references": {"seed_study": False}}, "kodak", kodak)
    assert not shows_seed_study({}, "kodak", kodak[:3])
    assert not shows_seed_study({}, "kodak-max512", kodak)
    baselines = {"avif420": "avif", "avif444": "avif", "webp": "webp", "j": "jpeg", "p": "png"}
    assert pixel_families(baselines) == {
        "avif": ["avif420", "avif444"], "webp": ["webp"], "jpeg": ["j"]
    }  # fmt: skip


def _table(frame: pd.DataFrame) -> pd.DataFrame:
    """Fill the results table's other columns, as a run writes them."""
    filler = {column: "" for column in COLUMNS if column not in frame}
    filler |= {"quality_value": 1, "bytes": 1, "side_bytes": 0, "width": 768, "height": 512}
    filled = frame.assign(**{key: value for key, value in filler.items() if key not in frame})
    return filled.assign(
        encoder=filled["model"].map(lambda model: "none" if model == "none" else "direct")
    )

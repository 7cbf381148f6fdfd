"""CompressAI's published Kodak curves: the shipped files, which runs may show them, the
BD-rates against them and the reference lines in the RD figure."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from latentcodec.analysis.published import (
    BD_COLUMNS,
    KODAK_IMAGES,
    PUBLISHED,
    PUBLISHED_DATASET,
    Published,
    best_latent_curve,
    comparable,
    published_bd_table,
    published_curves,
    reference_path,
    shows_compressai,
)
from latentcodec.errors import LatentCodecError
from latentcodec.workflow.datasets import KODAK
from tests.conftest import REPO
from tests.helpers import curve


@pytest.fixture(scope="module")
def published():
    return published_curves()


def test_all_ten_shipped_curves_load_with_unique_labels_and_rising_rates(published):
    assert len(PUBLISHED) == 10
    assert list(dict.fromkeys(published["codec"])) == [entry.codec for entry in PUBLISHED]
    labels = [entry.label for entry in PUBLISHED]
    assert len(set(labels)) == len(labels) and len({e.codec for e in PUBLISHED}) == len(labels)
    assert {"Ballé 2018 hyperprior", "Cheng 2020 (attn)", "ELIC", "VTM", "BPG 4:4:4", "AV1"} <= set(
        labels
    )
    assert set(published["family"]) == {"learned", "standard"}
    for entry in PUBLISHED:
        points = published[published["codec"] == entry.codec]
        assert len(points) >= 6 and set(points["label"]) == {entry.label}
        raw = json.loads(reference_path(entry.file).read_text())["results"]
        assert np.all(np.diff(raw["bpp"]) > 0), f"{entry.file}: bpp not increasing as shipped"
        assert np.all(np.diff(points["psnr"]) > 0)
        assert points["bpp"].tolist() == raw["bpp"] and points["psnr"].tolist() == raw["psnr-rgb"]
    scored = published[published["msssim"].notna()]
    assert scored["msssim"].between(0.8, 1.0).all()  # linear, as our table has it
    assert set(published.loc[published["msssim"].isna(), "codec"]) == {"elic2022"}


def test_the_shipped_files_are_exactly_the_folder_and_the_mirrors_copies(mirror):
    folder = REPO / "latentcodec" / "data" / "references" / "compressai_kodak"
    assert sorted(path.name for path in folder.glob("*.json")) == sorted(
        entry.file for entry in PUBLISHED
    )
    copies = mirror / "references" / "compressai_kodak"
    assert sorted(path.name for path in copies.glob("*.json")) == sorted(
        path.name for path in folder.glob("*.json")
    )
    for entry in PUBLISHED:
        assert reference_path(entry.file).read_bytes() == (copies / entry.file).read_bytes()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "cannot read as JSON"),
        ('{"name": "x"}', "no 'results'"),
        ('{"name": "x", "results": {"bpp": [0.1, 0.2]}}', r"lacks \['psnr-rgb'\]"),
        ('{"name": "x", "results": {"bpp": [0.1, 0.2], "psnr-rgb": [30]}}', "one value per"),
        ('{"name": "x", "results": {"bpp": [0.1, "a"], "psnr-rgb": [30, 31]}}', "numbers"),
        ('{"results": {"bpp": [0.1, 0.2], "psnr-rgb": [30, 31]}}', "'name'"),
    ],
)
def test_a_malformed_file_is_refused_naming_it(tmp_path, monkeypatch, text, message):
    (tmp_path / "bad.json").write_text(text)
    monkeypatch.setattr(
        "latentcodec.analysis.published.reference_path", lambda file: tmp_path / file
    )
    with pytest.raises(LatentCodecError, match=f"compressai_kodak/bad.json.*{message}"):
        published_curves([Published("bad.json", "bad", "Bad", "learned")])


def test_a_missing_file_is_refused_naming_it():
    with pytest.raises(LatentCodecError, match="compressai_kodak/absent.json: not in the package"):
        published_curves([Published("absent.json", "absent", "Absent", "standard")])


def test_only_a_run_on_all_24_kodak_images_is_comparable():
    assert list(KODAK_IMAGES) == KODAK.images  # the registered set is the published one
    assert PUBLISHED_DATASET == KODAK.name
    assert comparable("kodak", KODAK_IMAGES)
    assert comparable("kodak", list(reversed(KODAK_IMAGES)))
    assert not comparable("kodak", ["kodim04", "kodim23"])
    assert not comparable("kodak", KODAK_IMAGES[:23])
    assert not comparable("kodak-max512", KODAK_IMAGES)  # shrunk images
    assert not comparable("folder-0123456789", KODAK_IMAGES)  # same names, unknown pixels
    config = {"references": {"seed_study": True, "compressai": True}}
    assert shows_compressai(config, "kodak", KODAK_IMAGES)
    assert not shows_compressai(config, "kodak", ["kodim01", "kodim02"])
    config["references"]["compressai"] = False
    assert not shows_compressai(config, "kodak", KODAK_IMAGES)
    assert shows_compressai({}, "kodak", KODAK_IMAGES)  # the schema's default


def _points(published, codec, *, scale=1.0):
    """A published curve as (label, bpp, psnr) points for `tests.helpers.curve`."""
    rows = published[published["codec"] == codec]
    return [
        (f"q{i}", b * scale, p) for i, (b, p) in enumerate(zip(rows.bpp, rows.psnr, strict=True))
    ]


def _as_published(frame: pd.DataFrame, published: pd.DataFrame, codec: str) -> pd.DataFrame:
    """Give each setting of `frame` the published curve's MS-SSIM at the same point."""
    rows = published[published["codec"] == codec].reset_index(drop=True)
    index = frame["quality"].str[1:].astype(int)
    return frame.assign(msssim=rows["msssim"].to_numpy()[index])


def _run(published, noise=0.5) -> pd.DataFrame:
    """Pixel AVIF 4:4:4 on VTM's own points (each image's PSNR scattered around the mean),
    pixel AVIF 4:2:0 at BPG's, a latent curve at twice VTM's rate, one beyond every curve."""
    vtm = _points(published, "vtm")
    pixel = _as_published(
        pd.DataFrame(curve("none", "avif444", vtm, noise=noise)), published, "vtm"
    )
    bpg = _points(published, "bpg444")
    avif420 = _as_published(
        pd.DataFrame(curve("none", "avif420", bpg, noise=noise)), published, "bpg444"
    )
    twice = _points(published, "vtm", scale=2.0)
    latent = _as_published(
        pd.DataFrame(curve("taesdxl", "avif", twice, noise=noise)), published, "vtm"
    )
    far = [("q0", 0.01, 10.0), ("q1", 0.02, 12.0)]
    apart = pd.DataFrame(curve("taesdxl", "jxl", far, noise=noise)).assign(msssim=0.5)
    return pd.concat([pixel, avif420, latent, apart], ignore_index=True)


def test_bd_rate_of_a_curve_against_itself_is_zero_and_at_twice_the_rate_plus_100(published):
    best = {"model": "taesdxl", "codec": "avif", "bitdepth": 8, "packing": "interleaved"}
    result = published_bd_table(
        _run(published), published, pixel_codecs=["avif444", "avif420", "jpeg"], best=best
    )
    assert list(result.columns) == BD_COLUMNS
    assert list(dict.fromkeys(result["curve"])) == [
        "avif444",
        "avif420",
        "taesdxl avif 8-bit interleaved",
    ]  # fmt: skip  (no jpeg baseline in the run: left out)
    assert len(result) == 3 * len(PUBLISHED) * 2

    def value(curve_name, reference, metric):
        row = result[
            (result["curve"] == curve_name)
            & (result["reference"] == reference)
            & (result["metric"] == metric)
        ]
        assert len(row) == 1
        return row.iloc[0]

    for metric in ("psnr", "msssim_db"):
        assert value("avif444", "vtm", metric)["bd_rate"] == pytest.approx(0.0, abs=1e-9)
        assert value("avif420", "bpg444", metric)["bd_rate"] == pytest.approx(0.0, abs=1e-9)
        latent = value("taesdxl avif 8-bit interleaved", "vtm", metric)
        assert latent["bd_rate"] == pytest.approx(100.0, rel=1e-9)
        assert latent["kind"] == "latent" and latent["points"] == len(_points(published, "vtm"))
    elic = value("avif444", "elic2022", "msssim_db")
    assert math.isnan(elic["bd_rate"]) and "no published MS-SSIM" in elic["note"]
    assert value("avif444", "elic2022", "psnr")["note"] == ""


def test_the_best_latent_curve_is_the_lowest_bd_rate_on_psnr_against_the_anchor():
    bd = pd.DataFrame(
        {
            "model": ["a", "a", "b"], "codec": ["avif", "jxl", "avif"], "bitdepth": [8, 8, 10],
            "packing": "interleaved", "anchor": "avif444", "bd_rate_psnr": [40.0, np.nan, 15.0],
        }
    )  # fmt: skip
    best = best_latent_curve(bd)
    assert (best["model"], best["codec"], best["bitdepth"]) == ("b", "avif", 10)
    assert best_latent_curve(bd.assign(bd_rate_psnr=np.nan)) is None
    assert best_latent_curve(pd.DataFrame()) is None


def _published_lines(axis):
    return [line for line in axis.get_lines() if (line.get_gid() or "").startswith("published=")]

"""Datasets: Kodak from a mirror, folders and zips of one's own images, and the archive
datasets (Flickr8k, CLIC)."""

import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from latentcodec.errors import LatentCodecError
from latentcodec.io import read_rgb
from latentcodec.sources import MIRROR_VARIABLE, file_digests, sha256_of
from latentcodec.workflow import datasets
from latentcodec.workflow.datasets import (
    ARCHIVES,
    CLIC2020_PROFESSIONAL_VALID,
    FLICKR8K,
    KODAK,
    LocalImages,
    dataset_from_config,
    dataset_key,
    get_dataset,
    select_images,
)
from latentcodec.workflow.placing import fetch_image, write_dataset_table

KODAK_SETTINGS = {"name": "kodak", "images": "all"}


def test_kodak_sums_shipped_with_the_package_match_the_mirror(mirror):
    shipped = (mirror / "datasets" / "kodak" / "SHA256SUMS").read_text().split()
    assert dict(zip(shipped[1::2], shipped[0::2], strict=True)) == KODAK.checksums
    assert KODAK.images == [f"kodim{n:02d}" for n in range(1, 25)]


@pytest.mark.parametrize(
    ("selection", "expected"),
    [("all", 24), (3, ["kodim01", "kodim02", "kodim03"]), (["kodim23", "kodim04"], None)],
)
def test_image_selection(selection, expected):
    images = select_images(KODAK, selection)
    if expected is None:
        assert images == selection
    elif isinstance(expected, int):
        assert len(images) == expected
    else:
        assert images == expected


@pytest.mark.parametrize(
    ("selection", "message"),
    [(0, "out of range"), (25, "out of range"), (["kodim99"], "not in kodak"), (True, "expected")],
)
def test_bad_selections_name_the_key(selection, message):
    with pytest.raises(LatentCodecError, match=message):
        select_images(KODAK, selection)


def test_unknown_dataset_is_named():
    with pytest.raises(LatentCodecError, match="unknown dataset 'clic'"):
        get_dataset("clic")


def test_fetch_from_the_mirror_verifies_and_copies(mirror, tmp_path):
    target = tmp_path / "kodim05.png"
    fetch_image(KODAK_SETTINGS, "kodim05", target, mirror=mirror)
    assert sha256_of(target) == KODAK.checksums["kodim05.png"]


def test_a_corrupt_mirror_file_is_refused_and_nothing_is_written(mirror, tmp_path):
    fake = tmp_path / "mirror" / "datasets" / "kodak"
    fake.mkdir(parents=True)
    shutil.copy(mirror / "datasets" / "kodak" / "kodim02.png", fake / "kodim01.png")
    target = tmp_path / "out" / "kodim01.png"
    with pytest.raises(LatentCodecError, match=r"kodim01\.png.*SHA-256"):
        fetch_image(KODAK_SETTINGS, "kodim01", target, mirror=tmp_path / "mirror")
    assert not target.exists() and list(target.parent.iterdir()) == []


def test_a_file_missing_from_the_mirror_names_the_expected_path(tmp_path):
    (tmp_path / "datasets").mkdir()
    with pytest.raises(LatentCodecError, match=r"datasets/kodak/kodim01\.png: not found"):
        fetch_image(KODAK_SETTINGS, "kodim01", tmp_path / "x.png", mirror=tmp_path)


def test_without_network_or_mirror_one_error_says_how_to_provide_a_copy(monkeypatch, tmp_path):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.delenv(MIRROR_VARIABLE, raising=False)
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(LatentCodecError) as error:
        fetch_image(KODAK_SETTINGS, "kodim01", tmp_path / "kodim01.png")
    message = str(error.value)
    assert "cannot download http://r0k.us/graphics/kodak/kodak/kodim01.png" in message
    assert MIRROR_VARIABLE in message and "datasets/kodak/" in message
    assert not (tmp_path / "kodim01.png").exists()


@pytest.fixture
def odd_images(tmp_path, kodim01):
    """A folder of the user's own images: odd sizes, greyscale, RGBA, JPEG, and a text file."""
    folder = tmp_path / "mine"
    folder.mkdir()
    Image.fromarray(kodim01[:77, :61]).save(folder / "odd.png")
    Image.fromarray(kodim01[:40, :50]).convert("L").save(folder / "grey.png")
    Image.fromarray(kodim01[:33, :47]).convert("RGBA").save(folder / "alpha.png")
    Image.fromarray(kodim01[:64, :64]).save(folder / "photo.jpg", quality=90)
    (folder / "notes.txt").write_text("not an image")
    return folder


def test_a_folder_dataset_lists_its_images_and_converts_them_to_rgb_png(odd_images, tmp_path):
    dataset = dataset_from_config({"name": "folder", "path": str(odd_images)})
    assert dataset.images == ["alpha", "grey", "odd", "photo"]
    assert dataset.name.startswith("folder-")
    for image, size in [("odd", (77, 61)), ("grey", (40, 50)), ("alpha", (33, 47))]:
        target = tmp_path / "out" / f"{image}.png"
        fetch_image({"name": "folder", "path": str(odd_images)}, image, target)
        assert read_rgb(target).shape == (*size, 3)


def test_a_zip_of_images_is_read_without_extracting(odd_images, tmp_path):
    archive = tmp_path / "mine.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(odd_images.iterdir()):
            zipped.write(path, f"sub/{path.name}")
    settings = {"name": "folder", "path": str(archive)}
    assert dataset_from_config(settings).images == ["alpha", "grey", "odd", "photo"]
    fetch_image(settings, "grey", tmp_path / "grey.png")
    assert read_rgb(tmp_path / "grey.png").shape == (40, 50, 3)
    assert not (tmp_path / "sub").exists()


@pytest.mark.parametrize(
    ("member", "message"),
    [
        ("../evil.png", "points outside the archive"),
        ("/etc/evil.png", "points outside the archive"),
        ("a/../../evil.png", "points outside the archive"),
        ("C:/evil.png", "points outside the archive"),
    ],
)
def test_archives_with_escaping_member_names_are_refused(tmp_path, member, message):
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("fine.png", b"x")
        zipped.writestr(member, b"x")
    with pytest.raises(LatentCodecError, match=message):
        _ = LocalImages(archive).images
    assert not (tmp_path.parent / "evil.png").exists()


def test_an_archive_member_over_the_size_limit_is_refused(tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("big.png", np.zeros(2_000_000, np.uint8).tobytes())
    with pytest.raises(LatentCodecError, match="unpacks to 2000000 bytes, over the limit"):
        _ = LocalImages(archive, max_member_bytes=1_000_000).images


def test_folder_images_need_distinct_path_safe_ids(tmp_path, kodim01):
    folder = tmp_path / "clash"
    folder.mkdir()
    for name in ("a.png", "a.jpg"):
        Image.fromarray(kodim01[:8, :8]).save(folder / name)
    with pytest.raises(LatentCodecError, match="have the same image id"):
        _ = LocalImages(folder).images
    (folder / "a.jpg").rename(folder / "b c.jpg")
    with pytest.raises(LatentCodecError, match="needs a name of letters"):
        _ = LocalImages(folder).images


def test_a_folder_dataset_needs_an_existing_path(tmp_path):
    with pytest.raises(LatentCodecError, match="dataset.path: the folder dataset needs"):
        dataset_from_config({"name": "folder", "path": None})
    with pytest.raises(LatentCodecError, match="does not exist"):
        dataset_from_config({"name": "folder", "path": str(tmp_path / "none")})


def test_a_download_with_the_wrong_checksum_is_refused_and_not_kept(monkeypatch, tmp_path):
    class Response(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.delenv(MIRROR_VARIABLE, raising=False)
    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: Response(b"tampered"))
    target = tmp_path / "kodim01.png"
    with pytest.raises(LatentCodecError, match=r"SHA-256 is .*, expected a56e27cb"):
        fetch_image(KODAK_SETTINGS, "kodim01", target)
    assert list(tmp_path.iterdir()) == []


# Archive datasets (Flickr8k, CLIC) on small synthetic zips served through a mirror folder.
# The registry's digests belong to the real archives, so each test registers its fake zip's
# MD5 in their place (`fake_archive`); the wrong-checksum tests keep the real ones.


FLICKR_IDS = [f"{1000268201 + 7 * n}_{n:04x}b08cb0e" for n in range(30)]
FOLDER = "Flicker8k_Dataset"  # sic: the real archive's folder name


def jpeg(seed: int, size=(24, 16)) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def fake_archive(monkeypatch, archive, path: Path) -> None:
    """Register `path`'s MD5 as the archive's published digest, for this test only."""
    md5 = file_digests(path, ["md5"])["md5"]
    monkeypatch.setitem(ARCHIVES, archive.name, replace(archive, digest=md5))


def flickr_members() -> dict[str, bytes]:
    members = {f"{FOLDER}/{image}.jpg": jpeg(n) for n, image in enumerate(FLICKR_IDS)}
    for image in FLICKR_IDS[:3]:  # Finder's resource forks, as in the real archive
        members[f"__MACOSX/{FOLDER}/._{image}.jpg"] = b"\x00\x05\x16\x07 not a jpeg"
    members[f"{FOLDER}/readme.txt"] = b"not an image"
    return members


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """No mirror from the environment; the download cache inside tmp_path."""
    monkeypatch.delenv(MIRROR_VARIABLE, raising=False)
    monkeypatch.setenv("LATENTCODEC_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def flickr_mirror(tmp_path, monkeypatch, isolated) -> Path:
    mirror = tmp_path / "mirror"
    archive = write_zip(mirror / "datasets" / "flickr8k" / FLICKR8K.filename, flickr_members())
    fake_archive(monkeypatch, FLICKR8K, archive)
    return mirror


def flickr(mirror, sample=5, seed=0, **more):
    return {"name": "flickr8k", "sample": sample, "seed": seed, **more}, mirror


def expected_sample(seed: int, count: int) -> list[str]:
    """The documented rule, computed independently: smallest SHA-256 of '<seed>:<member>'."""
    rank = {
        image: hashlib.sha256(f"{seed}:{FOLDER}/{image}.jpg".encode()).hexdigest()
        for image in FLICKR_IDS
    }
    return sorted(sorted(FLICKR_IDS, key=rank.get)[:count])


def test_the_sample_is_deterministic_seed_dependent_and_grows_by_adding(flickr_mirror):
    settings, mirror = flickr(flickr_mirror, sample=5, seed=0)
    first = dataset_from_config(settings, mirror=mirror).images
    assert first == dataset_from_config(settings, mirror=mirror).images
    assert first == expected_sample(0, 5)
    other_seed = dataset_from_config({**settings, "seed": 1}, mirror=mirror).images
    assert other_seed == expected_sample(1, 5) and other_seed != first
    larger = dataset_from_config({**settings, "sample": 8}, mirror=mirror).images
    assert set(first) < set(larger) and len(larger) == 8


def test_resource_forks_and_other_files_are_not_images(flickr_mirror):
    settings, mirror = flickr(flickr_mirror, sample=30)
    members = dataset_from_config(settings, mirror=mirror).members
    assert sorted(members) == sorted(FLICKR_IDS)
    assert all(name.startswith(f"{FOLDER}/") for name in members.values())


def test_a_sample_larger_than_the_archive_names_the_key(flickr_mirror):
    settings, mirror = flickr(flickr_mirror, sample=31)
    with pytest.raises(LatentCodecError, match="dataset.sample: 31 is more than the 30 images"):
        _ = dataset_from_config(settings, mirror=mirror).images


def test_only_the_sampled_members_are_read_and_nothing_is_unpacked(
    flickr_mirror, tmp_path, monkeypatch
):
    read = []
    real_read_member = datasets._read_member
    monkeypatch.setattr(
        datasets,
        "_read_member",
        lambda path, name, limit: read.append(name) or real_read_member(path, name, limit),
    )
    settings, mirror = flickr(flickr_mirror, sample=4)
    sample = dataset_from_config(settings, mirror=mirror).images
    for image in sample:
        fetch_image(settings, image, tmp_path / "out" / f"{image}.png", mirror=mirror)
        assert read_rgb(tmp_path / "out" / f"{image}.png").shape == (16, 24, 3)
    assert sorted(read) == [f"{FOLDER}/{image}.jpg" for image in sample]
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [
        f"{image}.png" for image in sample
    ]
    assert [path for path in tmp_path.rglob("*.jpg")] == []  # no member was extracted
    unsampled = next(image for image in FLICKR_IDS if image not in sample)
    with pytest.raises(LatentCodecError, match="not among the images of flickr8k in use"):
        fetch_image(settings, unsampled, tmp_path / "x.png", mirror=mirror)


@pytest.mark.parametrize("member", ["../evil.jpg", "/tmp/evil.jpg", f"{FOLDER}/../../evil.jpg"])
def test_an_archive_with_an_escaping_member_is_refused(tmp_path, monkeypatch, isolated, member):
    members = {**flickr_members(), member: jpeg(99)}
    archive = write_zip(tmp_path / "mirror" / "datasets" / "flickr8k" / FLICKR8K.filename, members)
    fake_archive(monkeypatch, FLICKR8K, archive)
    settings, mirror = flickr(tmp_path / "mirror")
    with pytest.raises(LatentCodecError, match=f"member '{member}' points outside the archive"):
        _ = dataset_from_config(settings, mirror=mirror).images
    assert not list(tmp_path.parent.rglob("evil.jpg"))


def test_an_archive_with_a_link_member_is_refused(tmp_path, monkeypatch, isolated):
    archive = tmp_path / "mirror" / "datasets" / "flickr8k" / FLICKR8K.filename
    write_zip(archive, flickr_members())
    link = zipfile.ZipInfo(f"{FOLDER}/9_link.jpg")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(archive, "a") as zipped:
        zipped.writestr(link, "/etc/passwd")
    fake_archive(monkeypatch, FLICKR8K, archive)
    with pytest.raises(LatentCodecError, match="9_link.jpg' is a link"):
        _ = dataset_from_config(*flickr(tmp_path / "mirror")).images


def test_a_mirror_archive_with_the_wrong_md5_is_refused(tmp_path, isolated):
    archive = tmp_path / "mirror" / "datasets" / "flickr8k" / FLICKR8K.filename
    write_zip(archive, flickr_members())  # the registry keeps the real archive's MD5
    message = r"Flickr8k_Dataset\.zip: MD5 is [0-9a-f]{32}, expected f18a1e2920de5bd84dae7cf0"
    with pytest.raises(LatentCodecError, match=message):
        _ = dataset_from_config(*flickr(tmp_path / "mirror")).images


class Response(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_a_download_is_verified_before_it_enters_the_cache_and_made_once(
    tmp_path, monkeypatch, isolated
):
    payload = write_zip(tmp_path / "served.zip", flickr_members()).read_bytes()
    urls = []
    monkeypatch.setattr(
        urllib.request, "urlopen", lambda url, **kw: urls.append(url) or Response(payload)
    )
    cached = tmp_path / "cache" / "datasets" / "flickr8k" / FLICKR8K.filename
    with pytest.raises(LatentCodecError, match="MD5 is .*, expected f18a1e29"):
        _ = dataset_from_config(*flickr(None)).images
    assert not cached.exists() and list(cached.parent.iterdir()) == []

    fake_archive(monkeypatch, FLICKR8K, tmp_path / "served.zip")
    hashed = []
    real_digests = datasets.file_digests
    monkeypatch.setattr(
        datasets, "file_digests", lambda path, algs: hashed.append(path) or real_digests(path, algs)
    )
    first = dataset_from_config(*flickr(None)).images
    assert cached.read_bytes() == payload and urls == [FLICKR8K.url] * 2
    assert dataset_from_config(*flickr(None)).images == first
    assert urls == [FLICKR8K.url] * 2  # no second download
    assert hashed == [hashed[0], cached]  # the download once, the cached file once, then a stamp


def test_a_changed_file_is_hashed_again_despite_the_stamp(flickr_mirror, monkeypatch):
    settings, mirror = flickr(flickr_mirror)
    _ = dataset_from_config(settings, mirror=mirror).images
    archive = flickr_mirror / "datasets" / "flickr8k" / FLICKR8K.filename
    with zipfile.ZipFile(archive, "a") as zipped:
        zipped.writestr(f"{FOLDER}/extra.jpg", jpeg(7))
    with pytest.raises(LatentCodecError, match="MD5 is"):
        _ = dataset_from_config(settings, mirror=mirror).images


@pytest.fixture
def clic_mirror(tmp_path, monkeypatch, isolated) -> Path:
    mirror = tmp_path / "mirror"
    members = {}
    for n, image in enumerate(["alberto-176097", "andrew-ruiz-376", "zugr-108"]):
        buffer = io.BytesIO()
        Image.fromarray(np.full((10 + n, 12, 3), 40 * n, np.uint8)).save(buffer, format="PNG")
        members[f"valid/{image}.png"] = buffer.getvalue()
        members[f"__MACOSX/valid/._{image}.png"] = b"resource fork"
    folder = mirror / "datasets" / CLIC2020_PROFESSIONAL_VALID.name
    archive = write_zip(folder / CLIC2020_PROFESSIONAL_VALID.filename, members)
    fake_archive(monkeypatch, CLIC2020_PROFESSIONAL_VALID, archive)
    return mirror


def test_clic_takes_every_image_of_its_archive_the_same_way(clic_mirror, tmp_path):
    settings = {"name": "clic2020-professional-valid", "sample": 1, "seed": 3}
    dataset = dataset_from_config(settings, mirror=clic_mirror)
    assert dataset.images == ["alberto-176097", "andrew-ruiz-376", "zugr-108"]  # no sampling
    fetch_image(settings, "zugr-108", tmp_path / "out.png", mirror=clic_mirror)
    assert read_rgb(tmp_path / "out.png").shape == (12, 12, 3)


def test_clic_refuses_an_archive_with_the_wrong_md5(clic_mirror, monkeypatch):
    monkeypatch.setitem(ARCHIVES, "clic2020-professional-valid", CLIC2020_PROFESSIONAL_VALID)
    with pytest.raises(LatentCodecError, match="expected 7111ee240435911db04dbc5f40d50272"):
        _ = dataset_from_config({"name": "clic2020-professional-valid"}, clic_mirror).images


def test_max_side_shrinks_larger_images_and_keeps_smaller_ones_byte_for_byte(
    flickr_mirror, tmp_path, caplog
):
    settings, mirror = flickr(flickr_mirror, sample=2)
    image = dataset_from_config(settings, mirror=mirror).images[0]
    plain, fits, shrunk = (tmp_path / name for name in ("plain.png", "fits.png", "shrunk.png"))
    fetch_image(settings, image, plain, mirror=mirror)
    fetch_image({**settings, "max_side": 24}, image, fits, mirror=mirror)
    with caplog.at_level("WARNING"):
        fetch_image({**settings, "max_side": 12}, image, shrunk, mirror=mirror)
    assert fits.read_bytes() == plain.read_bytes()
    assert read_rgb(shrunk).shape == (8, 12, 3)
    expected = Image.fromarray(read_rgb(plain)).resize((12, 8), Image.Resampling.LANCZOS)
    assert np.array_equal(read_rgb(shrunk), np.asarray(expected))
    assert "resized 24×16 to 12×8 (dataset.max_side 12, Lanczos)" in caplog.text
    assert [path.name for path in tmp_path.glob(".*.tmp")] == []


def test_max_side_on_kodak_keeps_the_aspect_ratio(mirror, tmp_path):
    target = tmp_path / "kodim01.png"
    fetch_image({"name": "kodak", "max_side": 512}, "kodim01", target, mirror=mirror)
    assert read_rgb(target).shape == (341, 512, 3)  # 768×512 → 512×341.3


def test_the_dataset_key_changes_only_when_images_are_shrunk():
    assert dataset_key(KODAK, None) == "kodak"
    assert dataset_key(KODAK, 1024) == "kodak-max1024"


def test_the_dataset_table_records_members_seed_and_the_archive_sha256(flickr_mirror, tmp_path):
    settings, mirror = flickr(flickr_mirror, sample=3, seed=5)
    images = dataset_from_config(settings, mirror=mirror).images
    write_dataset_table(settings, images, tmp_path / "dataset.csv", mirror=mirror)
    table = pd.read_csv(tmp_path / "dataset.csv")
    archive = flickr_mirror / "datasets" / "flickr8k" / FLICKR8K.filename
    assert table["image"].astype(str).tolist() == images == expected_sample(5, 3)
    assert table["member"].tolist() == [f"{FOLDER}/{image}.jpg" for image in images]
    assert set(table["origin_sha256"]) == {sha256_of(archive)}
    assert set(table["seed"]) == {5} and set(table["origin"]) == {FLICKR8K.url}
    assert table["max_side"].isna().all()


def test_the_dataset_table_of_kodak_names_the_shipped_sums(tmp_path):
    write_dataset_table({"name": "kodak", "max_side": 1024}, ["kodim02"], tmp_path / "d.csv")
    row = pd.read_csv(tmp_path / "d.csv").iloc[0]
    assert row["member"] == "kodim02.png" and row["origin"].endswith("/kodim02.png")
    assert row["origin_sha256"] == KODAK.checksums["kodim02.png"]
    assert pd.isna(row["seed"]) and row["max_side"] == 1024


PATCHED_SNAKEMAKE = """
import dataclasses, sys
import latentcodec.workflow.datasets as datasets
datasets.ARCHIVES["flickr8k"] = dataclasses.replace(datasets.FLICKR8K, digest=sys.argv.pop(1))
from snakemake.cli import main
sys.exit(main())
"""


@pytest.mark.slow
@pytest.mark.parametrize("max_side", [None, 1024])
def test_a_dry_run_plans_one_fetch_per_sampled_image(flickr_mirror, tmp_path_factory, max_side):
    """The sample is drawn when the DAG is parsed, from the zip's directory alone."""
    from tests.dag import TINY, fresh_workdir, planned_jobs

    workdir = fresh_workdir(tmp_path_factory, "flickr")
    config = {**TINY, "dataset": {"name": "flickr8k", "sample": 3, "seed": 2}}
    config["dataset"]["max_side"] = max_side
    (workdir / "flickr.yaml").write_text(json.dumps(config))  # JSON is YAML
    archive = flickr_mirror / "datasets" / "flickr8k" / FLICKR8K.filename
    result = subprocess.run(
        [sys.executable, "-c", PATCHED_SNAKEMAKE, file_digests(archive, ["md5"])["md5"]]
        + ["--dry-run", "--cores", "1", "--configfile", "flickr.yaml"],
        cwd=workdir,
        env={**os.environ, MIRROR_VARIABLE: str(flickr_mirror)},
        capture_output=True,
        text=True,
    )
    jobs = planned_jobs(result)
    assert jobs["fetch_image"] == 3 and jobs["record_dataset"] == 1
    folder = "flickr8k-max1024" if max_side else "flickr8k"
    planned = {image for image in FLICKR_IDS if f"{folder}/{image}.png" in result.stdout}
    assert planned == set(expected_sample(2, 3))
    assert not list(workdir.glob("resources/**/*.png"))

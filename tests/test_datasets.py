import io
import shutil
import urllib.error
import urllib.request
import zipfile

import numpy as np
import pytest
from PIL import Image

from latentcodec.datasets import (
    KODAK,
    LocalImages,
    dataset_from_config,
    fetch_image,
    get_dataset,
    select_images,
)
from latentcodec.errors import LatentCodecError
from latentcodec.io import read_rgb
from latentcodec.sources import MIRROR_VARIABLE, resolve_mirror, sha256_of

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


def test_mirror_from_config_wins_over_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(MIRROR_VARIABLE, "/nonexistent")
    assert resolve_mirror(tmp_path) == tmp_path
    with pytest.raises(LatentCodecError, match=r"/nonexistent \(from \$LATENTCODEC_MIRROR\)"):
        resolve_mirror(None)
    monkeypatch.delenv(MIRROR_VARIABLE)
    assert resolve_mirror(None) is None


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

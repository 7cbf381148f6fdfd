import shutil
import urllib.error
import urllib.request

import pytest

from latentcodec.datasets import KODAK, fetch_image, get_dataset, select_images
from latentcodec.errors import LatentCodecError
from latentcodec.sources import MIRROR_VARIABLE, resolve_mirror, sha256_of


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
    fetch_image("kodak", "kodim05", target, mirror=mirror)
    assert sha256_of(target) == KODAK.checksums["kodim05.png"]


def test_a_corrupt_mirror_file_is_refused_and_nothing_is_written(mirror, tmp_path):
    fake = tmp_path / "mirror" / "datasets" / "kodak"
    fake.mkdir(parents=True)
    shutil.copy(mirror / "datasets" / "kodak" / "kodim02.png", fake / "kodim01.png")
    target = tmp_path / "out" / "kodim01.png"
    with pytest.raises(LatentCodecError, match=r"kodim01\.png.*SHA-256"):
        fetch_image("kodak", "kodim01", target, mirror=tmp_path / "mirror")
    assert not target.exists() and list(target.parent.iterdir()) == []


def test_a_file_missing_from_the_mirror_names_the_expected_path(tmp_path):
    (tmp_path / "datasets").mkdir()
    with pytest.raises(LatentCodecError, match=r"datasets/kodak/kodim01\.png: not found"):
        fetch_image("kodak", "kodim01", tmp_path / "x.png", mirror=tmp_path)


def test_without_network_or_mirror_one_error_says_how_to_provide_a_copy(monkeypatch, tmp_path):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.delenv(MIRROR_VARIABLE, raising=False)
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(LatentCodecError) as error:
        fetch_image("kodak", "kodim01", tmp_path / "kodim01.png")
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

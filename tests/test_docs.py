"""The README and docs/ link only to files that exist: a moved table or figure breaks a test,
not a reader's click."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")  # [text](target) and ![alt](target)


def local_targets(page: Path) -> list[str]:
    targets = (match.group(1) for match in LINK.finditer(page.read_text(encoding="utf-8")))
    return [target for target in targets if not re.match(r"[a-z]+:|#", target)]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_local_link_points_to_a_file(page):
    missing = [
        target
        for target in local_targets(page)
        if not (page.parent / target.split("#")[0]).exists()
    ]
    assert not missing, f"{page.relative_to(ROOT)} links to missing files: {missing}"


def test_the_link_check_finds_a_missing_file(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("see ![x](figures/none.png) and [y](https://example.org) and [z](#top)\n")
    assert local_targets(page) == ["figures/none.png"]

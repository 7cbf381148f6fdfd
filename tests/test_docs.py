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


def markdown_tables(text: str) -> list[list[str]]:
    """Each run of lines starting with "|", header first."""
    tables, current = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    return tables


def cells(row: str) -> list[str]:
    return [cell.strip().strip("*`") for cell in row.strip().strip("|").split("|")]


# The README's 8-bit bounds table: its columns and their sources in docs/findings/entropy.md.
ENTROPY_COLUMNS = {
    "(a) histograms": "(a) histogram bpp",
    "(b) MED residuals": "(b) MED residual bpp",
    "(c) linear predictor": "(c) linear, causal + previous channels bpp",
    "PNG": "png bpp",
    "WebP lossless": "webpll bpp",
    "JPEG XL lossless": "jxl bpp",
    "AVIF lossless": "avif bpp",
    "lac": "lac bpp",
}


def test_the_readmes_tables_are_the_findings_tables():
    """Every number in a README table comes from a table `make findings` wrote: rows of the
    lead and latent-spaces tables and of the seed study's tables verbatim (the real SDXL VAE's
    latent-spaces row among them), the bounds table cell by cell."""
    findings = ROOT / "docs" / "findings"
    copied = {}
    for name in ("lead.md", "latent_spaces.md"):
        (header, *rows), *_ = markdown_tables((findings / name).read_text(encoding="utf-8"))
        copied.setdefault(header, set()).update(rows)
    seed_study = (findings / "seed-study" / "seed_study.md").read_text(encoding="utf-8")
    for header, *rows in markdown_tables(seed_study):
        copied.setdefault(header, set()).update(rows)
    (entropy_header, _, *entropy_rows), *_ = markdown_tables(
        (findings / "entropy.md").read_text(encoding="utf-8")
    )
    entropy_header = cells(entropy_header)
    sources = {cells(row)[0]: dict(zip(entropy_header, cells(row), strict=True))
               for row in entropy_rows if cells(row)[1] == "8"}  # fmt: skip
    for header, _, *rows in markdown_tables((ROOT / "README.md").read_text(encoding="utf-8")):
        if header in copied:
            assert set(rows) <= copied[header], set(rows) - copied[header]
            continue
        names = cells(header)
        assert names[0] == "model (8 bits)", f"a README table with no source: {header}"
        for row in rows:
            model, *values = cells(row)
            for name, value in zip(names[1:], values, strict=True):
                assert sources[model][ENTROPY_COLUMNS[name]] == value, (model, name)


def current_rules(mirror: Path) -> list[str]:
    """The rules of the smoke DAG as the code builds it now (its rule graph's labels)."""
    import os
    import subprocess
    import sys

    graph = subprocess.run(
        [str(Path(sys.executable).parent / "snakemake"), "--rulegraph"]
        + ["--configfile", ".test/config-smoke.yaml"],
        cwd=ROOT,
        env={**os.environ, "LATENTCODEC_MIRROR": str(mirror)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted(set(re.findall(r'label = "([a-z_]+)"', graph)))


def test_the_docs_pictures_of_the_workflow_show_todays_rules(mirror):
    """docs/rulegraph.svg and docs/report.png come from `make docs`: a rule added, renamed or
    removed since makes them stale, and this fails until they are drawn again."""
    rules = current_rules(mirror)
    svg = (ROOT / "docs" / "rulegraph.svg").read_text(encoding="utf-8")
    drawn = sorted(set(re.findall(r">([a-z_]+)</text>", svg)))
    assert drawn == rules, "docs/rulegraph.svg is stale: run make docs"
    shot = (ROOT / "docs" / "report.rules").read_text(encoding="utf-8").split()
    assert shot == rules, "docs/report.png is stale: run make report-screenshot"


def wing_of(module: str) -> str:
    """The wing a module of latentcodec lives in: its subpackage, or `ground` (errors, io,
    sources, tables: what every wing may use) or `top` (api, cli: built on the wings)."""
    parts = module.split(".")
    if len(parts) > 2:
        return parts[1]
    return "top" if parts[1] in ("api", "cli", "cli_parser") else "ground"


def wing_imports() -> set[tuple[str, str]]:
    """(importer's wing, imported wing) for every import of latentcodec in the package."""
    import ast

    edges = set()
    package = ROOT / "latentcodec"
    for path in package.rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        if module == "latentcodec" or module.endswith(".data"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("latentcodec."):
                target = wing_of(node.module)
                if target != wing_of(module):
                    edges.add((wing_of(module), target))
    return edges


def test_the_wings_picture_in_the_development_guide_is_the_codes_imports():
    """docs/development.md draws which wing imports which (a Mermaid graph): it must be the
    code's own, arrow for arrow, so the picture cannot go stale."""
    text = (ROOT / "docs" / "development.md").read_text(encoding="utf-8")
    block = text.split("```mermaid", 1)[1].split("```", 1)[0]
    drawn = set(re.findall(r"^\s*(\w+) --> (\w+)\s*$", block, flags=re.MULTILINE))
    assert drawn == wing_imports()

"""Each rule's conda env holds what its code imports, and only the model env has torch."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO

from .envcheck import (
    MODEL_ONLY,
    check_workflow,
    read_env,
    read_rules,
    required_imports,
    unpinned,
)

PACKAGE = REPO / "latentcodec"


def rule_named(name: str):
    return next(rule for rule in read_rules(REPO) if rule.name == name)


def test_every_rule_env_lists_the_packages_its_code_imports():
    assert check_workflow(REPO, PACKAGE) == []


def test_every_rule_that_runs_code_names_an_existing_env():
    rules = read_rules(REPO)
    assert len(rules) >= 15 and {"reconstruct", "figures", "execute_notebook"} <= {
        rule.name for rule in rules
    }
    for rule in rules:
        if rule.runs_code:
            assert rule.env is not None and rule.env.is_file(), rule.name
            assert rule.script is not None and rule.script.is_file(), rule.name


def test_every_env_pins_every_package():
    envs = sorted((REPO / "envs").glob("*.yaml"))
    assert [env.name for env in envs] == ["codec.yaml", "data.yaml", "model.yaml", "report.yaml"]
    for env in envs:
        assert unpinned(env) == [], env.name


def test_only_the_model_env_holds_torch_and_diffusers():
    holders = {
        env.name for env in (REPO / "envs").glob("*.yaml") if MODEL_ONLY & set(read_env(env))
    }
    assert holders == {"model.yaml"}
    assert MODEL_ONLY <= set(read_env(REPO / "envs" / "model.yaml"))


def test_lazy_imports_count_only_for_the_jobs_that_reach_them():
    # The steps import torch only inside the functions that load a model or measure MS-SSIM.
    assert {"torch", "diffusers"}.isdisjoint(
        required_imports(rule_named("compress_latents"), PACKAGE)
    )
    assert {"torch", "pytorch_msssim"} <= set(
        required_imports(rule_named("pixel_baseline"), PACKAGE)
    )
    # diffusers is imported by name (importlib.import_module) inside autoencoders.
    assert "diffusers" in required_imports(rule_named("reconstruct"), PACKAGE)
    # The notebook's own imports and its kernel count for the rule that executes it.
    notebook = required_imports(rule_named("execute_notebook"), PACKAGE)
    assert {"IPython", "ipykernel", "matplotlib", "scipy", "nbclient"} <= set(notebook)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def fake_repo(tmp_path: Path) -> Path:
    """A workflow whose one rule plots from the real report env less matplotlib."""
    write(
        tmp_path / "rules" / "plots.smk",
        'rule plot:\n    input:\n        "table.csv",\n    conda:\n        "../envs/report.yaml"\n'
        '    script:\n        "../scripts/plot.py"\n',
    )
    real = (REPO / "envs" / "report.yaml").read_text().splitlines(keepends=True)
    write(
        tmp_path / "envs" / "report.yaml",
        "".join(line for line in real if "matplotlib" not in line),
    )
    write(
        tmp_path / "scripts" / "plot.py",
        "from latentcodec.report.plots import plot_rd\nplot_rd()\n",
    )
    return tmp_path


def test_the_checker_reports_a_package_missing_from_an_env(fake_repo):
    assert check_workflow(fake_repo, PACKAGE) == [
        "plots.smk: rule plot: report.yaml lacks matplotlib-base or matplotlib "
        "(import matplotlib in latentcodec.report.plots)"
    ]
    env = fake_repo / "envs" / "report.yaml"
    write(env, env.read_text() + "  - matplotlib-base=3.11\n")  # the real env again
    assert check_workflow(fake_repo, PACKAGE) == []


def test_the_checker_reports_no_env_an_unpinned_package_and_torch_outside_the_model_env(
    fake_repo,
):
    write(
        fake_repo / "rules" / "bare.smk",
        'rule bare:\n    output:\n        "x",\n    script:\n        "../scripts/plot.py"\n',
    )
    write(fake_repo / "envs" / "codec.yaml", "dependencies:\n  - numpy\n  - pytorch=2.13.0\n")
    problems = check_workflow(fake_repo, PACKAGE)
    assert "bare.smk: rule bare runs code but names no conda env" in problems
    assert "codec.yaml: 'numpy' pins no version" in problems
    assert "codec.yaml: lists ['pytorch'], which only model.yaml may hold" in problems


def test_imports_inside_functions_are_followed_only_where_they_are_called(tmp_path):
    package = tmp_path / "fakepkg"
    write(package / "__init__.py", "")
    write(package / "steps.py", "def run():\n    from fakepkg.helpers import load\n    load()\n")
    write(
        package / "helpers.py",
        "import numpy\n\n\ndef load():\n    import yaml\n\n\ndef never_called():\n"
        "    import torch\n",
    )
    write(tmp_path / "scripts" / "step.py", "from fakepkg.steps import run\nrun()\nimport oddity\n")
    write(tmp_path / "envs" / "codec.yaml", "dependencies:\n  - numpy=2.4\n")
    write(
        tmp_path / "rules" / "step.smk",
        'rule step:\n    conda:\n        "../envs/codec.yaml"\n    script:\n'
        '        "../scripts/step.py"\n',
    )
    rule = read_rules(tmp_path)[0]
    assert set(required_imports(rule, package)) == {"numpy", "yaml", "oddity"}
    problems = check_workflow(tmp_path, package)
    assert problems == [
        f"step.smk: rule step: no conda package known for import 'oddity' (from "
        f"{tmp_path / 'scripts' / 'step.py'}); add it to IMPORT_TO_CONDA",
        "step.smk: rule step: codec.yaml lacks pyyaml (import yaml in fakepkg.helpers)",
    ]

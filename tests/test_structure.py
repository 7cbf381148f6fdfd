"""The package's shape, held by tests so that it cannot drift: import layers without cycles
(a module sits one layer above everything of latentcodec it imports, `errors` at 1), module
and function sizes (docs/development.md, "Wings"), and the size of rules/common.smk."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

MAX_LAYERS = 6
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 60
MAX_COMMON_RULES_LINES = 120  # rules/common.smk only asks the Experiment


def package_imports() -> dict[str, set[str]]:
    """Module → the latentcodec modules it imports (a package's __init__ counts as itself)."""
    modules = {}
    for path in (REPO / "latentcodec").rglob("*.py"):
        name = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        modules[name] = path
    imports = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("latentcodec"):
                for alias in node.names:
                    child = f"{node.module}.{alias.name}"
                    found.add(child if child in modules else node.module)
        imports[name] = {module for module in found if module in modules} - {name, "latentcodec"}
    return imports


def layers(imports: dict[str, set[str]]) -> dict[str, int]:
    """Each module's layer; an import cycle fails with the cycle named."""
    done: dict[str, int] = {}
    path: list[str] = []

    def layer(module: str) -> int:
        if module in done:
            return done[module]
        assert module not in path, f"import cycle: {' → '.join([*path, module])}"
        path.append(module)
        done[module] = 1 + max((layer(other) for other in imports[module]), default=0)
        path.pop()
        return done[module]

    for module in imports:
        layer(module)
    return done


def test_the_package_has_at_most_six_import_layers_and_no_cycle():
    deepest = layers(package_imports())
    too_deep = {module: depth for module, depth in deepest.items() if depth > MAX_LAYERS}
    assert not too_deep, too_deep


def test_the_layer_count_sees_a_cycle_and_a_chain():
    assert layers({"a": set(), "b": {"a"}, "c": {"b", "a"}}) == {"a": 1, "b": 2, "c": 3}
    try:
        layers({"a": {"b"}, "b": {"a"}})
    except AssertionError as error:
        assert "import cycle" in str(error)
    else:
        raise AssertionError("a cycle went unnoticed")


def sources() -> list[Path]:
    """Every Python file outside the tests: the package, the scripts and the benchmarks."""
    return [
        path
        for folder in ("latentcodec", "scripts", "bench")
        for path in (REPO / folder).rglob("*.py")
    ]


def test_no_module_is_over_450_lines():
    long = {
        str(path.relative_to(REPO)): lines
        for path in (REPO / "latentcodec").rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, long


def test_no_function_outside_the_tests_is_over_60_lines():
    long = {}
    for path in sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(REPO)}:{node.name}"] = lines
    assert not long, long


def test_the_rules_common_file_stays_a_thin_front_of_the_experiment():
    lines = len((REPO / "rules" / "common.smk").read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_COMMON_RULES_LINES, lines

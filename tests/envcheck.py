"""Check each workflow rule's conda env against the packages its code imports.

A rule runs its script (and a notebook it names) in its `conda:` env. The packages a job
needs are the third-party imports of the code it can reach: the module-level imports of
every `latentcodec` module it loads, and the imports inside the functions and classes it can
call, followed name by name through `latentcodec.*` imports (and `importlib.import_module`
with a literal name). Following only what a job can reach keeps lazy imports where they
belong: `pipeline.compress_latents` never reaches `autoencoders` (torch), while
`pipeline.pixel_baseline` reaches `metrics.msssim` (torch, pytorch-msssim).

Static reading over-approximates (a function named anywhere in a reached body counts as
called) and misses calls made through strings other than `import_module`; that is the
right side to err on for an env check.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

# Import name -> the conda-forge package names that provide it (any one will do).
IMPORT_TO_CONDA = {
    "IPython": ("ipython",),
    "PIL": ("pillow",),
    "constriction": ("constriction",),
    "diffusers": ("diffusers",),
    "huggingface_hub": ("huggingface_hub",),
    "imagecodecs": ("imagecodecs",),
    "ipykernel": ("ipykernel",),
    "jupyter_client": ("jupyter_client",),
    "matplotlib": ("matplotlib-base", "matplotlib"),
    "nbclient": ("nbclient",),
    "nbconvert": ("nbconvert-core", "nbconvert"),
    "nbformat": ("nbformat",),
    "numpy": ("numpy",),
    "pandas": ("pandas",),
    "pytorch_msssim": ("pytorch-msssim",),
    "safetensors": ("safetensors",),
    "scipy": ("scipy",),
    "skimage": ("scikit-image",),
    "torch": ("pytorch",),
    "tqdm": ("tqdm",),
    "yaml": ("pyyaml",),
}
# Only the model env may hold these (README: "only the model env has torch").
MODEL_ONLY = {"pytorch", "diffusers"}
# Directives under which a rule runs code, and so needs an env.
CODE_DIRECTIVES = ("script", "shell", "notebook", "wrapper")

_RULE = re.compile(r"^rule (\w+):\n((?:[ \t]+.*\n|[ \t]*\n)*)", re.MULTILINE)
_PINNED = re.compile(r"[A-Za-z0-9_.\-]+\s*==?\s*[0-9][A-Za-z0-9_.*+!]*")


@dataclass
class Rule:
    name: str
    file: Path
    env: Path | None = None
    script: Path | None = None
    notebooks: list[Path] = field(default_factory=list)
    runs_code: bool = False


def read_rules(repo: Path) -> list[Rule]:
    """Every rule of rules/*.smk with its env, script and the notebooks its block names."""
    rules = []
    for path in sorted((repo / "rules").glob("*.smk")):
        for match in _RULE.finditer(path.read_text()):
            name, body = match.groups()
            rule = Rule(name, path)
            rule.runs_code = any(_directive(body, d) is not None for d in CODE_DIRECTIVES)
            env, script = _directive(body, "conda"), _directive(body, "script")
            rule.env = (path.parent / env).resolve() if env else None
            rule.script = (path.parent / script).resolve() if script else None
            inputs = _section(body, "input")
            # workflow.source_path("../notebooks/x.ipynb"): relative to the rule file
            rule.notebooks = [
                (path.parent / found).resolve() for found in re.findall(r'"([^"]+\.ipynb)"', inputs)
            ]
            rules.append(rule)
    return rules


def _directive(body: str, name: str) -> str | None:
    """The string given to `name:` in a snakefmt-formatted rule body, or None."""
    match = re.search(rf'^[ \t]+{name}:\s*"([^"]*)"', body, re.MULTILINE)
    return match.group(1) if match else None


def _section(body: str, name: str) -> str:
    """The lines under `name:` in a rule body, up to the next directive."""
    match = re.search(rf"^([ \t]+){name}:\n((?:\1[ \t]+.*\n)*)", body, re.MULTILINE)
    return match.group(2) if match else ""


def read_env(path: Path) -> dict[str, str]:
    """{package name: the spec as written} of an env file's dependencies, conda's and those
    in its `pip:` section (PyPI packages that conda-forge lacks)."""
    specs = []
    for entry in yaml.safe_load(path.read_text())["dependencies"]:
        specs.extend(entry["pip"] if isinstance(entry, dict) else [entry])
    return {re.split(r"[=<>!~ ]", spec.split("::")[-1])[0]: spec for spec in specs}


def unpinned(path: Path) -> list[str]:
    return [spec for spec in read_env(path).values() if not _PINNED.fullmatch(spec)]


class ImportGraph:
    """Third-party imports reachable from some code, through one package's modules."""

    def __init__(self, package_dir: Path):
        self.package = package_dir.name
        self.root = package_dir.parent
        self.found: dict[str, str] = {}  # import name -> where first seen
        self._modules: dict[str, _Module] = {}
        self._reached: set[tuple[str, str]] = set()

    def from_source(self, source: str, label: str) -> dict[str, str]:
        """Run-from-the-top code (a script, notebook cells): what it needs, with where."""
        module = _Module(label, ast.parse(source, label), self.package)
        self._walk(module, module.tree)  # all of it: its functions are its own to call
        return dict(self.found)

    def _module(self, name: str) -> _Module | None:
        """Load `name` (and its parent packages): its module-level code runs."""
        if name in self._modules:
            return self._modules[name]
        parts = name.split(".")
        base = self.root.joinpath(*parts)
        path = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
        if not path.is_file():
            return None
        module = self._modules[name] = _Module(
            name, ast.parse(path.read_text(), path), self.package
        )
        if len(parts) > 1:
            self._module(".".join(parts[:-1]))
        self._walk(module, tree_is_module=True)
        return module

    def _reach(self, module_name: str, attribute: str | None) -> None:
        """Code that may call `module_name.attribute` (None: the module only)."""
        module = self._module(module_name)
        if module is None or attribute is None:
            return
        if self._module(f"{module_name}.{attribute}") is not None:
            return
        if (module_name, attribute) in self._reached or attribute not in module.definitions:
            return
        self._reached.add((module_name, attribute))
        self._walk(module, module.definitions[attribute])

    def _walk(self, module: _Module, node: ast.AST | None = None, tree_is_module=False):
        """Record what `node` imports, and reach every package name it mentions.

        For a module, only the statements that run on import are walked: the bodies of
        its functions and classes wait until something reaches them.
        """
        if tree_is_module:
            nodes = []
            for statement in module.tree.body:
                if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    continue
                nodes.extend(ast.walk(statement))
        else:
            nodes = list(ast.walk(node))
        for sub in nodes:
            if isinstance(sub, ast.Import):
                for alias in sub.names:
                    self._import(module, alias.name, None)
            elif isinstance(sub, ast.ImportFrom):
                base = module.absolute(sub)
                for alias in sub.names:
                    self._import(module, base, alias.name)
            elif isinstance(sub, ast.Call) and _is_import_module(sub):
                self._import(module, sub.args[0].value, None)
            elif isinstance(sub, ast.Name):
                if sub.id in module.bindings:
                    self._reach(*module.bindings[sub.id])
                elif sub.id in module.definitions and module.name in self._modules:
                    self._reach(module.name, sub.id)
            elif isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name):
                bound = module.bindings.get(sub.value.id)
                if bound is None:
                    continue
                target = bound[0] if bound[1] is None else ".".join(bound)
                if self._module(target) is not None:  # a package module: m.function
                    self._reach(target, sub.attr)

    def _import(self, module: _Module, name: str, attribute: str | None) -> None:
        top = name.split(".")[0]
        if top == self.package:  # loads the module; a name it binds is reached when used
            self._module(name if attribute is None else f"{name}.{attribute}")
            self._module(name)
        elif top not in sys.stdlib_module_names:
            self.found.setdefault(top, module.name)


class _Module:
    """One parsed module: its top-level definitions and the package names it binds."""

    def __init__(self, name: str, tree: ast.Module, package: str):
        self.name, self.tree, self.package = name, tree, package
        self.definitions: dict[str, ast.AST] = {}
        self.bindings: dict[str, tuple[str, str | None]] = {}
        for statement in tree.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.definitions[statement.name] = statement
            elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
                targets = (
                    statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                )
                for target in targets:
                    for named in ast.walk(target):
                        if isinstance(named, ast.Name):
                            self.definitions[named.id] = statement
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = self.absolute(node)
                if base.split(".")[0] == package:
                    for alias in node.names:
                        self.bindings[alias.asname or alias.name] = (base, alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == package:
                        bound = alias.asname or alias.name.split(".")[0]
                        self.bindings[bound] = (alias.name if alias.asname else package, None)

    def absolute(self, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        parts = self.name.split(".")[: -node.level] or [self.package]
        return ".".join(parts + ([node.module] if node.module else []))


def _is_import_module(call: ast.Call) -> bool:
    function = call.func
    name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
    return (
        name == "import_module"
        and len(call.args) == 1
        and isinstance(call.args[0], ast.Constant)
        and isinstance(call.args[0].value, str)
    )


def notebook_source(path: Path) -> str:
    """The code cells of a notebook as one module; IPython magics and shell lines dropped."""
    cells = nbformat.read(path, as_version=4).cells
    lines = [
        line
        for cell in cells
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if not line.lstrip().startswith(("%", "!"))
    ]
    return "\n".join(lines) + "\n"


def required_imports(rule: Rule, package_dir: Path) -> dict[str, str]:
    """{third-party import name: where it is imported} for the code `rule` runs."""
    graph = ImportGraph(package_dir)
    if rule.script is not None:
        graph.from_source(rule.script.read_text(), str(rule.script))
    for notebook in rule.notebooks:
        graph.from_source(notebook_source(notebook), str(notebook))
        graph.found.setdefault("ipykernel", f"{notebook} (its Jupyter kernel)")
    return graph.found


def check_workflow(repo: Path, package_dir: Path) -> list[str]:
    """Every mismatch between the rules' code and their envs, as readable lines."""
    problems = []
    for rule in read_rules(repo):
        where = f"{rule.file.name}: rule {rule.name}"
        if rule.runs_code and rule.env is None:
            problems.append(f"{where} runs code but names no conda env")
            continue
        if rule.env is None:
            continue
        if not rule.env.is_file():
            problems.append(f"{where}: conda env {rule.env} does not exist")
            continue
        listed = set(read_env(rule.env))
        for name, origin in sorted(required_imports(rule, package_dir).items()):
            choices = IMPORT_TO_CONDA.get(name)
            if choices is None:
                problems.append(
                    f"{where}: no conda package known for import {name!r} (from {origin}); "
                    "add it to IMPORT_TO_CONDA"
                )
            elif not listed & set(choices):
                problems.append(
                    f"{where}: {rule.env.name} lacks {' or '.join(choices)} "
                    f"(import {name} in {origin})"
                )
    for env in sorted((repo / "envs").glob("*.yaml")):
        problems += [f"{env.name}: {spec!r} pins no version" for spec in unpinned(env)]
        model_only = sorted(MODEL_ONLY & set(read_env(env)))
        if model_only and env.name != "model.yaml":
            problems.append(f"{env.name}: lists {model_only}, which only model.yaml may hold")
    return problems

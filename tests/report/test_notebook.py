"""The notebook runner: parameters go in after the tagged cell; failures name the notebook."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from latentcodec.errors import LatentCodecError
from latentcodec.report.notebook import INJECTED_TAG, execute_notebook, inject_parameters


def notebook_file(path: Path, *sources: str, tagged: int | None = 0) -> Path:
    cells = [nbformat.v4.new_code_cell(source) for source in sources]
    if tagged is not None:
        cells[tagged].metadata["tags"] = ["parameters"]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    path.write_text(nbformat.writes(notebook))
    return path


def test_parameters_are_assigned_right_after_the_tagged_cell(tmp_path):
    notebook = nbformat.read(notebook_file(tmp_path / "in.ipynb", "a = 1", "print(a)"), 4)
    inject_parameters(notebook, {"a": 2, "names": ["x", "y"], "none": None})
    assert [cell.source.splitlines()[-1] for cell in notebook.cells] == [
        "a = 1",
        "none = None",
        "print(a)",
    ]
    assert "a = 2\nnames = ['x', 'y']\n" in notebook.cells[1].source
    assert notebook.cells[1].metadata["tags"] == [INJECTED_TAG]


def test_a_notebook_without_one_parameters_cell_is_refused_by_name(tmp_path):
    path = notebook_file(tmp_path / "untagged.ipynb", "a = 1", tagged=None)
    with pytest.raises(LatentCodecError, match=r"untagged\.ipynb: needs exactly one cell tagged"):
        execute_notebook(path, tmp_path / "out.ipynb", {"a": 2})


def test_executing_writes_the_outputs_the_same_bytes_twice_and_html(tmp_path):
    path = notebook_file(tmp_path / "in.ipynb", "a = 1", "print(a * 21)")
    execute_notebook(path, tmp_path / "one.ipynb", {"a": 2}, html=tmp_path / "one.html")
    execute_notebook(path, tmp_path / "two.ipynb", {"a": 2})
    executed = nbformat.read(tmp_path / "one.ipynb", 4)
    assert executed.cells[-1].outputs[0]["text"] == "42\n"
    assert (tmp_path / "one.ipynb").read_bytes() == (tmp_path / "two.ipynb").read_bytes()
    assert "42" in (tmp_path / "one.html").read_text()


def test_a_failing_cell_names_the_notebook_and_writes_nothing(tmp_path):
    path = notebook_file(tmp_path / "in.ipynb", "a = 1", "print(a * 21)")
    with pytest.raises(LatentCodecError, match=r"(?s)in\.ipynb: a cell failed .*TypeError"):
        execute_notebook(path, tmp_path / "bad.ipynb", {"a": None})
    assert list(tmp_path.glob("bad*")) == [] and list(tmp_path.glob(".bad*")) == []


def test_a_notebook_asking_for_a_missing_kernel_says_which(tmp_path):
    path = notebook_file(tmp_path / "in.ipynb", "a = 1")
    notebook = nbformat.read(path, 4)
    notebook.metadata["kernelspec"]["name"] = "no-such-kernel"
    path.write_text(nbformat.writes(notebook))
    with pytest.raises(LatentCodecError, match=r"in\.ipynb: no Jupyter kernel 'no-such-kernel'"):
        execute_notebook(path, tmp_path / "out.ipynb", {})

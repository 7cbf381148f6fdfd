"""Execute the results notebook on a finished run: its executed copy and an HTML page.

The workflow runs `notebooks/results.ipynb` as a job on the run's results table, so the copy
under `results/<run>/` always shows the table it sits beside and never goes stale. Values
reach the notebook the way papermill passes them: a code cell inserted right after the cell
tagged `parameters` assigns them, so the notebook itself stays runnable by hand with its own
defaults. Cells run in a Jupyter kernel (ipykernel) started from this Python interpreter.
"""

from __future__ import annotations

import logging
import os

import nbformat
from jupyter_client.kernelspec import NoSuchKernel
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from latentcodec.errors import LatentCodecError
from latentcodec.io import write_text_atomic

log = logging.getLogger(__name__)

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"


def read_notebook(path: str | os.PathLike) -> nbformat.NotebookNode:
    try:
        return nbformat.read(path, as_version=4)
    except (OSError, ValueError, nbformat.ValidationError) as error:
        raise LatentCodecError(f"{path}: cannot read as a Jupyter notebook ({error})") from error


def inject_parameters(
    notebook: nbformat.NotebookNode, parameters: dict, *, label: str = "notebook"
) -> None:
    """Insert a cell assigning `parameters` right after the cell tagged 'parameters'."""
    tagged = [
        index
        for index, cell in enumerate(notebook.cells)
        if PARAMETERS_TAG in cell.get("metadata", {}).get("tags", [])
    ]
    if len(tagged) != 1:
        raise LatentCodecError(
            f"{label}: needs exactly one cell tagged {PARAMETERS_TAG!r} to take its "
            f"parameters, found {len(tagged)}"
        )
    lines = ["# Parameters passed by the workflow (latentcodec.report.notebook)"]
    lines += [f"{name} = {value!r}" for name, value in parameters.items()]
    cell = nbformat.v4.new_code_cell("\n".join(lines))
    cell.metadata["tags"] = [INJECTED_TAG]
    notebook.cells.insert(tagged[0] + 1, cell)


def execute_notebook(
    template: str | os.PathLike,
    output: str | os.PathLike,
    parameters: dict,
    *,
    html: str | os.PathLike | None = None,
    timeout: int = 600,
) -> None:
    """Run `template` with `parameters` in the current folder; write the executed copy.

    `html`, when given, also gets the executed notebook as a self-contained HTML page (the
    figures embedded), for the Snakemake report and for readers without Jupyter.
    """
    notebook = read_notebook(template)
    inject_parameters(notebook, parameters, label=str(template))
    _drop_cell_ids(notebook)
    client = NotebookClient(notebook, timeout=timeout, record_timing=False)
    log.info("executing %s with %s", template, parameters)
    try:
        client.execute()
    except NoSuchKernel as error:
        raise LatentCodecError(
            f"{template}: no Jupyter kernel {error.name!r} for this Python; install ipykernel"
        ) from error
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
        raise LatentCodecError(
            f"{template}: a cell failed while running on {parameters}:\n{error}"
        ) from error
    write_text_atomic(output, nbformat.writes(notebook) + "\n")
    if html is not None:
        from nbconvert import HTMLExporter  # imports a great deal; only when asked

        body, _ = HTMLExporter().from_notebook_node(notebook)
        write_text_atomic(html, body)
    log.info("wrote %s%s", output, f" and {html}" if html else "")


def _drop_cell_ids(notebook: nbformat.NotebookNode) -> None:
    """Cell ids are random and optional before nbformat 4.5: without them runs repeat exactly."""
    notebook.nbformat_minor = min(notebook.nbformat_minor, 4)
    for cell in notebook.cells:
        cell.pop("id", None)

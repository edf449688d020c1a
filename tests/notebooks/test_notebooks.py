"""Every notebook runs end to end in a real kernel (nbclient) against the local backend."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
MINE = ["quickstart.ipynb", "timeline_analysis.ipynb", "batch.ipynb"]


@pytest.fixture(autouse=True)
def _kernel_imports_this_checkout(monkeypatch):
    """The kernel imports the package from this checkout, whatever is installed."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))


def execute(name: str, tmp_path: Path) -> tuple[nbformat.NotebookNode, str]:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(notebook, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    saved = tmp_path / name
    nbformat.write(notebook, saved)
    return notebook, saved.read_text(encoding="utf-8")


def outputs(notebook, mime: str) -> list[str]:
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and mime == "stream":
                found.append(output["text"])
            elif mime in output.get("data", {}):
                found.append(str(output["data"][mime]))
    return found


def no_errors(notebook) -> None:
    errors = [o for cell in notebook.cells for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, errors


@pytest.mark.parametrize("name", MINE)
def test_notebooks_are_committed_without_outputs(name):
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def cell_outputs(notebook, starts_with: str) -> list:
    return next(cell for cell in notebook.cells if cell.source.startswith(starts_with)).outputs


def test_quickstart(tmp_path):
    notebook, text = execute("quickstart.ipynb", tmp_path)
    no_errors(notebook)
    printed = "\n".join(outputs(notebook, "stream"))
    assert 'Added text "Urban Dreams" on track 2 (0-2s).' in printed
    assert 'Title: "Urban Dreams" (0-2s) 3. BGM: lofi.mp3 (0-4s, 35%)' in printed
    assert "Timeline (1 track): 1. Video: city.mp4, beach.mp4 (0-4s)" in "\n".join(outputs(notebook, "text/markdown"))
    assert 'class="dataframe"' in "\n".join(outputs(notebook, "text/html"))
    assert len(cell_outputs(notebook, "%%nemo\nreorder")) == 1, "the streamed reply is one output, updated in place"
    player = cell_outputs(notebook, "video = %nemo export")[-1]["data"]
    assert "<video" in player.get("text/html", "") or "application/vnd.jupyter.widget-view+json" in player
    assert any("quickstart.mp4" in s for s in outputs(notebook, "text/plain"))
    assert "nmv_usr_" not in text


def test_timeline_analysis(tmp_path):
    notebook, text = execute("timeline_analysis.ipynb", tmp_path)
    no_errors(notebook)
    assert outputs(notebook, "image/png"), "the track plot"
    assert any("segments on 3 tracks" in s for s in outputs(notebook, "stream"))
    assert any("retimed" in s and "moved" in s for s in outputs(notebook, "text/plain"))
    assert "nmv_usr_" not in text


def test_batch(tmp_path):
    notebook, text = execute("batch.ipynb", tmp_path)
    no_errors(notebook)
    plain = "\n".join(outputs(notebook, "text/plain"))
    assert "ok        3" in plain and "failed    1" in plain
    assert "4/4 done, 1 failed" in "\n".join(outputs(notebook, "text/html"))
    assert "nmv_usr_" not in text
    assert json.loads(text)["cells"]

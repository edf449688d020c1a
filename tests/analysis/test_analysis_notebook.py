"""notebooks/clip_analysis.ipynb runs top to bottom (nbclient) and renders what it promises."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "clip_analysis.ipynb"
TOLERANCE_S = 0.1


def test_the_clip_analysis_notebook_runs(tmp_path):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert not any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), "outputs committed"
    run_in = {"metadata": {"path": str(tmp_path)}}
    NotebookClient(notebook, timeout=240, kernel_name="python3", resources=run_in).execute()
    printed = "".join(out.get("text", "") for cell in notebook.cells for out in cell.get("outputs", []))
    assert re.search(r"^cuts at \[0\.6, 1\.6\] s; analysis took \d+ ms for 2 s of video", printed, re.M), printed
    rendered = re.search(r"^rendered ([\d.]+) s, cuts at \[([^\]]*)\] s$", printed, re.M)
    assert rendered, printed
    assert float(rendered[1]) == pytest.approx(2.0, abs=TOLERANCE_S)
    assert [float(t) for t in rendered[2].split(",")] == pytest.approx([0.4, 1.0], abs=TOLERANCE_S)

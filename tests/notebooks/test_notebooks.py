"""Every notebook runs end to end in a real kernel (nbclient) against the local backend."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from nemo_jupyter.static_forms import WIDGET_VIEW, freeze_notebook

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
MINE = ["quickstart.ipynb", "timeline_analysis.ipynb", "batch.ipynb"]


@pytest.fixture(autouse=True)
def _kernel_imports_this_checkout(monkeypatch):
    """The kernel imports the package from this checkout, whatever is installed."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))


def execute(name: str, tmp_path: Path) -> tuple[nbformat.NotebookNode, str]:
    """Run a notebook in `tmp_path` (its exports land there, not in the repository) and save it there
    as the Jupyter server's save hook would (`freeze_notebook`)."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(notebook, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    saved = tmp_path / name
    frozen = json.loads(nbformat.writes(notebook))
    freeze_notebook(frozen)
    saved.write_text(json.dumps(frozen, indent=1), encoding="utf-8")
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


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory):
    """The quickstart, run once: (notebook as run, the saved file's text, its folder)."""
    folder = tmp_path_factory.mktemp("quickstart")
    return (*execute("quickstart.ipynb", folder), folder)


def test_quickstart(quickstart):
    notebook, text, tmp_path = quickstart
    no_errors(notebook)
    printed = "\n".join(outputs(notebook, "stream"))
    assert 'Added text "Urban Dreams" on track 2 (0-2s).' in printed
    assert 'Title: "Urban Dreams" (0-2s) 3. BGM: lofi.mp3 (0-4s, 35%)' in printed
    assert "Timeline (1 track): 1. Video: city.mp4, beach.mp4 (0-4s)" in "\n".join(outputs(notebook, "text/markdown"))
    assert 'class="dataframe"' in "\n".join(outputs(notebook, "text/html"))
    assert len(cell_outputs(notebook, "%%nemo\nreorder")) == 1, "the streamed reply is one output, updated in place"
    player = cell_outputs(notebook, "video = %nemo export")[-1]["data"]
    assert '<video src="quickstart.mp4" poster="data:image/jpeg;base64,' in player["text/html"]  # lasts: relative
    assert (tmp_path / "quickstart.poster.jpg").is_file()
    assert any("quickstart.mp4" in s for s in outputs(notebook, "text/plain"))
    (timeline,) = [o["data"] for o in cell_outputs(notebook, "%nemo timeline") if "text/html" in o.get("data", {})
                   and "svg" in o["data"]["text/html"]]
    assert timeline["text/plain"].startswith("Timeline: 3 track(s)")
    assert "nmv_usr_" not in text
    assert len(text.encode()) < 200_000, f"the saved quickstart is {len(text.encode())} bytes"
    assert WIDGET_VIEW not in text and "object at 0x" not in text
    html = nbconvert_html(tmp_path / "quickstart.ipynb")
    for lasting in ("What changed", "data:image/svg+xml;base64,", 'Added text "Urban Dreams"', 'class="dataframe"'):
        assert lasting in html, lasting
    (video,) = re.findall(r"<video[^>]*>", html)
    assert 'src="quickstart.mp4"' in video and 'poster="data:image/jpeg;base64,' in video
    assert not re.search(r"object at 0x|Error displaying widget|model not found", html)


def nbconvert_html(path: Path, *preprocessors: str) -> str:
    """The notebook as nbconvert's HTML, made offline."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(preprocessors=list(preprocessors)).from_filename(str(path))
    return body


def test_nbconvert_of_a_notebook_run_by_nbclient_shows_the_static_results_not_reprs(quickstart):
    """Straight from nbclient (no server hook ran): a kernel with no widget frontend shows only the
    static forms (widgets/frontend.py), so nbconvert shows them, with or without our preprocessor."""
    notebook, _, folder = quickstart
    raw = folder / "raw.ipynb"
    nbformat.write(notebook, raw)
    assert WIDGET_VIEW not in raw.read_text(encoding="utf-8")
    html = nbconvert_html(raw)
    assert "data:image/svg+xml;base64," in html and "What changed" in html
    assert re.search(r'<video[^>]*src="quickstart.mp4"', html)
    assert not re.search(r"object at 0x|TimelineWidget\(|PlayerWidget\(", nbconvert_html(raw))
    html = nbconvert_html(raw, "nemo_jupyter.static_forms.nbconvert_preprocessor")
    assert "data:image/svg+xml;base64," in html and "What changed" in html
    assert re.search(r'<video[^>]*src="quickstart.mp4"', html)
    assert not re.search(r"object at 0x|TimelineWidget\(|PlayerWidget\(", html)
    addresses = [line for line in outputs(notebook, "text/plain") if re.search(r"0x[0-9a-f]{6,}", line)]
    assert not addresses, "a memory address would change from run to run"


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
    html = "\n".join(outputs(notebook, "text/html"))
    assert "4/4 done, 1 failed" in html
    assert "4/4 done, 0 failed (3 from the journal)" in html  # the resumed run, whose table stays in the file
    assert "instructions sent by the rerun: 1" in "\n".join(outputs(notebook, "stream"))
    assert "nmv_usr_" not in text
    assert json.loads(text)["cells"]


def test_clip_analysis_ends_on_what_lasts(tmp_path):
    """It deletes its render at the end, so it shows frames kept in the notebook, never a dead <video>."""
    notebook, text = execute("clip_analysis.ipynb", tmp_path)
    no_errors(notebook)
    shown = [o for cell in notebook.cells for o in cell.get("outputs", []) if o.get("data")]
    assert "image/png" in shown[-1]["data"] or "image/jpeg" in shown[-1]["data"]
    assert not any("<video" in html for html in outputs(notebook, "text/html")) and "nmv_usr_" not in text
    assert "generated.mp4" in "\n".join(outputs(notebook, "text/html"))  # findings name the clip by its file

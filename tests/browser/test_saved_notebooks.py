"""Results that last: a notebook run in JupyterLab 4 or Notebook 7, saved, its kernel shut down,
then reopened (a new kernel that knows none of the widgets; in the same UI and in the other one)
shows every result it produced — the
reply, the timeline picture, the export's <video> with its poster, the upload list, the progress
bars — in the light and the dark theme, never "model not found" or a repr.

Screenshots of each state go to test-artifacts/saved-notebooks/ (the docs/gallery pictures).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import nbformat
import pytest

from nemo_jupyter.static_forms import WIDGET_STATE, WIDGET_VIEW

from labtools import THEMES, UIS, OpenNotebook, drop_wavs, notebook_json, notebook_url, set_theme

BROKEN = re.compile(r"model not found|Error displaying widget|object at 0x|Loading widget")
SAVED_MAX_BYTES = 200_000
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def cells(backend_url: str, ui: str) -> list[str]:
    return [
        f"%load_ext nemo_jupyter\n%nemo connect --url {backend_url}\n%nemo upload m1.mp4 m2.mp4",
        "%%nemo\nmove scene 2 before scene 1",
        "%nemo timeline",
        f"%nemo export --out {ui}_render.mp4 --quality draft",
        "%nemo upload",
    ]


def shoot(page, artifacts, name: str) -> None:
    folder = artifacts / "saved-notebooks"
    folder.mkdir(exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.jpg"), type="jpeg", quality=70)


@pytest.fixture(scope="module", params=UIS)
def saved(request, lab, page, lab_backend, make_clip, copy_into, artifacts):
    """The notebook run in one UI (a file dropped on its uploader), saved, its kernel shut down:
    (ui, name, saved JSON text)."""
    ui = request.param
    for name, color in (("m1", "orange"), ("m2", "purple")):
        copy_into(make_clip(1.0, (320, 180), color=color, label=name), lab.root, f"{name}.mp4")
    name = f"saved_{ui}.ipynb"
    nbformat.write(notebook_json(cells(lab_backend.url, ui)), str(lab.root / name))
    opened = OpenNotebook(lab, page, name, ui)
    try:
        opened.run_all()
        page.evaluate("() => { const nb = window.jupyterapp.shell.currentWidget.content;"
                      " nb.activeCellIndex = nb.widgets.length - 1; return nb.scrollToItem(nb.activeCellIndex); }")
        try:
            page.wait_for_selector(".nemo-dropzone", state="attached")
        except Exception:
            shoot(page, artifacts, f"failed-{ui}")
            raise
        drop_wavs(page, (256 * 1024 + 44, f"dropped_{ui}.wav"))
        page.wait_for_function("() => [...document.querySelectorAll('.nemo-file')].some(r => r.dataset.status === 'done')")
        page.wait_for_function(  # the upload's static form reached the page's notebook model
            "name => JSON.stringify(window.jupyterapp.shell.currentWidget.context.model.toJSON()).includes(name)",
            arg=f"dropped_{ui}.wav (")
        shoot(page, artifacts, f"live-{ui}-light")
        set_theme(page, "dark")
        shoot(page, artifacts, f"live-{ui}-dark")
        set_theme(page, "light")
        text = opened.save().read_text(encoding="utf-8")
    finally:
        opened.close()
    return ui, name, text


def test_the_saved_file_holds_the_static_forms_and_no_widget(saved):
    ui, _, text = saved
    notebook = json.loads(text)
    assert WIDGET_VIEW not in text and WIDGET_STATE not in text, "our widgets leave no model behind"
    assert "nmv_usr_" not in text and not BROKEN.search(text)
    assert len(text.encode()) < SAVED_MAX_BYTES
    data = [o.get("data", {}) for cell in notebook["cells"] for o in cell.get("outputs", [])]
    assert any("**What changed**" in "".join(d.get("text/markdown", "")) for d in data)
    html = "".join("".join(d.get("text/html", "")) for d in data)
    assert "data:image/svg+xml;base64," in html and f'<video src="{ui}_render.mp4"' in html
    assert f"dropped_{ui}.wav" in html and "Uploaded here:" in html
    assert html.count("value='100'") >= 2, "the render and download bars end full"


@pytest.mark.parametrize("reopen_in", ["same", "other"])
@pytest.mark.parametrize("theme", THEMES)
def test_reopened_every_result_is_there(saved, lab, page, theme, reopen_in, artifacts):
    """Reopened with a new kernel: the static forms show, in the UI that saved it and in the other
    one (saved in JupyterLab, opened in Notebook 7 and the reverse), in both themes."""
    saved_in, name, _ = saved
    ui = saved_in if reopen_in == "same" else next(other for other in UIS if other != saved_in)
    page.goto(notebook_url(lab, name, ui))
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget")
    set_theme(page, theme)
    try:
        page.wait_for_selector(".jp-RenderedMarkdown >> text=What changed", state="attached")
        page.wait_for_selector("img[src^='data:image/svg+xml']", state="attached")
        page.wait_for_function("() => [...document.querySelectorAll('img[src^=\"data:image/svg+xml\"]')]"
                               ".every(i => i.complete && i.naturalWidth > 300)")
        video = page.locator(".jp-OutputArea-output video").first
        assert video.get_attribute("poster").startswith("data:image/jpeg;base64,")
        video.scroll_into_view_if_needed()
        page.wait_for_function("v => { if (v.readyState < 1 && v.networkState !== 2) v.load(); "
                               "return v.readyState >= 1 && v.duration > 1; }",
                               arg=video.element_handle(), polling=500)
        assert "/files/" in video.evaluate("v => v.currentSrc")  # served next to the notebook
        text = page.evaluate("() => document.querySelector('.jp-Notebook').textContent")
        assert not BROKEN.search(text), BROKEN.search(text)
        assert f"dropped_{saved_in}.wav" in text and "Uploaded here:" in text
        assert "100%" in text and "move" in text.lower()
        assert page.locator(".nemo-timeline, .nemo-player, .nemo-upload, .nemo-stream").count() == 0
        page.locator(".jp-OutputArea-output video").first.scroll_into_view_if_needed()
        shoot(page, artifacts, f"reopened-{ui}-{theme}" if reopen_in == "same" else f"reopened-{saved_in}-in-{ui}-{theme}")
    finally:
        set_theme(page, "light")  # the theme is a saved setting: leave it as the other tests expect


def test_nbconvert_html_of_the_saved_notebook(saved, lab, page, artifacts):
    """The saved file as nbconvert HTML (offline), opened in Chromium: the same static results."""
    from nbconvert import HTMLExporter

    ui, name, _ = saved
    for theme in THEMES:
        body, _ = HTMLExporter(theme=theme).from_filename(str(lab.root / name))
        target = lab.root / f"{name}.{theme}.html"
        target.write_text(body, encoding="utf-8")
        page.goto(target.as_uri())
        assert not BROKEN.search(page.content())
        assert page.locator("img[src^='data:image/svg+xml']").count() >= 1
        video = page.locator("video").first
        assert video.get_attribute("poster").startswith("data:image/jpeg")
        page.wait_for_function("v => { if (v.readyState < 1 && v.networkState !== 2) v.load(); return v.readyState >= 1; }",
                               arg=video.element_handle(), polling=500)
        assert "What changed" in page.content()
        video.scroll_into_view_if_needed()
        shoot(page, artifacts, f"nbconvert-{ui}-{theme}")


SAVE_STATE = "@jupyter-widgets/jupyterlab-manager:saveWidgetState"


def save_and_read(opened, page) -> bytes:
    """Save (whether or not the page thinks it changed) and wait for the new file."""
    path = opened.lab.root / opened.name
    before = path.stat().st_mtime_ns
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    deadline = time.monotonic() + 60
    while path.stat().st_mtime_ns == before and time.monotonic() < deadline:
        time.sleep(0.2)
    return path.read_bytes()


def test_the_saved_quickstart_is_small_with_the_widget_state_off_and_on(lab, page, copy_into, artifacts):
    """The quickstart, run in JupyterLab and saved as it is by default, then with "Save Widget State
    Automatically" on (which stores each model, ~35 KB of bundle each): small either way, no token."""
    copy_into(NOTEBOOKS / "quickstart.ipynb", lab.root, "quickstart.ipynb")
    opened = OpenNotebook(lab, page, "quickstart.ipynb")
    sizes = {}
    try:
        opened.run_all(timeout=400)
        exported = page.locator(".jp-Cell", has_text="video = %nemo export").locator(".jp-OutputArea")
        exported.scroll_into_view_if_needed()
        page.evaluate("() => document.querySelectorAll('.nemo-player video').forEach(v => { v.currentTime = 1.5; })")
        page.wait_for_function("() => [...document.querySelectorAll('.nemo-player video')]"
                               ".every(v => v.readyState >= 3 && !v.seeking && v.networkState !== 2)", timeout=30_000)
        page.evaluate("() => document.querySelectorAll('.nemo-player video').forEach(v => { v.controls = false; })")
        exported.screenshot(path=str(artifacts / "saved-notebooks" / "quickstart-export.png"))  # the README's
        page.evaluate("() => document.querySelectorAll('.nemo-player video').forEach(v => { v.controls = true; })")
        sizes["widget state off"] = len(opened.save().read_bytes())
        page.evaluate(f"() => window.jupyterapp.commands.execute('{SAVE_STATE}')")
        page.wait_for_function(f"() => window.jupyterapp.commands.isToggled('{SAVE_STATE}')")
        saved = save_and_read(opened, page)
        sizes["widget state on"] = len(saved)
        # the page did store the widgets' state (each model with its bundle); the file does not
        sizes["widget state in the page"] = page.evaluate(
            "() => JSON.stringify(window.jupyterapp.shell.currentWidget.context.model.getMetadata('widgets') || {}).length")
    finally:
        if page.evaluate(f"() => window.jupyterapp.commands.isToggled('{SAVE_STATE}')"):
            page.evaluate(f"() => window.jupyterapp.commands.execute('{SAVE_STATE}')")  # a saved setting: undo
        opened.close()
    (artifacts / "saved-notebooks" / "quickstart-sizes.json").write_text(json.dumps(sizes, indent=1))
    (artifacts / "saved-notebooks" / "quickstart-saved.ipynb").write_bytes(saved)
    assert sizes["widget state off"] < SAVED_MAX_BYTES and sizes["widget state on"] < SAVED_MAX_BYTES, sizes
    assert sizes["widget state in the page"] > 50_000, sizes
    text = saved.decode("utf-8")
    assert "nmv_usr_" not in text and WIDGET_VIEW not in text and "_anywidget_id" not in text
    assert '<video src="quickstart.mp4"' in "".join("".join(o.get("data", {}).get("text/html", ""))
                                                    for c in json.loads(text)["cells"] for o in c.get("outputs", []))

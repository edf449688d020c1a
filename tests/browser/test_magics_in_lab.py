"""The magics show the widgets: `%nemo timeline`, `%%nemo`, `%nemo export`, `%nemo upload`, in
JupyterLab, on the local backend, with the session on the magics' background loop."""

from __future__ import annotations

import hashlib

import nbformat
import pytest

from labtools import OpenNotebook, drop_wavs, notebook_json

GUTTER, RULER, GAP, LANE = 84, 24, 4, 34


@pytest.fixture(scope="module")
def magic_nb(lab, page, lab_backend, make_clip, copy_into):
    for name, color in (("m1", "orange"), ("m2", "purple")):
        copy_into(make_clip(1.0, (320, 240), color=color, label=name), lab.root, f"{name}.mp4")
    cells = [
        f"%load_ext nemo_jupyter\n%nemo connect --url {lab_backend.url}\n%nemo upload m1.mp4 m2.mp4",
        "%%nemo -o edit\nmove scene 2 before scene 1",
        "%nemo timeline",
        "%nemo export --out magic_render.mp4",
        "%nemo upload",
    ]
    nbformat.write(notebook_json(cells), str(lab.root / "magics.ipynb"))
    opened = OpenNotebook(lab, page, "magics.ipynb")
    opened.run_all()
    yield opened
    opened.close()


def test_each_magic_shows_its_widget(magic_nb, page):
    page.wait_for_selector(".nemo-stream[data-status='done']", state="attached")
    assert page.locator(".nemo-timeline").count() == 2  # %nemo timeline, then %nemo export's
    assert page.locator(".nemo-upload .nemo-dropzone").count() == 1
    assert "scene" in page.locator(".nemo-stream .nemo-markdown").inner_text().lower() or \
        page.locator(".nemo-stream .nemo-changes li").count() >= 1
    assert page.locator(".jp-RenderedHTMLCommon table").count() >= 1  # the DataFrame under the timeline
    video = page.locator(".nemo-player video").first
    page.wait_for_function("v => v.readyState >= 1 && v.duration > 1", arg=video.element_handle())
    assert magic_nb.kernel.value("str(edit.text)")


def test_the_export_player_is_linked_to_its_timeline(magic_nb, page):
    magic_nb.kernel.value("setattr(_4.player, 'current_time', 1.5)")
    assert abs(magic_nb.kernel.wait_for("_4.timeline.playhead", lambda t: abs(t - 1.5) < 0.01) - 1.5) < 0.01
    page.wait_for_function("() => Math.abs(document.querySelector('.nemo-player video').currentTime - 1.5) < 0.1")
    assert magic_nb.kernel.value("str(_4.path)").endswith("magic_render.mp4")


def test_dragging_in_the_magic_timeline_edits_through_the_background_loop(magic_nb, page):
    timeline = page.locator(".nemo-timeline canvas").first
    timeline.scroll_into_view_if_needed()
    box = timeline.bounding_box()
    width = box["width"]
    y = box["y"] + RULER + GAP + LANE / 2
    order = page.locator(".nemo-timeline").first.get_attribute("data-drawn-ids").split(",")
    page.mouse.move(box["x"] + GUTTER + 0.75 * (width - GUTTER), y)
    page.mouse.down()
    page.mouse.move(box["x"] + GUTTER + 0.3 * (width - GUTTER), y, steps=5)
    page.mouse.move(box["x"] + GUTTER + 0.05 * (width - GUTTER), y, steps=3)
    page.mouse.up()
    page.wait_for_function(
        # the output is redrawn (its saved picture follows the order): a new view draws the new order
        "first => document.querySelector('.nemo-timeline')?.dataset.drawnIds?.startsWith(first)", arg=order[1])
    page.wait_for_function("() => document.querySelector('.nemo-timeline .nemo-status')?.textContent.includes('order')")
    # no view in the cell keeps the old order: the DataFrame under the timeline is redrawn too
    page.wait_for_function("() => document.querySelectorAll('.jp-Notebook .jp-Cell')[2]"
                           ".querySelector('table tbody tr')?.textContent.includes('m1.mp4')")
    assert magic_nb.kernel.value("_3.dataframe['name'].tolist()") == ["m1.mp4", "m2.mp4"]
    assert magic_nb.kernel.value("_3.widget.selected == _3.selected")  # t = %nemo timeline reaches the widget


def test_the_magic_uploader_sends_several_dropped_files(magic_nb, page, lab_backend):
    page.locator(".nemo-dropzone").scroll_into_view_if_needed()
    hashes = drop_wavs(page, (3 * 1024 * 1024 + 17, "magic1.wav"), (1024 * 1024 + 5, "magic2.wav"))
    page.wait_for_function("() => [...document.querySelectorAll('.nemo-file')].filter("
                           "r => ['done', 'error'].includes(r.dataset.status)).length === 2")
    rows = page.locator(".nemo-file")
    assert [rows.nth(i).get_attribute("data-status") for i in range(2)] == ["done", "done"], rows.all_inner_texts()
    stored = {hashlib.sha256(p.read_bytes()).hexdigest() for p in lab_backend.data_dir.rglob("*magic*") if p.is_file()}
    assert set(hashes) <= stored

"""The four widgets in JupyterLab 4 in headless Chromium, on the local backend over real HTTP.

One notebook shows them all; the tests then act in the browser and check the kernel's side
through a second client of the same kernel.
"""

from __future__ import annotations

import hashlib
import io
import json
import time

import nbformat
import pytest
from PIL import Image

from nemo_jupyter.local.media.samples import make_tone

from labtools import OpenNotebook, drop_wavs, notebook_json

# The timeline's drawing geometry (js/src/timeline.ts GUTTER, js/src/layout.ts DEFAULT_GEOMETRY).
GUTTER, RULER, GAP, LANE = 84, 24, 4, 34
DROP_BYTES = 15 * 1024 * 1024

CELLS = [
    # 0: a session with three one-second scenes, drawn as a timeline
    """from nemo_jupyter import Session
from nemo_jupyter.widgets import PlayerWidget, StreamView, TimelineWidget, UploadWidget
session = Session()
session.upload("a.mp4", "b.mp4", "c.mp4", "music.wav")
session.edit("add music music.wav at 35%")
session.edit('add title "City lights" from 0s to 1.5s at top')
tl = TimelineWidget(session)
tl""",
    # 1: the player on the exported render, linked to the timeline
    """render = session.export("render.mp4")
player = PlayerWidget(render)
link = player.link(tl)
player""",
    # 2: a small local preview played from bytes (no URL)
    """preview = session.preview("preview.mp4")
bytes_player = PlayerWidget(preview)
bytes_player""",
    # 3: the live reply of an edit
    """sv = StreamView()
sv.start()
result = session.edit('add title "Hello widgets" from 0s to 1s at top', on_event=sv.event)
sv.finish(result)""",
    # 4: the uploader
    """up = UploadWidget(session)
up""",
    # 5: 10 000 segments
    """import json
big = TimelineWidget(json.load(open("draft10k.json")))
big""",
    # 6: a second view of the first timeline, rendered late
    "tl",
    # 7: a render whose URL the browser cannot reach: the kernel's copy plays instead
    """unreachable = PlayerWidget(type("Render", (), {"url": "http://127.0.0.1:9/nowhere.mp4", "path": preview.path})())
unreachable""",
]


def _ten_thousand() -> dict:
    segments = [{"id": f"s{i}", "st": i * 500, "d": 500, "m": {"name": f"clip {i}"}} for i in range(10_000)]
    return {"d": 5_000_000, "t": [{"id": "v", "tt": 0, "m": {"name": "Video"}, "sg": segments}]}


@pytest.fixture(scope="module")
def nb(lab, page, make_clip, copy_into):
    for name, color in (("a", "red"), ("b", "green"), ("c", "blue")):
        copy_into(make_clip(1.0, (320, 240), color=color, label=name.upper()), lab.root, f"{name}.mp4")
    make_tone(lab.root / "music.wav", seconds=3.0)
    (lab.root / "draft10k.json").write_text(json.dumps(_ten_thousand()))
    nbformat.write(notebook_json(CELLS), str(lab.root / "widgets.ipynb"))
    opened = OpenNotebook(lab, page, "widgets.ipynb")
    opened.run_all()
    yield opened
    opened.close()


def _timeline(page, index=0):
    return page.locator(".nemo-timeline").nth(index)


def _block_centre(page, segments, position, lane=0):
    """Canvas coordinates of the centre of the `position`-th segment (by start) of a lane."""
    width = page.locator(".nemo-timeline canvas").first.evaluate("c => c.clientWidth")
    duration = max(start + length for start, length, *_ in segments)
    start, length, *_ = sorted(segments)[position]
    x = GUTTER + (start + length / 2) * (width - GUTTER) / duration
    y = RULER + GAP + lane * (LANE + GAP) + LANE / 2
    return x, y


def _pixel(page, x, y, index=0):
    """The colour drawn at canvas point (x, y), from a screenshot: the canvas itself cannot be read
    back once it shows thumbnails from another origin (the backend's)."""
    shot = page.locator(".nemo-timeline canvas").nth(index).screenshot()
    return list(Image.open(io.BytesIO(shot)).convert("RGB").getpixel((int(x), int(y))))


def _page_xy(page, x, y, index=0):
    """Page coordinates of canvas point (x, y), with the canvas scrolled into view first."""
    canvas = page.locator(".nemo-timeline canvas").nth(index)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    return box["x"] + x, box["y"] + y


def test_timeline_draws_each_segment_in_order(nb, page, artifacts):
    timeline = _timeline(page)
    timeline.wait_for(state="attached")
    tracks = nb.kernel.value("tl.tracks")
    assert [track["type"] for track in tracks] == ["video", "audio", "text"]
    expected = [seg[3] for track in tracks for seg in sorted(track["segments"])]
    assert len(expected) == 5
    page.wait_for_function("n => document.querySelector('.nemo-timeline').dataset.drawn == n", arg=str(len(expected)))
    assert timeline.get_attribute("data-drawn-ids").split(",") == expected
    assert "3 tracks, 5 segments" in timeline.locator("canvas").get_attribute("aria-label")
    lane_colour = _pixel(page, GUTTER + 2, RULER + GAP + 1)
    for position in range(3):
        assert _pixel(page, *_block_centre(page, tracks[0]["segments"], position)) != lane_colour
    timeline.screenshot(path=str(artifacts / "timeline.png"))


def test_click_selects_the_segment_in_the_kernel(nb, page):
    segments = nb.kernel.value("tl.tracks[0]['segments']")
    second = sorted(segments)[1][3]
    page.mouse.move(*_page_xy(page, *_block_centre(page, segments, 1)))
    tooltip = page.locator(".nemo-timeline .nemo-tooltip").first
    tooltip.wait_for(state="visible")
    assert sorted(segments)[1][2] in tooltip.inner_text()
    page.mouse.click(*_page_xy(page, *_block_centre(page, segments, 1)))
    assert nb.kernel.wait_for("tl.selected", lambda v: v == second) == second
    assert nb.kernel.value("tl.selected_row()['segment']") == second


def test_player_plays_the_render_and_moves_the_playhead(nb, page, artifacts):
    video = page.locator(".nemo-player video").first
    video.wait_for(state="attached")
    assert nb.kernel.value("player.src").startswith("http://127.0.0.1")
    nb.kernel.value("setattr(player, 'playing', True)")
    played = nb.kernel.wait_for("player.current_time", lambda t: t > 0.4, timeout=30)
    assert played > 0.4, "the video did not play"
    playhead = nb.kernel.wait_for("tl.playhead", lambda t: t > 0.3, timeout=15)
    assert playhead > 0.3, "the linked playhead did not move"
    nb.kernel.value("setattr(player, 'playing', False)")
    page.wait_for_function("() => document.querySelector('.nemo-player video').paused")
    # clicking the ruler seeks the player through the link
    canvas_width = page.locator(".nemo-timeline canvas").first.evaluate("c => c.clientWidth")
    duration = nb.kernel.value("max(s[0] + s[1] for t in tl.tracks for s in t['segments'])")
    target = 0.75 * duration
    page.mouse.click(*_page_xy(page, GUTTER + target * (canvas_width - GUTTER) / duration, RULER / 2))
    page.wait_for_function("t => Math.abs(document.querySelector('.nemo-player video').currentTime - t) < 0.15", arg=target)
    assert abs(nb.kernel.wait_for("player.current_time", lambda t: abs(t - target) < 0.15) - target) < 0.15
    cells = page.locator(".jp-Cell").nth(0)
    cells.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "timeline_player.png"), clip=_union_box(page, [".jp-Cell >> nth=0", ".jp-Cell >> nth=1"]))


def _union_box(page, selectors):
    boxes = [page.locator(selector).bounding_box() for selector in selectors]
    x0, y0 = min(b["x"] for b in boxes), min(b["y"] for b in boxes)
    x1, y1 = max(b["x"] + b["width"] for b in boxes), max(b["y"] + b["height"] for b in boxes)
    return {"x": x0, "y": y0, "width": x1 - x0, "height": y1 - y0}


def test_player_without_url_plays_from_bytes(nb, page):
    assert nb.kernel.value("[bytes_player.src, bytes_player.has_bytes]") == ["", True]
    video = page.locator(".nemo-player video").nth(1)
    page.wait_for_function("v => v.src.startsWith('blob:') && v.readyState >= 1", arg=video.element_handle())
    assert video.evaluate("v => v.duration") > 0.5
    # what a saved notebook stores: no video bytes in the state
    state = nb.kernel.value("{k: v for k, v in bytes_player.get_state().items() if k not in ('_esm', '_css')}")
    poster = state.pop("poster")  # a frame of the video itself, made next to it: a small JPEG
    assert poster.startswith("data:image/jpeg;base64,") and len(poster) < 60_000
    assert len(json.dumps(state)) < 2000 < nb.kernel.value("preview.path.stat().st_size")


def test_an_unreachable_url_falls_back_to_the_kernels_file(nb, page):
    video = page.locator(".nemo-player video").nth(2)
    video.scroll_into_view_if_needed()
    page.wait_for_function("v => v.src.startsWith('blob:') && v.readyState >= 1", arg=video.element_handle())
    assert nb.kernel.value("unreachable.src") == "http://127.0.0.1:9/nowhere.mp4"


def test_stream_view_shows_the_reply_and_saves_markdown(nb, page, artifacts):
    view = page.locator(".nemo-stream").first
    page.wait_for_function("() => document.querySelector('.nemo-stream')?.dataset.status === 'done'")
    reply = nb.kernel.value("result.text")
    assert reply and reply.split()[0] in view.locator(".nemo-markdown").inner_text()
    assert view.locator(".nemo-chip").count() >= 1
    assert view.locator(".nemo-changes li").count() == nb.kernel.value("len(result.changes)") >= 1
    view.screenshot(path=str(artifacts / "stream_view.png"))
    saved = nbformat.read(str(nb.save()), as_version=4)
    markdown = [out["data"]["text/markdown"] for out in saved.cells[3].outputs if "text/markdown" in out.get("data", {})]
    assert markdown and reply.splitlines()[0] in markdown[-1]


def test_drag_asks_the_session_to_reorder(nb, page):
    segments = nb.kernel.value("tl.tracks[0]['segments']")
    first, _, third = [seg[3] for seg in sorted(segments)]
    x0, y = _page_xy(page, *_block_centre(page, segments, 2))
    x1, _ = _page_xy(page, *_block_centre(page, segments, 0))
    page.mouse.move(x0, y)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, y, steps=4)
    page.mouse.move(x1 - 30, y, steps=4)
    page.mouse.up()
    order = nb.kernel.wait_for("[s[3] for s in sorted(tl.tracks[0]['segments'])]", lambda v: v[0] == third, timeout=60)
    assert order[:2] == [third, first], (order, nb.kernel.value("tl.message"))
    backend_order = nb.kernel.value("[s[3] for s in sorted(TimelineWidget(session).tracks[0]['segments'])]")
    assert backend_order == order
    page.wait_for_function("id => document.querySelector('.nemo-timeline')?.dataset.drawnIds?.startsWith(id)", arg=third)




def test_dropping_a_15_mb_file_uploads_it_intact(nb, page, lab_backend, artifacts):
    page.locator(".nemo-dropzone").scroll_into_view_if_needed()
    (sha,) = drop_wavs(page, (DROP_BYTES, "drop15.wav"))
    page.wait_for_selector(".nemo-file[data-status='done']", timeout=120_000)
    row = nb.kernel.value("up.files[-1]")
    assert (row["name"], row["size"], row["received"], row["uploaded"]) == ("drop15.wav", DROP_BYTES, DROP_BYTES, DROP_BYTES)
    result = nb.kernel.value("list(up.results.values())[-1]")
    assert result["files"][0]["filename"] == "drop15.wav"
    stored = [p for p in lab_backend.data_dir.rglob("*drop15*") if p.is_file() and p.stat().st_size == DROP_BYTES]
    assert stored, "the backend has no file of that size named drop15"
    assert hashlib.sha256(stored[0].read_bytes()).hexdigest() == sha
    page.locator(".nemo-upload").first.screenshot(path=str(artifacts / "upload.png"))


def test_refused_files_never_reach_the_kernel(nb, page):
    before = nb.kernel.value("len(up.files)")
    page.evaluate("""() => {
      const drop = new DataTransfer();
      drop.items.add(new File(["hello"], "notes.txt", { type: "text/plain" }));
      document.querySelector(".nemo-dropzone").dispatchEvent(new DragEvent("drop", { dataTransfer: drop, bubbles: true, cancelable: true }));
    }""")
    page.wait_for_function("() => document.querySelector('.nemo-upload .nemo-error').textContent.includes('notes.txt')")
    assert nb.kernel.value("len(up.files)") == before


def test_ten_thousand_segments_paint_quickly(nb, page, artifacts):
    big = _timeline(page, 1)
    page.wait_for_function("() => document.querySelectorAll('.nemo-timeline')[1]?.dataset.firstPaintMs")
    first_paint = float(big.get_attribute("data-first-paint-ms"))
    drawn = int(big.get_attribute("data-drawn"))
    assert drawn > 0
    (artifacts / "first_paint_10k.json").write_text(json.dumps({"first_paint_ms": first_paint, "drawn": drawn}))
    print(f"\n10 000-segment timeline: first paint {first_paint:.1f} ms, {drawn} blocks drawn")
    assert first_paint < 2000
    big.scroll_into_view_if_needed()
    box = big.locator("canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 45)
    page.keyboard.down("Control")
    for _ in range(6):
        page.mouse.wheel(0, -100)
    page.keyboard.up("Control")
    assert nb.kernel.wait_for("big.zoom", lambda z: z > 3) > 3


def test_a_view_rendered_late_shows_the_same_state(nb, page):
    late = _timeline(page, 2)
    late.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelectorAll('.nemo-timeline')[2]?.dataset.drawnIds")
    assert late.get_attribute("data-drawn-ids") == _timeline(page, 0).get_attribute("data-drawn-ids")


RUN_BIG_CELL = """async (code) => {
  const app = window.jupyterapp;
  const notebook = app.shell.currentWidget.content;
  await app.commands.execute("notebook:insert-cell-below");
  notebook.activeCell.model.sharedModel.setSource(code);
  const before = document.querySelectorAll(".nemo-timeline[data-first-paint-ms]").length;
  const started = performance.now();
  app.commands.execute("notebook:run-cell");
  while (document.querySelectorAll(".nemo-timeline[data-first-paint-ms]").length === before) {
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
  return performance.now() - started;
}"""


def test_ten_thousand_segments_from_run_to_paint(nb, page, artifacts):
    """The time a person waits: from running the cell to the first painted frame."""
    total_ms = page.evaluate(RUN_BIG_CELL, 'TimelineWidget(json.load(open("draft10k.json")))')
    record = artifacts / "first_paint_10k.json"
    figures = json.loads(record.read_text()) if record.exists() else {}
    record.write_text(json.dumps({**figures, "run_cell_to_first_paint_ms": round(total_ms, 1)}))
    print(f"\n10 000-segment timeline: {total_ms:.0f} ms from running the cell to the first paint")
    assert total_ms < 10_000


def test_dark_theme_applies(nb, page, artifacts):
    light = _pixel(page, 4, 4)
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
    deadline = time.monotonic() + 10
    while sum(dark := _pixel(page, 4, 4)) >= 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sum(light) > 500 and sum(dark) < 200
    colour = page.locator(".nemo-stream").first.evaluate("e => getComputedStyle(e).color")
    assert sum(int(v) for v in colour[colour.index("(") + 1:colour.index(")")].split(",")[:3]) > 400
    _timeline(page).scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "dark.png"))
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})")

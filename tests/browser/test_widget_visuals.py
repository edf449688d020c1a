"""How the widgets look, measured in headless Chromium, in JupyterLab 4 and Notebook 7, light and
dark: the player's shape before it plays, the canvas's font and width, dark-theme contrast of the
analysis picture, tooltips and a refused drag. Screenshots: `docs/gallery/live-*.png` (with
NEMO_GALLERY=1).

Each front end runs one notebook (module-scoped, parametrized), light theme first; the width test
switches to the dark theme, and the tests after it look at the dark page.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import httpx
import nbformat
import pytest

from labtools import Kernel, notebook_json

# The gallery's pictures are remade with NEMO_GALLERY=1; other runs keep theirs in test-artifacts/
# (the committed ones do not change with each run's media ids and ports).
ROOT = Path(__file__).resolve().parents[2]
GALLERY = ROOT / "docs" / "gallery" if os.environ.get("NEMO_GALLERY") else ROOT / "test-artifacts" / "gallery"
FRONT_ENDS = {"lab": "/lab/tree/{name}?reset&token={token}", "notebook7": "/notebooks/{name}?token={token}"}
LIGHT, DARK = "JupyterLab Light", "JupyterLab Dark"
VERTICAL = 9 / 16  # the render is made vertical, so its shape is not the player's 16:9 default
NARROW = {"width": 900, "height": 1000}
MIN_CONTRAST = 4.5

# The geometry of the drawing (js/src/draw.ts GUTTER, js/src/layout.ts DEFAULT_GEOMETRY).
GUTTER, RULER, GAP, LANE = 84, 24, 4, 34

LAYERED = {  # a hand-made draft: an overlay lane with overlapping logos, and transitions into b and c
    "t": [
        {"id": "v", "tt": 0, "m": {"name": "Video"}, "sg": [
            {"id": "a", "st": 0, "d": 4000, "m": {"name": "harbour at dawn"}},
            {"id": "b", "st": 4000, "d": 4000, "m": {"name": "market", "transition": {"type": "crossfade", "ms": 800}}},
            {"id": "c", "st": 8000, "d": 4000, "m": {"name": "night", "transition": {"type": "dip_to_black", "ms": 600}}},
        ]},
        {"id": "o", "tt": 0, "sg": [
            {"id": "l1", "st": 500, "d": 6000, "src": "logo.png"},
            {"id": "l2", "st": 3000, "d": 5000, "src": "badge.png"},
        ]},
        {"id": "t", "tt": 7, "m": {"name": "Titles"}, "sg": [{"id": "x", "st": 0, "d": 3000, "m": {"text": "City lights"}}]},
    ],
}

CELLS = [
    # 0: a session made vertical, its timeline
    """from nemo_jupyter import Session
from nemo_jupyter.widgets import PlayerWidget, StreamView, TimelineWidget
session = Session()
session.upload("a.mp4", "b.mp4", "c.mp4")
session.edit("make it vertical")
session.edit('add title "City lights" from 0s to 1.5s at top')
tl = TimelineWidget(session)
tl""",
    # 1: the render's player, not played
    """render = session.export("render.mp4")
player = PlayerWidget(render)
player""",
    # 2: a player whose video's shape is unknown
    """unknown = PlayerWidget("http://127.0.0.1:9/unknown.mp4")
unknown""",
    # 3: layers, overlaps and transitions
    f"""layered = TimelineWidget({LAYERED!r})
layered""",
    # 4: a live reply with a tool chip and its changes
    """sv = StreamView()
sv.start()
edited = session.edit("swap scenes 1 and 2", on_event=sv.event)
sv.finish(edited)""",
    # 5: the help reply
    """helped = StreamView()
helped.start()
helped.finish(session.edit("help", on_event=helped.event))""",
    # 6: clips for the magics' own session, analysed by the backend after the upload (waited for, quietly)
    """%%capture
%load_ext nemo_jupyter
%nemo connect --url {backend}
%nemo upload a.mp4 b.mp4
import time
for _ in range(120):
    if not get_ipython().run_line_magic("nemo", "analysis")["raw"].astype(str).str.contains("running").any():
        break
    time.sleep(0.5)""",
    # 7: the analysis picture, as the magic shows it
    "%nemo analysis",
    # 8: a reply still being worked on
    """waiting = StreamView()
waiting.start()""",
]
ANALYSIS_CELL = 7


class Shown:
    """The notebook open and run in one front end; `kernel` answers questions about its state."""

    def __init__(self, lab, page, front_end: str, name: str) -> None:
        self.lab, self.page, self.front_end, self.name = lab, page, front_end, name
        page.set_viewport_size({"width": 1280, "height": 1000})
        page.goto(lab.url + FRONT_ENDS[front_end].format(name=name, token=lab.token))
        page.wait_for_function("() => window.jupyterapp?.shell?.currentWidget?.sessionContext?.session?.kernel")
        page.wait_for_function("() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'")
        self.theme(LIGHT)
        self.kernel = Kernel(lab.kernel_connection_file(name))

    def run_all(self, cells: int) -> None:
        cells_of = "() => window.jupyterapp.shell.currentWidget.content.widgets"
        self.page.wait_for_function(f"n => ({cells_of})().length === n", arg=cells)
        self.page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        self.page.wait_for_function(f"() => ({cells_of})().every(c => c.model.executionCount)", timeout=400_000)
        self.kernel.value("1", timeout=60)
        errors = self.page.locator("[data-mime-type='application/vnd.jupyter.error']")
        assert not errors.count(), errors.first.inner_text()[-2000:]

    def theme(self, name: str) -> None:
        self.page.evaluate("t => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", name)
        light = "true" if name == LIGHT else "false"
        self.page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{light}'")
        self.page.wait_for_timeout(500)  # the theme's stylesheet settles

    def cell(self, index: int):
        return self.page.locator(".jp-Cell").nth(index)

    def shoot(self, what: str, theme: str, *cells: int) -> Path:
        """Screenshots of the cells' outputs, one under the other, kept for the gallery."""
        from PIL import Image

        GALLERY.mkdir(parents=True, exist_ok=True)
        path = GALLERY / f"live-{self.front_end}-{'dark' if theme == DARK else 'light'}-{what}.png"
        shots = [Image.open(io.BytesIO(self.cell(index).locator(".jp-OutputArea").first.screenshot())) for index in cells]
        sheet = Image.new("RGB", (max(s.width for s in shots), sum(s.height for s in shots)), shots[0].getpixel((0, 0)))
        top = 0
        for shot in shots:
            sheet.paste(shot, (0, top))
            top += shot.height
        sheet.quantize(256).save(path, optimize=True)  # small files for the repository, text still crisp
        return path

    def close(self) -> None:
        self.theme(LIGHT)
        self.kernel.close()
        for session in httpx.get(f"{self.lab.url}/api/sessions", headers=self.lab.headers, timeout=5).json():
            if session.get("path") == self.name:
                httpx.delete(f"{self.lab.url}/api/sessions/{session['id']}", headers=self.lab.headers, timeout=30)


@pytest.fixture(scope="module", params=list(FRONT_ENDS))
def shown(request, lab, lab_backend, page, make_clip, copy_into):
    for name, color in (("a", "red"), ("b", "green"), ("c", "blue")):
        copy_into(make_clip(1.0, (320, 240), color=color, label=name.upper()), lab.root, f"{name}.mp4")
    name = f"visuals_{request.param}.ipynb"
    cells = [cell.replace("{backend}", lab_backend.url) for cell in CELLS]
    nbformat.write(notebook_json(cells), str(lab.root / name))
    opened = Shown(lab, page, request.param, name)
    opened.run_all(len(cells))
    yield opened
    opened.close()


def _canvas_and_container(timeline) -> dict:
    return timeline.evaluate("""root => {
        const canvas = root.querySelector('canvas'), stage = root.querySelector('.nemo-stage');
        return {css: canvas.clientWidth, pixels: canvas.width, container: stage.clientWidth,
                ratio: window.devicePixelRatio, drawn: Number(root.dataset.width)};
    }""")


def _assert_width_follows(shown: Shown, what: str) -> int:
    """Every timeline's canvas is as wide as its container (CSS and drawn), at the pixel ratio."""
    timelines = shown.page.locator(".nemo-timeline")
    widths = []
    for index in range(timelines.count()):
        timelines.nth(index).scroll_into_view_if_needed()
        try:
            shown.page.wait_for_function("""root => {
                const canvas = root.querySelector('canvas'), stage = root.querySelector('.nemo-stage');
                return stage.clientWidth > 0 && Number(root.dataset.width) === stage.clientWidth
                    && canvas.width === Math.round(stage.clientWidth * window.devicePixelRatio);
            }""", arg=timelines.nth(index).element_handle(), timeout=15_000)
        except Exception:  # noqa: BLE001 - the assertions below say what differs
            pass
        sizes = _canvas_and_container(timelines.nth(index))
        assert sizes["css"] == sizes["container"] == sizes["drawn"], (what, sizes)
        assert sizes["pixels"] == round(sizes["container"] * sizes["ratio"]), (what, sizes)
        widths.append(sizes["container"])
    print(f"\n{shown.front_end} {what}: canvas = container = {widths} px at ratio {sizes['ratio']}")
    return max(widths)


def _families(font: str) -> list[str]:
    return [name.strip().strip("'\"").lower() for name in font.split(",") if name.strip()]


def _assert_theme_font(shown: Shown) -> None:
    theme_family = shown.page.evaluate("() => getComputedStyle(document.body).getPropertyValue('--jp-ui-font-family')")
    assert _families(theme_family), "the theme names no UI font family"
    timelines = shown.page.locator(".nemo-timeline")
    for index in range(timelines.count()):
        font = timelines.nth(index).get_attribute("data-font")
        size, family = re.match(r"(?:\S+ )*?([\d.]+)px (.+)", font).groups()
        assert float(size) >= 12, font
        assert _families(family) == _families(theme_family), (font, theme_family)
    print(f"\n{shown.front_end}: canvas font {font!r}")  # the figures, with pytest -s


def _layered(shown: Shown):
    """The hand-made layered timeline (cell 3), scrolled into view, and its canvas's page box."""
    layered = shown.cell(3).locator(".nemo-timeline")
    canvas = layered.locator("canvas")
    canvas.scroll_into_view_if_needed()
    return layered, canvas.bounding_box()


def test_the_player_has_the_videos_shape_before_it_plays(shown):
    aspect = shown.kernel.value("player.aspect")
    assert abs(aspect - VERTICAL) < 0.01
    video = shown.cell(1).locator(".nemo-player video")
    video.scroll_into_view_if_needed()
    before = video.evaluate("v => { const b = v.getBoundingClientRect(); return [b.width, b.height, v.paused, v.currentTime]; }")
    assert before[2] and before[3] == 0
    assert abs(before[0] / before[1] - aspect) < 0.02, before
    print(f"\n{shown.front_end}: player box {before[0]:.0f}x{before[1]:.0f} before play, aspect {aspect:.4f}")
    shown.page.wait_for_function("v => v.readyState >= 1", arg=video.element_handle())
    size = "v => { const b = v.getBoundingClientRect(); return [b.width, b.height]; }"
    assert video.evaluate(size) == before[:2]  # no jump when the video loads
    video.evaluate("v => { v.muted = true; return v.play(); }")
    shown.page.wait_for_function("v => v.currentTime > 0.2", arg=video.element_handle())
    assert video.evaluate(size) == before[:2]  # nor when it plays
    video.evaluate("v => v.pause()")
    unknown = shown.cell(2).locator(".nemo-player video").evaluate("v => v.getBoundingClientRect().toJSON()")
    assert abs(unknown["width"] / unknown["height"] - 16 / 9) < 0.02


def test_canvas_text_is_the_themes_font_at_a_readable_size(shown):
    _assert_theme_font(shown)
    shown.shoot("timeline-player", LIGHT, 0, 1)
    shown.shoot("layers", LIGHT, 3)
    shown.shoot("replies", LIGHT, 4, 5)
    shown.shoot("analysis", LIGHT, ANALYSIS_CELL)


def test_selection_and_zoom_keep_labels_in_view(shown):
    layered, box = _layered(shown)
    row = box["y"] + RULER + GAP + LANE / 2  # the video lane
    shown.page.mouse.click(box["x"] + GUTTER + 0.5 * (box["width"] - GUTTER), row)  # "market", 4-8 s of 12
    assert shown.kernel.wait_for("layered.selected", lambda v: v == "b") == "b"
    for _ in range(2):
        layered.locator(".nemo-button", has_text="+").click()
    assert shown.kernel.wait_for("layered.zoom", lambda v: v == 4) == 4  # 4.5-7.5 s: market's start is off-screen
    shown.shoot("layers-zoomed-selected", LIGHT, 3)
    layered.locator(".nemo-button", has_text="Fit").click()
    shown.kernel.wait_for("layered.zoom", lambda v: v == 1)


def test_the_help_reply_and_the_live_reply_read_as_the_saved_markdown(shown):
    help_items = shown.cell(5).locator(".nemo-stream .nemo-markdown li")
    assert help_items.count() >= 8
    assert "Several edits" not in help_items.last.inner_text()
    reply = shown.cell(4).locator(".nemo-stream")
    assert reply.locator(".nemo-changes-heading").inner_text() == "What changed"
    chip = reply.locator(".nemo-chip").first.inner_text()
    assert chip == "edit_draft · swap scenes 1 and 2", chip
    working = shown.cell(8).locator(".nemo-stream .nemo-status")
    assert working.inner_text() == "Working…"
    assert working.evaluate("e => getComputedStyle(e, '::before').animationName") == "nemo-spin"


def test_tooltips_stay_inside_and_a_refused_drag_says_why(shown):
    layered, box = _layered(shown)
    stage = layered.locator(".nemo-stage").bounding_box()
    bottom = RULER + GAP + LANE + GAP + 2 * LANE + GAP + LANE - 4  # the title lane, under the two-row overlay
    x = box["x"] + GUTTER + 0.1 * (box["width"] - GUTTER)
    shown.page.mouse.move(x, box["y"] + bottom)
    tooltip = layered.locator(".nemo-tooltip")
    tooltip.wait_for(state="visible")
    assert "City lights" in tooltip.inner_text()
    tip = tooltip.bounding_box()
    assert tip["y"] >= stage["y"] and tip["y"] + tip["height"] <= stage["y"] + stage["height"] + 0.5
    assert tip["x"] + tip["width"] <= stage["x"] + stage["width"] + 0.5
    shown.page.mouse.down()
    shown.page.mouse.move(x + 60, box["y"] + bottom, steps=4)
    assert tooltip.is_hidden()
    shown.page.mouse.up()
    assert tooltip.is_hidden()
    assert "cannot be reordered" in layered.locator(".nemo-status").inner_text()
    assert shown.kernel.value("layered.tracks[0]['segments'][0][3]") == "a"  # nothing was asked of the kernel


def test_a_drag_shows_where_the_scene_would_land(shown):
    layered, box = _layered(shown)
    row = box["y"] + RULER + GAP + LANE / 2  # the video lane
    start = box["x"] + GUTTER + 0.15 * (box["width"] - GUTTER)  # "harbour at dawn", 0-4 s of 12
    shown.page.mouse.move(start, row)
    shown.page.mouse.down()
    shown.page.mouse.move(start + 0.6 * (box["width"] - GUTTER), row, steps=6)  # over the second half of "night"
    assert layered.locator(".nemo-tooltip").is_hidden()
    shown.shoot("drag", LIGHT if shown.page.evaluate("() => document.body.dataset.jpThemeLight") == "true" else DARK, 3)
    shown.page.mouse.move(start, row, steps=4)  # back where it was: nothing to ask
    shown.page.mouse.up()
    assert shown.kernel.value("[s[3] for s in layered.tracks[0]['segments']]") == ["a", "b", "c"]


def test_the_canvas_follows_its_container_after_a_resize_and_a_theme_switch(shown):
    wide = _assert_width_follows(shown, "at first")
    shown.page.set_viewport_size(NARROW)
    narrow = _assert_width_follows(shown, "after a resize")
    assert narrow < wide - 100
    shown.page.set_viewport_size({"width": 1280, "height": 1000})
    assert _assert_width_follows(shown, "after the resize back") == wide
    screen = shown.page.context.new_cdp_session(shown.page)
    metrics = {"width": 1280, "height": 1000, "mobile": False}
    screen.send("Emulation.setDeviceMetricsOverride", {**metrics, "deviceScaleFactor": 2})
    try:  # a high-DPI screen: twice the pixels in the same CSS width
        assert shown.page.evaluate("() => window.devicePixelRatio") == 2
        assert _assert_width_follows(shown, "at a pixel ratio of 2") == wide
    finally:
        screen.send("Emulation.clearDeviceMetricsOverride")
        screen.detach()
        for size in (NARROW, {"width": 1280, "height": 1000}):  # Playwright's own emulation again (it
            shown.page.set_viewport_size(size)                  # skips a size it believes is set)
    assert shown.page.evaluate("() => [window.devicePixelRatio, window.innerWidth]") == [1, 1280]
    shown.theme(DARK)
    _assert_width_follows(shown, "after a theme switch")
    _assert_theme_font(shown)


CONTRAST_SCRIPT = """
async (output) => {
  // Each <text> of the analysis picture: its fill, and the fill of what is under it (the topmost
  // rect containing its anchor, else the picture's own background, else the page behind it).
  const probe = document.createElement('span');
  document.body.append(probe);
  const rgb = (value) => { probe.style.color = ''; probe.style.color = value; return getComputedStyle(probe).color; };
  let behind = output, page = 'rgba(0, 0, 0, 0)';
  while (behind && /rgba\\(0, 0, 0, 0\\)|transparent/.test(page)) {
    page = getComputedStyle(behind).backgroundColor; behind = behind.parentElement;
  }
  const sources = [];
  for (const svg of output.querySelectorAll('svg')) sources.push(svg.outerHTML);
  for (const img of output.querySelectorAll('img[src^="data:image/svg+xml"]')) {
    const [head, data] = img.src.split(',', 2);
    sources.push(head.endsWith(';base64') ? new TextDecoder().decode(Uint8Array.from(atob(data), c => c.charCodeAt(0)))
                                          : decodeURIComponent(data));
  }
  const found = [];
  for (const source of sources) {
    const doc = new DOMParser().parseFromString(source, 'image/svg+xml');
    const rects = [...doc.querySelectorAll('rect')];
    const own = (doc.documentElement.getAttribute('style') || '').match(/background(?:-color)?:\\s*([^;]+)/)?.[1];
    const base = own ? rgb(own) : page;
    for (const text of doc.querySelectorAll('text')) {
      let fill = null;
      for (let node = text; node && node.getAttribute && !fill; node = node.parentNode) {
        fill = node.getAttribute('fill') || (node.getAttribute('style') || '').match(/fill:\\s*([^;]+)/)?.[1] || null;
      }
      const x = parseFloat(text.getAttribute('x') || '0'), y = parseFloat(text.getAttribute('y') || '0') - 3;
      const under = rects.filter((r) => {
        const w = r.getAttribute('width'), h = r.getAttribute('height');
        const full = !w || w.endsWith('%') || !h || h.endsWith('%');
        const rx = parseFloat(r.getAttribute('x') || '0'), ry = parseFloat(r.getAttribute('y') || '0');
        return full || (x >= rx && x <= rx + parseFloat(w) && y >= ry && y <= ry + parseFloat(h));
      }).pop();
      const fillOf = under && (under.getAttribute('fill') || 'black');
      found.push([text.textContent, rgb(fill || 'black'), fillOf && fillOf !== 'none' ? rgb(fillOf) : base]);
    }
  }
  probe.remove();
  return found;
}
"""


def _luminance(css: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"[\d.]+", css)[:3])
    return sum(k * (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4) for k, c in zip((0.2126, 0.7152, 0.0722), (r, g, b)))


def _contrast(one: str, two: str) -> float:
    light, dark = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_dark_theme_no_slabs_and_readable_analysis_labels(shown):
    assert shown.page.evaluate("() => document.body.dataset.jpThemeLight") == "false"
    for selector in (".nemo-timeline", ".nemo-player", ".nemo-stream"):
        background = shown.page.locator(selector).first.evaluate("e => getComputedStyle(e).backgroundColor")
        assert background in ("rgba(0, 0, 0, 0)", "transparent"), (selector, background)
    output = shown.cell(ANALYSIS_CELL).locator(".jp-OutputArea")
    output.scroll_into_view_if_needed()
    labels = output.evaluate(CONTRAST_SCRIPT)
    assert labels, "no analysis picture"
    print(f"\n{shown.front_end} dark: analysis label contrast >= {min(_contrast(fg, bg) for _, fg, bg in labels):.1f}:1")
    poor = [(text, fg, bg, round(_contrast(fg, bg), 2)) for text, fg, bg in labels if _contrast(fg, bg) < MIN_CONTRAST]
    assert not poor, json.dumps(poor)
    _assert_theme_font(shown)
    shown.shoot("timeline-player", DARK, 0, 1)
    shown.shoot("layers", DARK, 3)
    shown.shoot("replies", DARK, 4, 5)
    shown.shoot("analysis", DARK, ANALYSIS_CELL)

from __future__ import annotations

from pathlib import Path

import ipywidgets

from nemo_jupyter.widgets import PlayerWidget, TimelineWidget
from nemo_jupyter.widgets.player import PIECE_BYTES


def test_a_url_plays_from_the_url():
    player = PlayerWidget("http://127.0.0.1:9/cdn/render.mp4", poster="http://127.0.0.1:9/poster.jpg")
    assert (player.src, player.has_bytes, player.poster) == ("http://127.0.0.1:9/cdn/render.mp4", False, "http://127.0.0.1:9/poster.jpg")
    assert PlayerWidget("/files/out.mp4").src == "/files/out.mp4"


def test_a_render_plays_from_its_url_before_its_file(tmp_path):
    local = tmp_path / "r.mp4"
    local.write_bytes(b"x" * 10)
    render = type("Render", (), {"url": "http://127.0.0.1:9/cdn/r.mp4", "path": local})()
    player = PlayerWidget(render)
    assert (player.src, player.has_bytes) == ("http://127.0.0.1:9/cdn/r.mp4", True)  # the file: a fallback
    no_url = type("Render", (), {"url": None, "path": local})()
    assert (PlayerWidget(no_url).src, PlayerWidget(no_url).has_bytes) == ("", True)


def test_a_local_file_goes_as_buffers_on_request_never_in_state(tmp_path, front_end):
    data = bytes(range(256)) * (PIECE_BYTES // 256 * 2 + 7)  # a bit over two pieces
    clip = tmp_path / "clip.webm"
    clip.write_bytes(data)
    player = PlayerWidget(clip)
    assert (player.src, player.has_bytes, player.mime) == ("", True, "video/webm")
    state = player.get_state()
    assert all(not isinstance(value, (bytes, memoryview)) for value in state.values())
    browser = front_end(player)
    browser.send({"kind": "need_bytes"})
    pieces = browser.received
    assert [content["kind"] for content, _ in pieces] == ["bytes"] * 3
    assert all(content["total"] == len(data) for content, _ in pieces)
    assert all(len(buffers[0]) <= PIECE_BYTES for _, buffers in pieces)
    rebuilt = bytearray(len(data))
    for content, buffers in pieces:
        rebuilt[content["offset"]:content["offset"] + len(buffers[0])] = bytes(buffers[0])
    assert bytes(rebuilt) == data


def test_files_over_the_cap_are_refused_with_one_line(tmp_path, front_end):
    clip = tmp_path / "big.mp4"
    clip.write_bytes(b"\0" * 2048)
    player = PlayerWidget(clip, max_bytes=1000)
    assert (player.src, player.has_bytes) == ("", False)
    assert "over the" in player.message and "\n" not in player.message
    browser = front_end(player)
    browser.send({"kind": "need_bytes"})
    assert browser.received == []
    assert "No video at" in PlayerWidget(Path(tmp_path / "missing.mp4")).message
    with_url = PlayerWidget(type("Render", (), {"url": "http://127.0.0.1:9/big.mp4", "path": clip})(), max_bytes=1000)
    assert (with_url.src, with_url.has_bytes, with_url.message) == ("http://127.0.0.1:9/big.mp4", False, "")


def test_link_ties_current_time_to_the_playhead():
    player, timeline = PlayerWidget("http://127.0.0.1:9/a.mp4"), TimelineWidget({})
    link = player.link(timeline)
    assert isinstance(link, ipywidgets.widgets.widget_link.Link)
    assert link.source == (player, "current_time") and link.target == (timeline, "playhead")


def test_export_view_is_the_render_and_shows_a_linked_player(monkeypatch):
    from nemo_jupyter.widgets import ExportView

    render = type("Render", (), {"url": "http://127.0.0.1:9/cdn/r.mp4", "path": Path("r.mp4"), "id": "render_1"})()
    view = ExportView(render, TimelineWidget({}))
    assert (view.id, view.path, view.url) == ("render_1", Path("r.mp4"), "http://127.0.0.1:9/cdn/r.mp4")
    assert view.player.src == render.url and view.link.target == (view.timeline, "playhead")
    assert view.player.poster == ""  # no file to take a frame from (a segment's strip is not a poster)
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *objs: shown.extend(objs))
    view._ipython_display_()
    assert shown == [view.timeline, view.player]


def test_a_local_render_gets_a_poster_frame_and_its_shape(tmp_path, make_clip, monkeypatch):
    render_file = tmp_path / "out.mp4"
    render_file.write_bytes(make_clip(1.0, (320, 180)).read_bytes())
    monkeypatch.chdir(tmp_path)
    player = PlayerWidget(type("Render", (), {"url": "http://127.0.0.1:9/cdn/out.mp4", "path": render_file})())
    assert (tmp_path / "out.poster.jpg").is_file() and player.poster.startswith("data:image/jpeg;base64,")
    assert abs(player.aspect - 16 / 9) < 0.01
    html = player._repr_mimebundle_()[0]["text/html"]
    assert '<video src="out.mp4"' in html and 'poster="data:image/jpeg;base64,' in html  # relative: lasts
    assert player.static_text() == f"Video: {render_file}" and "object at" not in repr(player)


def test_a_render_out_of_the_notebook_folder_is_one_line_saying_where(tmp_path, make_clip, monkeypatch):
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    render_file = tmp_path / "out.mp4"
    render_file.write_bytes(make_clip(1.0).read_bytes())
    player = PlayerWidget(type("Render", (), {"url": "http://127.0.0.1:9/cdn/out.mp4", "path": render_file})())
    html = player._repr_mimebundle_()[0]["text/html"]
    assert "<video" not in html and f"The video was saved at {render_file}." in html  # a 127.0.0.1 URL dies with its backend
    assert PlayerWidget("https://cdn.example/v.mp4")._repr_mimebundle_()[0]["text/html"].startswith(
        '<video src="https://cdn.example/v.mp4"')


def test_a_player_says_when_its_timeline_changed_since_the_render(draft_json):
    timeline, player = TimelineWidget(draft_json()), PlayerWidget("https://cdn.example/v.mp4")
    player.link(timeline)
    assert player.message == ""
    timeline.show(draft_json(scenes=("b", "a", "c")))
    assert "changed since this video was rendered" in player.message
    assert "changed since" in player._repr_mimebundle_()[0]["text/html"]
    timeline.show(draft_json())
    assert player.message == ""

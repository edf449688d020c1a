from __future__ import annotations

import time

import httpx

import pandas as pd
import pytest

from nemo_jupyter.draft import Draft
from nemo_jupyter.widgets import TimelineWidget
from nemo_jupyter.widgets.timeline import move_instruction, scene_numbers, thumbnails_from_state, timeline_tracks


def test_tracks_are_compact_lanes_in_draft_order(draft_json):
    tracks = timeline_tracks(Draft(draft_json()))
    assert [(t["id"], t["type"], t["name"]) for t in tracks] == [
        ("trk_v", "video", "Video"), ("trk_a", "audio", "BGM"), ("trk_t", "text", "Title")]
    assert tracks[0]["segments"] == [[0.0, 2.0, "a", "seg_a"], [2.0, 2.0, "b", "seg_b"], [4.0, 2.0, "c", "seg_c"]]
    assert tracks[2]["segments"][0][2] == '"Hello"'


def test_tolerates_odd_drafts():
    odd = {"t": [{"tt": 0, "sg": [{"st": "1000", "d": None, "m": "not a dict"}, "junk"]}, {"tt": 99}, "junk"]}
    tracks = timeline_tracks(Draft(odd))
    assert len(tracks) == 2
    assert tracks[0]["segments"][0][:2] == [1.0, 0.0]
    assert tracks[1]["segments"] == []
    assert TimelineWidget({}).tracks == []


def test_transitions_overlays_and_the_reorderable_track():
    fade = {"type": "crossfade", "ms": 500}
    draft = {"t": [
        {"id": "v", "tt": 0, "sg": [{"id": "a", "st": 0, "d": 2000},
                                    {"id": "b", "st": 2000, "d": 2000, "m": {"transition": fade}},
                                    {"id": "c", "st": 4000, "d": 1000, "m": {"transition": {"type": "wipe", "ms": 9}}},
                                    {"id": "d", "st": 5000, "d": 1000, "m": {"transition": {"type": "crossfade", "ms": True}}}]},
        {"id": "logo", "tt": 0, "sg": [{"id": "l", "st": 0, "d": 6000, "src": "logo.png"}]},
        {"id": "empty", "tt": 0, "sg": []},
        {"id": "t", "tt": 2, "sg": [{"id": "x", "st": 0, "d": 1000, "m": {"text": "Hi", "transition": fade}}]},
    ]}
    tracks = timeline_tracks(Draft(draft))
    video, logo, empty, title = tracks
    assert video["segments"][1] == [2.0, 2.0, "b", "b", {"transition": "crossfade", "transition_ms": 500}]
    assert [len(s) for s in video["segments"]] == [4, 5, 4, 4]  # unknown types and non-numbers are not marks
    assert title["segments"][0][4] == {"transition": "crossfade", "transition_ms": 500}
    assert (logo["name"], empty["name"]) == ("Overlay", "Video")
    assert [t["reorderable"] for t in tracks] == [True, False, False, False]


def test_ten_thousand_segments_stay_cheap():
    draft = {"t": [{"id": "v", "tt": 0, "sg": [{"id": f"s{i}", "st": i * 500, "d": 500} for i in range(10_000)]}]}
    started = time.perf_counter()
    widget = TimelineWidget(draft)
    assert len(widget.tracks[0]["segments"]) == 10_000
    assert time.perf_counter() - started < 2.0


def test_selected_row_is_the_dataframe_row(draft_json):
    widget = TimelineWidget(draft_json())
    assert widget.selected_row() is None
    widget.selected = "seg_b"
    row = widget.selected_row()
    assert isinstance(row, pd.Series)
    assert (row["segment"], row["name"], row["start_s"]) == ("seg_b", "b", 2.0)
    widget.show(draft_json(scenes=("a", "c")))
    assert widget.selected == "" and widget.selected_row() is None


def test_scenes_are_numbered_in_time_order_on_the_main_video_track(draft_json):
    raw = draft_json()
    raw["t"][0]["sg"].reverse()  # listed out of order: numbering follows the timeline
    assert scene_numbers(Draft(raw)) == {"seg_a": 1, "seg_b": 2, "seg_c": 3}


@pytest.mark.parametrize(("segment", "before", "text"), [
    ("seg_c", "seg_a", "move scene 3 before scene 1"),
    ("seg_a", "seg_c", "move scene 1 before scene 3"),
    ("seg_a", None, "move scene 1 after scene 3"),
])
def test_move_instruction(segment, before, text, draft_json):
    assert move_instruction(Draft(draft_json()), segment, before) == text


def test_only_scenes_move_by_dragging(draft_json):
    with pytest.raises(ValueError, match="main video track"):
        move_instruction(Draft(draft_json()), "seg_title", "seg_a")
    with pytest.raises(ValueError, match="between scenes"):
        move_instruction(Draft(draft_json()), "seg_a", "seg_bgm")


class RecordingSession:
    """Stands in for Session at the widget's boundary: records edits, serves the next state."""

    def __init__(self, drafts):
        self.drafts = list(drafts)
        self.edits: list[str] = []

    def edit(self, text):
        self.edits.append(text)
        self.drafts.pop(0)
        return type("Result", (), {"text": f"did: {text}\nmore"})()

    def state(self):
        return {"draft": self.drafts[0], "video_infos": [{"id": "med_b", "poster_url": "http://127.0.0.1:9/b.jpg"}]}


def test_drag_sends_an_edit_and_redraws_from_the_new_state(front_end, draft_json):
    session = RecordingSession([draft_json(), draft_json(scenes=("c", "a", "b"))])
    widget = TimelineWidget(session)
    browser = front_end(widget)
    browser.send({"kind": "move", "segment": "seg_c", "before": "seg_a"})
    assert session.edits == ["move scene 3 before scene 1"]
    assert [s[3] for s in widget.tracks[0]["segments"]] == ["seg_c", "seg_a", "seg_b"]
    assert widget.message == "did: move scene 3 before scene 1"
    assert widget.thumbnails == {"seg_b": "http://127.0.0.1:9/b.jpg"}
    assert widget.busy is False


def test_drag_on_a_plain_draft_changes_nothing(front_end, draft_json):
    widget = TimelineWidget(draft_json())
    before = widget.tracks
    front_end(widget).send({"kind": "move", "segment": "seg_c", "before": "seg_a"})
    assert widget.tracks == before
    assert "not a session" in widget.message


def test_refused_drag_and_failed_edit_are_one_line(front_end, draft_json):
    class Failing(RecordingSession):
        def edit(self, text):
            raise RuntimeError("Out of credits: register at https://example/?bind=x\nsecond line")

    widget = TimelineWidget(Failing([draft_json()]))
    browser = front_end(widget)
    browser.send({"kind": "move", "segment": "seg_title", "before": "seg_a"})
    assert "main video track" in widget.message
    browser.send({"kind": "move", "segment": "seg_b", "before": "seg_a"})
    assert widget.message == "Out of credits: register at https://example/?bind=x"
    browser.send({"kind": "unknown"})
    browser.send("not even a dict")


def test_markers_from_plain_dicts(draft_json):
    widget = TimelineWidget(draft_json(), markers=[{"t": 4, "label": "cut"}, {"t": float("nan")}, "junk"])
    assert widget.markers == [{"t": 4.0, "label": "cut", "kind": ""}]


def test_findings_show_where_the_timeline_plays_their_media(draft_json):
    raw = draft_json()
    raw["t"][0]["sg"][1]["in"] = 500  # scene b plays med_b from 0.5 s, at timeline 2 s
    raw["t"][0]["sg"].append({"id": "seg_a2", "st": 6000, "d": 1000, "src": "med_a", "in": 1000})
    findings = pd.DataFrame({
        "media": ["med_a", "med_b", "med_b", "med_c", "med_zzz"],
        "kind": ["freeze", "black", "black", "scene", "silence"],
        "start_s": [1.5, 0.2, 1.0, float("nan"), 0.1],
        "end_s": [1.8, 0.4, 1.2, 1.0, 0.2],
    })
    widget = TimelineWidget(raw, markers=findings)
    # med_a 1.5 s: in seg_a (0-2 s, in 0) at 1.5 and in seg_a2 (6-7 s, in 1 s) at 6.5;
    # med_b 0.2 s is cut away (seg_b starts at 0.5 s in its media); 1.0 s -> 2 + 0.5 = 2.5
    assert [(m["t"], m["kind"]) for m in widget.markers] == [(1.5, "freeze"), (2.5, "black"), (6.5, "freeze")]
    raw["t"][0]["sg"][0]["st"] = 10_000  # scene a moved to 10 s: its finding moves with it
    widget.show(raw)
    assert [m["t"] for m in widget.markers] == [2.5, 6.5, 11.5]


def test_state_is_json_only(draft_json):
    widget = TimelineWidget(draft_json())
    state = widget.get_state()
    for key in ("tracks", "selected", "playhead", "zoom", "thumbnails", "markers", "show_markers"):
        assert key in state
    assert "render" in widget._esm and "is missing" not in widget._esm  # the built bundle, not the stand-in


def test_a_missing_bundle_says_how_to_build_it():
    from nemo_jupyter.widgets._base import bundle

    assert "npm run build" in bundle("no_such_widget")


def test_thumbnails_only_when_the_backend_offers_them(draft_json):
    draft = Draft(draft_json())
    assert thumbnails_from_state({"video_infos": [{"id": "med_a", "url": "http://x/a.mp4"}]}, draft) == {}
    offered = {"video_infos": {"med_a": {"id": "med_a", "thumbnail": "http://x/a.jpg"}, "odd": "junk"}}
    assert thumbnails_from_state(offered, draft) == {"seg_a": "http://x/a.jpg"}
    assert thumbnails_from_state(None, draft) == {}


def test_a_drag_on_a_stale_timeline_names_the_scenes_as_they_are_now(front_end, draft_json):
    session = RecordingSession([draft_json(), draft_json(scenes=("c", "a", "b"))])
    widget = TimelineWidget(session)  # shows a, b, c
    session.drafts.pop(0)  # meanwhile another cell reordered them to c, a, b
    session.drafts.append(draft_json(scenes=("a", "c", "b")))
    front_end(widget).send({"kind": "move", "segment": "seg_a", "before": "seg_c"})
    assert session.edits == ["move scene 2 before scene 1"]
    assert [s[3] for s in widget.tracks[0]["segments"]] == ["seg_a", "seg_c", "seg_b"]


def test_a_vanished_scene_is_not_guessed(front_end, draft_json):
    session = RecordingSession([draft_json(), draft_json(scenes=("a", "b"))])
    widget = TimelineWidget(session)
    session.drafts.pop(0)
    front_end(widget).send({"kind": "move", "segment": "seg_c", "before": "seg_a"})
    assert session.edits == []
    assert "no longer" in widget.message
    assert [s[3] for s in widget.tracks[0]["segments"]] == ["seg_a", "seg_b"]


def test_an_async_session_is_refused_with_what_to_do_and_wrapped_it_works(client, make_clip):
    import asyncio
    import threading

    from nemo_jupyter.client import AsyncNemoClient
    from nemo_jupyter.session import AsyncSession
    from nemo_jupyter.widgets import BlockingSession

    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    run = lambda coro: asyncio.run_coroutine_threadsafe(coro, loop).result(30)  # noqa: E731
    async_client = run(_make_async_client(AsyncNemoClient, client.api_url))
    try:
        session = AsyncSession(async_client)
        with pytest.raises(TypeError, match="BlockingSession"):
            TimelineWidget(session)
        blocking = BlockingSession(session, run)
        blocking.upload(make_clip(1.0), make_clip(1.0, color="red"))
        widget = TimelineWidget(blocking)
        first, second = [s[3] for s in widget.tracks[0]["segments"]]
        widget._on_move({"segment": second, "before": first}, [])
        assert [s[3] for s in sorted(widget.tracks[0]["segments"])] == [second, first]
    finally:
        run(async_client.close())
        loop.call_soon_threadsafe(loop.stop)


async def _make_async_client(factory, url):
    return factory(api_url=url, retry_wait=0.05)


def test_the_kernel_fetches_a_thumbnail_the_browser_could_not_load(client, make_clip, front_end):
    from nemo_jupyter.session import Session

    session = Session(client)
    session.upload(make_clip(1.0))
    widget = TimelineWidget(session)
    assert widget.thumbnails, "the local backend offers a poster per clip"
    url = next(iter(widget.thumbnails.values()))
    browser = front_end(widget)
    browser.send({"kind": "thumbnail", "url": "http://127.0.0.1:9/not-offered.jpg"})
    browser.send({"kind": "thumbnail", "url": url})
    deadline = time.monotonic() + 10
    while not browser.received and time.monotonic() < deadline:
        time.sleep(0.05)
    (content, buffers), = browser.received
    assert content == {"kind": "thumbnail", "url": url, "mime": "image/jpeg"}
    assert bytes(buffers[0])[:2] == b"\xff\xd8"  # a JPEG


def test_a_segment_gets_its_own_frame_strip_when_the_backend_offers_one():
    draft = Draft({"d": 3000, "t": [{"tt": 0, "sg": [
        {"id": "seg_a", "st": 0, "d": 1000, "src": "med_a", "in": 500},
        {"id": "seg_b", "st": 1000, "d": 2000, "src": "med_a", "in": 0, "m": {"speed": 2}},
        {"id": "seg_c", "st": 3000, "d": 1000, "src": "med_c", "in": 0}]}]})
    offered = {"video_infos": [
        {"id": "med_a", "poster": "http://x/a.jpg", "strip": "http://x/a/strip_{in_ms}_{d_ms}.jpg"},
        {"id": "med_c", "poster": "http://x/c.jpg", "strip": "http://x/c/strip.jpg"}]}  # no placeholders: ignored
    assert thumbnails_from_state(offered, draft) == {
        "seg_a": "http://x/a/strip_500_1000.jpg",
        "seg_b": "http://x/a/strip_0_4000.jpg",  # twice as fast: four seconds of source
        "seg_c": "http://x/c.jpg",
    }


def test_the_local_backend_strips_are_real_images(client, make_clip):
    from nemo_jupyter.session import Session

    session = Session(client)
    session.upload(make_clip(1.0), make_clip(2.0))
    widget = TimelineWidget(session)
    urls = list(widget.thumbnails.values())
    assert len(urls) == 2 and all("/frames/strip_" in url for url in urls)
    for url in urls:
        answer = httpx.get(url)
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg"

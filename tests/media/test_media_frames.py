"""Frames of a draft (frames.py): the window cut with the draft's semantics (pure), and frames that
agree with a real render at the same time, for a plain and a layered draft."""

from __future__ import annotations

import math

import numpy as np
import pytest
from mediacheck import media_entry

from nemo_jupyter.local.media import RenderError
from nemo_jupyter.local.media.frames import (
    BLACK_ID,
    cut_window,
    draft_frame,
    draft_frames,
    frame_window,
    sheet_times,
    time_label,
)
from nemo_jupyter.local.media.preview import preview_draft
from nemo_jupyter.local.media.samples import make_clip, make_image, make_tone
from nemo_jupyter.local.media.thumbs import frame_at

HD = {"width": 1920, "height": 1080, "fps": 30}
AGREE_MAD = 4.0  # mean |difference| per channel (0-255) allowed between a frame and the render's


def seg(src, st, d, inn=0, **m):
    return {"id": f"seg_{src}_{st}", "src": src, "st": st, "d": d, "in": inn, "m": m}


def draft_of(*tracks):
    return {"t": [{"id": f"trk{i}", "tt": tt, "sg": list(sg)} for i, (tt, sg) in enumerate(tracks)]}


# --- the window (pure; 25 fps: a frame is 40 ms) --------------------------------------------------------
def test_a_plain_frame_is_one_frame():
    draft = draft_of((0, [seg("a", 0, 3000), seg("b", 3000, 3000)]))
    assert frame_window(draft, 1500, 25) == (37, 38, 37)  # 1500 ms shows frame 37 (1480-1520 ms)
    assert frame_window(draft, 1520, 25) == (38, 39, 38)


def test_a_window_holds_whole_any_fade_or_transition_it_touches():
    draft = draft_of((0, [seg("a", 0, 3000, fade_in_ms=600), seg("b", 3000, 3000, fade_out_ms=1000,
                                                               transition={"type": "crossfade", "ms": 400})]))
    assert frame_window(draft, 300, 25) == (0, 15, 7)  # inside the fade in: from the clip's start
    assert frame_window(draft, 3100, 25) == (64, 86, 77)  # the transition's reach, 400 ms each side, and a frame
    assert frame_window(draft, 5500, 25) == (125, 150, 137)  # the whole fade out
    assert frame_window(draft, 4000, 25) == (100, 101, 100)  # nothing there: one frame
    music = {**draft, "t": [*draft["t"], {"tt": 1, "sg": [seg("music", 0, 6000, fade_in_ms=5000)]}]}
    assert frame_window(music, 4000, 25) == (100, 101, 100)  # a sound's fade changes no picture
    # never a one-frame piece first (concat would give it no length): a frame earlier
    assert frame_window(draft_of((0, [seg("a", 0, 1000), seg("b", 1000, 1000)])), 960, 25)[0] == 23


def test_cut_window_shifts_segments_and_keeps_their_meaning():
    draft = draft_of(
        (0, [seg("a", 0, 3000, 500, speed=2.0, fade_in_ms=300, fade_out_ms=200), seg("b", 3000, 2000)]),
        (1, [seg("music", 0, 5000)]),
        (7, [{"id": "t", "st": 1000, "d": 3000, "m": {"text": "Hi"}}]),
    )
    cut = cut_window(draft, 25, 27, 25)
    main, text = cut["t"]  # the audio track is left out
    (piece,) = main["sg"]
    assert (piece["st"], piece["d"], piece["in"]) == (0, 80, 500 + 2 * 1000)  # in moves at the clip's speed
    assert "fade_in_ms" not in piece["m"] and "fade_out_ms" not in piece["m"]
    assert (text["sg"][0]["st"], text["sg"][0]["d"], text["sg"][0]["m"]["text"]) == (0, 80, "Hi")
    whole = cut_window(draft, 0, 75, 25)["t"][0]["sg"][0]
    assert whole["in"] == 500 and whole["m"]["fade_in_ms"] == 300 and whole["m"]["fade_out_ms"] == 200


def test_the_main_track_is_cut_on_the_renderers_frames():
    # 1001 ms is 25.025 frames: the renderer gives "a" frames 0-24 and "b" frames from 25
    draft = draft_of((0, [seg("a", 0, 1001), seg("b", 1001, 999, 7, transition={"type": "crossfade"})]))
    main = cut_window(draft, 24, 27, 25)["t"][0]["sg"]
    assert [(s["src"], s["st"], s["d"]) for s in main] == [("a", 0, 40), ("b", 40, 80)]
    assert main[1]["in"] == 7 and main[1]["m"]["transition"] == {"type": "crossfade"}
    (piece,) = cut_window(draft, 25, 26, 25)["t"][0]["sg"]  # not a 1 ms piece of "a"
    assert (piece["src"], piece["in"], "transition" in piece["m"]) == ("b", 7, True)


def test_a_segment_longer_than_its_video_holds_the_last_frame_in_a_window():
    draft = draft_of((0, [seg("a", 0, 5000)]), (0, [seg("pip", 1000, 4000, 500)]))
    media = {"a": {"type": "video", "d": 6000, "fps": 30}, "pip": {"type": "video", "d": 3000, "fps": 25}}
    main, pip = cut_window(draft, 112, 113, 25, media)["t"]
    assert main["sg"][0]["in"] == 4480 and pip["sg"][0]["in"] == 3000 - 40  # its last frame, not past its end


def test_gaps_in_the_main_track_are_black_and_the_main_track_stays_main():
    draft = draft_of((0, [seg("a", 0, 1000), seg("b", 2000, 1000, transition="crossfade")]),
                     (0, [seg("logo", 0, 3000, size=0.2)]))
    main, overlay = cut_window(draft, 37, 38, 25)["t"]
    assert [(s["src"], s["st"], s["d"]) for s in main["sg"]] == [(BLACK_ID, 0, 40)]
    assert overlay["sg"][0]["src"] == "logo"
    main, _ = cut_window(draft, 48, 52, 25)["t"]
    assert [(s["src"], s["st"], s["d"]) for s in main["sg"]] == [(BLACK_ID, 0, 80), ("b", 80, 80)]
    assert "transition" not in main["sg"][1]["m"]  # after a gap, as in the draft: no transition
    main, _ = cut_window(draft, 74, 77, 25)["t"]  # past the track's end: black to the window's end
    assert [(s["src"], s["st"], s["d"]) for s in main["sg"]] == [("b", 0, 40), (BLACK_ID, 40, 80)]
    (only,) = cut_window(draft_of((7, [{"st": 0, "d": 2000, "m": {"text": "Hi"}}])), 0, 1, 25)["t"][:1]
    assert only["tt"] == 0 and only["sg"][0]["src"] == BLACK_ID  # no video at all: black under the text


def test_sheet_times_and_labels():
    assert sheet_times(12000, n=4) == [1.5, 4.5, 7.5, 10.5]
    assert sheet_times(5000, every=2.0) == [0.0, 2.0, 4.0]
    assert sheet_times(5000, every=60) == [0.0] and sheet_times(4000, n=np.int64(2)) == [1.0, 3.0]
    assert time_label(72.5) == "1:12.50"
    for bad in ({"n": 0}, {"n": -3}, {"n": 2.5}, {"n": True}, {"every": 0}, {"every": 0.001}, {"every": float("inf")}):
        with pytest.raises(RenderError):
            sheet_times(10000, **bad)


# --- frames against renders -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("frames")
    return {
        "a": media_entry(make_clip(folder / "a.mp4", 4, (640, 360))),
        "b": media_entry(make_clip(folder / "b.mp4", 4, (640, 360), pattern="smptehdbars", gop=300)),
        "pip": media_entry(make_clip(folder / "pip.mp4", 4, (320, 240), pattern="testsrc", audio=False)),
        "logo": media_entry(make_image(folder / "logo.png", (64, 64), color="yellow")),
        "music": media_entry(make_tone(folder / "music.m4a", 2.0)),
    }


def infos(media):
    return [{"id": key, **value} for key, value in media.items()]


PLAIN = draft_of(
    (0, [seg("a", 0, 3000, 500), seg("b", 3000, 3000, fade_out_ms=1000)]),
    (7, [{"id": "title", "st": 500, "d": 2000, "m": {"text": "Frames"}}]),
)
LAYERED = draft_of(
    (0, [seg("a", 0, 3000, 500), seg("b", 3000, 3000, transition={"type": "crossfade", "ms": 600}),
         seg("a", 6000, 2000, 1000, transition={"type": "dip_to_black", "ms": 400})]),
    (0, [seg("pip", 1000, 5000, position="bottom_left", size=0.3, fade_in_ms=500)]),
    (0, [seg("logo", 0, 8000, position="top_right", size=0.1, opacity=0.8)]),
    (1, [seg("music", 0, 8000, loop=True)]),
    (7, [{"id": "cap", "st": 2500, "d": 3000, "m": {"text": "Layers", "style": "caption", "position": "bottom"}}]),
)


def mad(one, other) -> float:
    return float(np.abs(np.asarray(one, float) - np.asarray(other, float)).mean())


# cuts off the frame grid (1001 ms is 25.025 frames), speed, a still with a fade in, a default crossfade
EDGES = draft_of(
    (0, [seg("a", 0, 1001, 123), seg("b", 1001, 999, 7, speed=1.5), seg("logo", 2300, 700, fit="cover", fade_in_ms=200),
         seg("a", 3000, 517, 2000, transition="crossfade")]),
    (7, [{"id": "t", "st": 900, "d": 1300, "m": {"text": "Edge", "position": {"x": 0.3, "y": 0.2}}}]),
)
PORTRAIT = {"width": 1080, "height": 1920, "fps": 25}


@pytest.mark.parametrize("draft, canvas, frames, distinct", [
    (PLAIN, HD, [0, 30, 87, 105, 165], [0, 30, 165]),  # in the title, at a cut, in the fade out
    (LAYERED, HD, [15, 36, 87, 93, 120, 177, 183, 237], [15, 93, 183]),  # overlays, logo, in both transitions
    (EDGES, PORTRAIT, [24, 25, 26, 57, 58, 60, 69, 70, 75, 80, 82], [25, 58, 70]),
])
def test_frames_agree_with_the_rendered_video(draft, canvas, frames, distinct, media, tmp_path):
    cache = tmp_path / "cache"
    video = preview_draft(draft, infos(media), canvas, tmp_path / "render.mp4", cache_dir=cache)
    fps = canvas["fps"]
    rendered = {k: frame_at(video, math.floor(k / fps * 1000) / 1000) for k in frames}  # the frame at or after
    for k in frames:
        frame = draft_frame(draft, infos(media), canvas, k / fps, width=rendered[k].width, cache_dir=cache)
        assert frame.size == rendered[k].size
        assert mad(frame, rendered[k]) < AGREE_MAD, f"frame {k} differs from the render's"
    far = {k: min(mad(draft_frame(draft, infos(media), canvas, k / fps, width=rendered[k].width, cache_dir=cache),
                      rendered[j]) for j in distinct if j != k) for k in distinct}
    assert all(value > 2 * AGREE_MAD for value in far.values()), far  # the bound tells frames apart


def test_a_sheet_is_the_frames_with_their_times(media, tmp_path):
    told = []
    sheet = draft_frames(PLAIN, infos(media), HD, n=6, width=160, cache_dir=tmp_path / "cache", progress=told.append)
    assert len(told) == 2 + 6 + 1 and told == sorted(told) and told[-1] == 100.0  # 2 proxies, 6 frames, the end
    # 4 columns x 2 rows of 160x90 frames, each with a label band under it
    assert sheet.width == 6 + 4 * (160 + 6) and sheet.height > 2 * (90 + 6)
    one = draft_frame(PLAIN, infos(media), HD, sheet_times(6000, n=6)[5], width=160, cache_dir=tmp_path / "cache")
    placed = sheet.crop((6 + 166, 6 + 90 + 22 + 6, 6 + 166 + 160, 6 + 90 + 22 + 6 + 90))  # second row, second frame
    assert mad(placed, one) < 1.0
    for times in ([1.0], 1.0, (t for t in [1.0])):  # a list, one number, any iterable
        assert draft_frames(PLAIN, infos(media), HD, times=times, width=160, cache_dir=tmp_path / "cache").width == 6 + 166


def test_proxies_are_made_once_per_source(media, tmp_path):
    cache = tmp_path / "cache"
    draft_frames(PLAIN, infos(media), HD, times=[1.0, 4.0], width=160, cache_dir=cache)
    proxies = sorted((cache / "proxies").iterdir())
    assert len(proxies) == 2 and all(p.suffix == ".mkv" for p in proxies)
    stamps = [p.stat().st_mtime_ns for p in proxies]
    draft_frame(PLAIN, infos(media), HD, 4.5, cache_dir=cache)
    assert [p.stat().st_mtime_ns for p in sorted((cache / "proxies").iterdir())] == stamps


def test_a_source_without_a_proxy_is_read_as_it_is(media, tmp_path, monkeypatch):
    from nemo_jupyter.local.media import frames

    def cannot(source, target, side):
        raise frames.MediaError(f"making a frame proxy of {source.name}: no")

    monkeypatch.setattr(frames, "_make_proxy", cannot)
    frame = draft_frame(PLAIN, infos(media), HD, 1.0, cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache" / "proxies").exists()
    monkeypatch.undo()
    assert mad(frame, draft_frame(PLAIN, infos(media), HD, 1.0, cache_dir=tmp_path / "other")) < AGREE_MAD
    assert (tmp_path / "other" / "proxies").exists()


def test_bad_requests_are_one_line(media, tmp_path):
    cache = tmp_path / "cache"
    for call, words in [
        (lambda: draft_frame(PLAIN, infos(media), HD, 6.0, cache_dir=cache), "outside the draft"),
        (lambda: draft_frame(PLAIN, infos(media), HD, -1, cache_dir=cache), "outside the draft"),
        (lambda: draft_frame(PLAIN, infos(media), HD, "soon", cache_dir=cache), "number of seconds"),
        (lambda: draft_frames(PLAIN, infos(media), HD, n=0, cache_dir=cache), "whole number from 1"),
        (lambda: draft_frames(PLAIN, infos(media), HD, n=3, every=1.0, cache_dir=cache), "one way"),
        (lambda: draft_frames(PLAIN, infos(media), HD, times=[], cache_dir=cache), "1 to"),
        (lambda: draft_frame({"t": []}, infos(media), HD, 0.0, cache_dir=cache), "nothing to render"),
    ]:
        with pytest.raises(RenderError) as failed:
            call()
        assert words in str(failed.value) and "\n" not in str(failed.value)


CORPUS = ["rot90", "rot270", "anamorphic", "vertical", "vfr", "fps2997", "ten_bit", "hevc_mov", "vp9_webm", "gif"]


def test_frames_of_every_kind_of_upload_agree_with_the_render(tmp_path):
    """Proxies keep what the renderer shows: rotation, sample aspect ratio, frame timing, GIF loops."""
    from corpus import BY_NAME

    media = {}
    for name in CORPUS:
        case = BY_NAME[name]
        path = tmp_path / case.file
        case.make(path)
        media[name] = media_entry(path)
    draft = draft_of((0, [seg(name, i * 1000, 1000) for i, name in enumerate(CORPUS)]),
                     (0, [seg("rot90", 500, len(CORPUS) * 1000 - 1000, 0, position="top_right", size=0.25)]))
    video = preview_draft(draft, infos(media), HD, tmp_path / "render.mp4", cache_dir=tmp_path / "cache")
    for i, name in enumerate(CORPUS):
        k = 30 * i + 20  # two thirds into each clip
        rendered = frame_at(video, math.floor(k / 30 * 1000) / 1000)
        frame = draft_frame(draft, infos(media), HD, k / 30, cache_dir=tmp_path / "cache")
        assert mad(frame, rendered) < AGREE_MAD, f"{name}: frame {k} differs from the render's"

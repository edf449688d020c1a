"""Every upload renders right: the generated corpus (corpus.py) through the same edits, each export checked.

Checks on every export (decoded with ffmpeg, source time bases kept): no decode errors; H.264
yuv420p 8-bit at the canvas size and a constant frame rate; AAC stereo 48 kHz always; video and audio
starting together and as long as the timeline (±1 frame); the marker picture upright and fit as
documented (contain / cover / stretch on its display geometry); music audible where placed.
"""

from __future__ import annotations

import pytest
from corpus import BY_NAME, VIDEO_CASES, make_corpus
from mediacheck import decoded_streams, mean_volume_db, silences

from nemo_jupyter.local.media.probe import probe
from nemo_jupyter.local.media.graph import plan_render
from nemo_jupyter.local.media.render import render_draft
from nemo_jupyter.local.media.thumbs import frame_at
from nemo_jupyter.local.uploads import describe_upload

CANVAS = {"width": 320, "height": 180, "fps": 30}
COLOURS = {"red": (255, 0, 0), "lime": (0, 255, 0), "grey": (128, 128, 128), "black": (0, 0, 0), "blue": (0, 0, 255)}


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """`{case name: media entry}` as the local backend keeps an upload (its probe, the path)."""
    paths = make_corpus(tmp_path_factory.mktemp("corpus"))
    return {name: {**describe_upload(path, BY_NAME[name].kind), "path": str(path)} for name, path in paths.items()}


def seg(src, st, d, **kw):
    return {"id": f"seg_{src}_{st}", "src": src, "st": st, "d": d, "m": kw.pop("m", {}), **kw}


# --- what every export must be ------------------------------------------------------------------
def check_export(path, duration_ms: int, canvas: dict) -> dict:
    """Assert the facts every export shares; return the decoded streams for more checks."""
    frame_s = 1 / canvas["fps"]
    info = probe(path)
    assert (info["vcodec"], info["pix_fmt"], info["profile"]) in {("h264", "yuv420p", p) for p in ("High", "Main", "Constrained Baseline", "Baseline")}, info
    assert (info["acodec"], info["sample_rate"], info["channels"]) == ("aac", 48000, 2), info
    streams = decoded_streams(path)
    assert streams["errors"] == ""
    video, audio = streams["video"], streams["audio"]
    assert video["size"] == f"{canvas['width']}x{canvas['height']}" and (info["width"], info["height"]) == (canvas["width"], canvas["height"])
    assert len(video["deltas"]) == 1, f"not a constant frame rate: frame gaps {sorted(video['deltas'])}"
    assert abs(video["frames"] / (video["end_s"] - video["start_s"]) - canvas["fps"]) < 0.05
    assert abs(video["start_s"]) < 0.002 and abs(audio["start_s"]) < 0.002, (video["start_s"], audio["start_s"])
    for stream in (video, audio):
        assert abs(stream["end_s"] - duration_ms / 1000) <= frame_s + 1e-6, (stream, duration_ms)
    return streams


def nearest_colour(rgb) -> str:
    return min(COLOURS, key=lambda name: sum((a - b) ** 2 for a, b in zip(rgb, COLOURS[name])))


def placed(display: tuple[int, int], fit: str, canvas: dict) -> tuple[float, float, float, float]:
    """Where the picture lands on the canvas (x, y, width, height) for `fit`, from its display size."""
    cw, ch = canvas["width"], canvas["height"]
    if fit == "stretch":
        return 0, 0, cw, ch
    scale = (min if fit == "contain" else max)(cw / display[0], ch / display[1])
    w, h = display[0] * scale, display[1] * scale
    return (cw - w) / 2, (ch - h) / 2, w, h


def check_picture(path, seconds: float, display: tuple[int, int], fit: str, canvas: dict) -> None:
    """The marker picture upright where `fit` puts it: its corners' colours, black bars around it."""
    image = frame_at(path, seconds)
    x0, y0, w, h = placed(display, fit, canvas)
    seen, expected = {}, {}
    for u in (0.1, 0.5, 0.9):
        for v in (0.1, 0.6, 0.9):
            x, y = x0 + u * w, y0 + v * h
            if 2 <= x < canvas["width"] - 2 and 2 <= y < canvas["height"] - 2:
                want = "red" if (u, v) == (0.1, 0.1) else "lime" if (u, v) == (0.9, 0.1) else "grey"
                seen[(u, v)], expected[(u, v)] = nearest_colour(image.getpixel((int(x), int(y)))), want
    for x, y in ((x0 / 2, canvas["height"] / 2), (canvas["width"] / 2, y0 / 2)):
        if x >= 3 and y >= 3:  # a bar at least 6 px wide
            seen[("bar", x, y)], expected[("bar", x, y)] = nearest_colour(image.getpixel((int(x), int(y)))), "black"
    assert seen == expected, f"{fit} at {seconds:.2f}s"


# --- the same edits on every video case ---------------------------------------------------------------
@pytest.mark.parametrize("name", VIDEO_CASES)
def test_edited_export(corpus, tmp_path, name):
    """The whole clip (contain), then two cuts of it (cover, stretch) at a 16:9 canvas."""
    media, case = corpus[name], BY_NAME[name]
    whole = media["d"]
    cut_in = min(100, whole // 4)
    cut = min(317, whole - cut_in)
    draft = {"t": [{"tt": 0, "sg": [
        seg(name, 0, whole),
        seg(name, whole, cut, **{"in": cut_in}, m={"fit": "cover"}),
        seg(name, whole + cut, cut, **{"in": cut_in}, m={"fit": "stretch"}),
    ]}]}
    out = render_draft(draft, corpus, CANVAS, tmp_path / f"{name}.mp4", quality="draft")
    check_export(out, whole + 2 * cut, CANVAS)
    check_picture(out, whole / 2000, case.display, "contain", CANVAS)
    check_picture(out, (whole + cut / 2) / 1000, case.display, "cover", CANVAS)
    check_picture(out, (whole + 1.5 * cut) / 1000, case.display, "stretch", CANVAS)


# --- timelines of whole, unedited clips (the stream-copy candidates) --------------------------------------
COPY_CASES = {
    "two identical clips": (["base", "base"], CANVAS, "copy"),
    "time bases 15360 and 90000": (["tb_15360", "tb_90000"], CANVAS, "encode"),
    "High and Baseline profiles": (["base", "baseline"], CANVAS, "encode"),
    "the same facts from other x264 settings": (["base", "x264_other"], CANVAS, "encode"),
    "10-bit": (["ten_bit"], CANVAS, "encode"),
    "4:4:4": (["yuv444"], CANVAS, "encode"),
    "PCM .mov": (["pcm_mov"], CANVAS, "encode"),
    "no audio": (["no_audio", "no_audio"], CANVAS, "encode"),
    "mono 22 kHz": (["mono22k"], CANVAS, "encode"),
    "rotated phone clip on a landscape canvas": (["rot90"], CANVAS, "encode"),
    "rotated phone clip on a portrait canvas": (["rot270"], {"width": 180, "height": 320, "fps": 30}, "encode"),
    "upside-down phone clip": (["rot180"], CANVAS, "encode"),
    "anamorphic": (["anamorphic"], CANVAS, "encode"),
    "a part-frame length": (["part_frame", "base"], CANVAS, "encode"),
}


@pytest.mark.parametrize("title", list(COPY_CASES))
def test_unedited_export(corpus, tmp_path, title):
    names, canvas, mode = COPY_CASES[title]
    segments, at = [], 0
    for i, name in enumerate(names):
        segments.append({**seg(name, at, corpus[name]["d"]), "id": f"s{i}"})
        at += corpus[name]["d"]
    draft = {"t": [{"tt": 0, "sg": segments}]}
    out = tmp_path / "joined.mp4"
    render_draft(draft, corpus, canvas, out)
    check_export(out, at, canvas)
    check_picture(out, 0.5, BY_NAME[names[0]].display, "contain", canvas)
    assert plan_render(draft, corpus, canvas, out).mode == mode


# --- stills, GIFs and music -----------------------------------------------------------------------
def test_stills_fit_on_the_canvas(corpus, tmp_path):
    draft = {"t": [{"tt": 0, "sg": [seg("png", 0, 500), seg("webp", 500, 500, m={"fit": "cover"})]}]}
    out = render_draft(draft, corpus, CANVAS, tmp_path / "stills.mp4", quality="draft")
    check_export(out, 1000, CANVAS)
    check_picture(out, 0.25, BY_NAME["png"].display, "contain", CANVAS)
    check_picture(out, 0.75, BY_NAME["webp"].display, "cover", CANVAS)


@pytest.mark.parametrize("name", ["gif", "webp_anim"])
def test_an_animated_image_moves_with_its_own_timing_and_loops(corpus, tmp_path, name):
    if name == "gif":
        assert corpus["gif"]["type"] == "image" and corpus["gif"]["d"] == 500 and corpus["gif"]["fps"] == 10
    draft = {"t": [{"tt": 0, "sg": [seg("base", 0, 300), seg(name, 300, 1200)]}]}
    out = render_draft(draft, corpus, CANVAS, tmp_path / f"{name}.mp4", quality="draft")
    check_export(out, 1500, CANVAS)
    # red for 0.25 s, blue for 0.25 s, again and again
    colours = [nearest_colour(frame_at(out, 0.3 + t).getpixel((160, 90))) for t in (0.1, 0.35, 0.6, 0.85, 1.1)]
    assert colours == ["red", "blue", "red", "blue", "red"]


@pytest.mark.parametrize("name", ["mp3", "wav", "m4a"])
def test_music_is_heard_where_it_is_placed(corpus, tmp_path, name):
    draft = {"t": [{"tt": 0, "sg": [seg("no_audio", 0, 1000)]}, {"tt": 1, "sg": [seg(name, 300, 500)]}]}
    out = render_draft(draft, corpus, CANVAS, tmp_path / f"{name}.mp4", quality="draft")
    check_export(out, 1000, CANVAS)
    assert mean_volume_db(out, 0.0, 0.25) < -80  # silence where the clip has none
    assert mean_volume_db(out, 0.4, 0.3) > -40
    assert mean_volume_db(out, 0.85, 0.15) < -80


def test_joins_of_part_frame_lengths_leave_no_gap(corpus, tmp_path):
    """Three cuts of 15.5 frames each: every join on the frame grid, the sound unbroken across it."""
    draft = {"t": [{"tt": 0, "sg": [{**seg("base", i * 517, 517), "id": f"s{i}"} for i in range(3)]}]}
    out = render_draft(draft, corpus, CANVAS, tmp_path / "joins.mp4", quality="draft")
    check_export(out, 1551, CANVAS)
    assert silences(out) == []  # before: 12 ms of silence at each join


@pytest.mark.parametrize("name", VIDEO_CASES + ["gif", "webp_anim", "png", "webp"])
def test_the_upload_reports_the_display_size(corpus, name):
    case = BY_NAME[name]
    assert (corpus[name]["width"], corpus[name]["height"]) == case.display
    assert corpus[name]["type"] == case.kind

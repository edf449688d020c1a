"""render_draft end to end with real ffmpeg on tiny clips; outputs checked by probing and decoding."""

from __future__ import annotations

import threading
import time

import pytest
from mediacheck import colour_at, count_pixels, is_colour, mean_volume_db, media_entry

from nemo_jupyter.local.media import RenderCancelled, RenderError
from nemo_jupyter.local.media.graph import plan_render
from nemo_jupyter.local.media.probe import probe
from nemo_jupyter.local.media.render import render_draft
from nemo_jupyter.local.media.samples import make_clip, make_tone

SMALL = {"width": 320, "height": 240, "fps": 30}
FRAME_MS = 1000 / 30


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """Three distinct solid-colour clips (one silent), a portrait clip and a quiet music tone."""
    folder = tmp_path_factory.mktemp("library")
    files = {
        "red": make_clip(folder / "red.mp4", seconds=1.0, color="red", tone_hz=440),
        "blue": make_clip(folder / "blue.mp4", seconds=1.0, color="blue", tone_hz=660),
        "green": make_clip(folder / "green.mp4", seconds=1.0, color="green", audio=False),
        "tall": make_clip(folder / "tall.mp4", seconds=1.0, size=(120, 240), color="yellow", audio=False),
        "music": make_tone(folder / "music.m4a", seconds=3.0, hz=330, volume=0.5),
    }
    return {key: media_entry(path) for key, path in files.items()}


def seg(src, st, d, **kw):
    return {"id": f"seg_{src}_{st}", "src": src, "st": st, "d": d, "m": kw.pop("m", {}), **kw}


def test_reordered_trimmed_titled_scored_render(library, tmp_path):
    draft = {"t": [
        {"tt": 0, "sg": [seg("blue", 0, 1000), seg("red", 1000, 500, **{"in": 300}), seg("green", 1500, 1000)]},
        {"tt": 7, "sg": [{"st": 0, "d": 1000, "m": {"text": "TITLE", "position": "center", "size": 400, "color": "white"}}]},
        {"tt": 1, "sg": [seg("music", 0, 2500, m={"volume": 0.35})]},
    ]}
    seen = []
    out = render_draft(draft, library, SMALL, tmp_path / "edit.mp4", progress=seen.append)
    info = probe(out)
    assert (info["width"], info["height"], info["vcodec"], info["acodec"]) == (320, 240, "h264", "aac")
    assert abs(info["d"] - 2500) <= FRAME_MS + 25  # AAC priming may add a few ms
    # clip order: blue, then the trimmed red, then green (sampled off-centre to miss the title)
    corner = (10, 10)
    assert is_colour(colour_at(out, 0.5, corner), "blue")
    assert is_colour(colour_at(out, 1.25, corner), "red")
    assert is_colour(colour_at(out, 2.0, corner), "green", tolerance=70)
    # the title's white pixels are there in its range and gone after it
    white = lambda rgb: min(rgb) > 200  # noqa: E731
    assert count_pixels(out, 0.5, white) > 500
    assert count_pixels(out, 1.25, white) == 0
    # the silent green clip is quiet only under the music; the music alone sits near its set level
    music_alone = mean_volume_db(library["music"]["path"], 0.5, 1.0)
    under_green = mean_volume_db(out, 1.6, 0.8)
    assert abs(under_green - (music_alone + 20 * __import__("math").log10(0.35))) < 1.5
    assert seen and seen[-1] == 100.0 and seen == sorted(seen)


def test_portrait_canvas_pads_and_cover_crops(library, tmp_path):
    portrait = {"width": 180, "height": 320, "fps": 24}
    draft = {"t": [{"tt": 0, "sg": [seg("red", 0, 500), seg("tall", 500, 500, m={"fit": "cover"})]}]}
    out = render_draft(draft, library, portrait, tmp_path / "tall.mp4", quality="draft")
    info = probe(out)
    assert (info["width"], info["height"], info["fps"]) == (180, 320, 24)
    assert is_colour(colour_at(out, 0.25, (90, 10)), "black")  # 4:3 red padded top and bottom
    assert is_colour(colour_at(out, 0.25), "red")
    assert is_colour(colour_at(out, 0.75, (90, 10)), "yellow", tolerance=70)  # cover fills the frame


def test_stream_copy_path_joins_untouched_clips(library, tmp_path):
    draft = {"t": [{"tt": 0, "sg": [seg("blue", 0, 1000), seg("red", 1000, 1000)]}]}
    assert plan_render(draft, library, SMALL, tmp_path / "x.mp4").mode == "copy"
    out = render_draft(draft, library, SMALL, tmp_path / "joined.mp4")
    info = probe(out)
    assert abs(info["d"] - 2000) <= FRAME_MS + 25 and info["has_audio"]
    assert is_colour(colour_at(out, 0.5), "blue") and is_colour(colour_at(out, 1.5), "red")


def test_cancel_leaves_no_file(library, tmp_path):
    # 20 s of 720p at the high preset: seconds of work, cancelled at the first progress report
    long_draft = {"t": [{"tt": 0, "sg": [seg("red", i * 1000, 1000, m={"speed": 0.1}) for i in range(20)]}]}
    cancel = threading.Event()
    reports = []
    out = tmp_path / "cancelled.mp4"

    def progress(percent):
        reports.append(percent)
        cancel.set()

    begun = time.monotonic()
    with pytest.raises(RenderCancelled):
        render_draft(long_draft, library, {"width": 1280, "height": 720, "fps": 30}, out, progress=progress, cancel=cancel)
    assert time.monotonic() - begun < 10
    assert reports and reports[0] < 100
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_cancel_before_start_runs_nothing(library, tmp_path):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(RenderCancelled):
        render_draft({"t": [{"tt": 0, "sg": [seg("red", 0, 500)]}]}, library, SMALL, tmp_path / "o.mp4", cancel=cancel)
    assert list(tmp_path.iterdir()) == []


def test_failing_progress_callback_leaves_no_file(library, tmp_path):
    def progress(percent):
        raise KeyError("viewer went away")

    long_draft = {"t": [{"tt": 0, "sg": [seg("red", i * 1000, 1000, m={"speed": 0.1}) for i in range(5)]}]}
    with pytest.raises(KeyError):
        render_draft(long_draft, library, SMALL, tmp_path / "o.mp4", progress=progress)
    assert list(tmp_path.iterdir()) == []


def test_ffmpeg_failure_is_one_specific_line(library, tmp_path):
    lying = {"green": {**library["green"], "has_audio": True}}  # the file has no sound stream
    with pytest.raises(RenderError) as err:
        render_draft({"t": [{"tt": 0, "sg": [seg("green", 0, 500)]}]}, lying, SMALL, tmp_path / "o.mp4")
    assert str(err.value) == "render: Stream specifier ':a' matches no streams."
    assert list(tmp_path.iterdir()) == []


def test_missing_media_file_is_a_render_error(library, tmp_path):
    media = {"gone": {**library["red"], "path": str(tmp_path / "gone.mp4")}}
    with pytest.raises(RenderError) as err:
        render_draft({"t": [{"tt": 0, "sg": [seg("gone", 0, 500)]}]}, media, SMALL, tmp_path / "o.mp4")
    assert "gone.mp4" in str(err.value) and "\n" not in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_still_with_fade_then_fast_quiet_clip(library, tmp_path):
    from nemo_jupyter.local.media.samples import make_image

    library = {**library, "still": media_entry(make_image(tmp_path / "src" / "still.png", (200, 200), color="white"))}
    draft = {"t": [
        {"tt": 0, "sg": [seg("still", 0, 1000, m={"fade_in_ms": 800}), seg("red", 1000, 500, m={"speed": 2, "volume": 0.5})]},
        {"tt": 7, "sg": [{"st": 1000, "d": 500, "m": {"text": "BOTTOM", "position": "bottom", "color": "yellow", "size": 300}}]},
    ]}
    out = render_draft(draft, library, SMALL, tmp_path / "still.mp4")
    assert abs(probe(out)["d"] - 1500) <= FRAME_MS + 25  # the 1 s red clip at 2x fills 0.5 s
    assert max(colour_at(out, 0.02)) < 60  # fading in from black
    assert is_colour(colour_at(out, 0.95), "white")
    assert is_colour(colour_at(out, 0.95, (10, 120)), "black")  # square still padded on a 4:3 canvas
    yellow = lambda rgb: rgb[0] > 180 and rgb[1] > 180 and rgb[2] < 100  # noqa: E731
    assert count_pixels(out, 1.25, yellow, box=(0, 160, 320, 240)) > 100  # caption in the bottom band
    assert count_pixels(out, 1.25, yellow, box=(0, 0, 320, 120)) == 0
    loud = mean_volume_db(library["red"]["path"], 0.1, 0.8)
    assert abs(mean_volume_db(out, 1.1, 0.3) - (loud - 6.02)) < 1.5  # volume 0.5 is -6 dB


def test_audio_and_gif_presets(library, tmp_path):
    draft = {"t": [{"tt": 0, "sg": [seg("blue", 0, 500), seg("green", 500, 500)]}]}
    m4a = render_draft(draft, library, SMALL, tmp_path / "sound.m4a", quality="audio")
    info = probe(m4a)
    assert info["type"] == "audio" and info["acodec"] == "aac" and abs(info["d"] - 1000) <= 60
    gif = render_draft(draft, library, {"width": 1920, "height": 1080, "fps": 30}, tmp_path / "loop.gif", quality="gif")
    info = probe(gif)
    assert info["vcodec"] == "gif" and (info["width"], info["height"]) == (480, 270)
    assert is_colour(colour_at(gif, 0.2), "blue")


def test_no_font_fails_loudly(monkeypatch, tmp_path):
    import matplotlib

    from nemo_jupyter.local.media import MediaError, fonts

    monkeypatch.setattr(fonts, "SYSTEM_DEJAVU", tmp_path / "none")
    monkeypatch.setattr(matplotlib, "get_data_path", lambda: str(tmp_path / "none"))
    with pytest.raises(MediaError, match="no DejaVu font found"):
        fonts.font_path.__wrapped__("bold")


def test_in_point_is_frame_accurate(library, tmp_path):
    # a source that turns from red to blue at exactly 0.5 s, then a 0.2 s cut straddling the change
    source = render_draft(
        {"t": [{"tt": 0, "sg": [seg("red", 0, 500), seg("blue", 500, 500)]}]}, library, SMALL, tmp_path / "src.mp4"
    )
    media = {"src": media_entry(source)}
    cut = render_draft({"t": [{"tt": 0, "sg": [seg("src", 0, 200, **{"in": 400})]}]}, media, SMALL, tmp_path / "cut.mp4")
    assert abs(probe(cut)["d"] - 200) <= FRAME_MS + 25
    # frame_at gives the first frame at or after t: frames 0, 1/30, 2/30 are source 0.4-0.467 s
    assert is_colour(colour_at(cut, 0.0), "red")
    assert is_colour(colour_at(cut, 0.04), "red")  # frame 2/30: the last red one (source 0.467 s)
    assert is_colour(colour_at(cut, 0.09), "blue")  # frame 3/30: source 0.5 s, the first blue one

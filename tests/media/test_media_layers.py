"""Layered drafts: overlays and logos, transitions at cuts, looping and ducked music.

Graph rules are checked on plans (no ffmpeg); what the picture and the sound really are is checked
on decoded frames and audio levels of small renders.
"""

from __future__ import annotations

import re

import pytest

from mediacheck import colour_at, is_colour, mean_volume_db, media_entry
from nemo_jupyter.local.media.ffmpeg import run
from nemo_jupyter.local.media.graph import plan_render
from nemo_jupyter.local.media.layers import corner
from nemo_jupyter.local.media.probe import probe
from nemo_jupyter.local.media.render import render_draft
from nemo_jupyter.local.media.samples import make_clip, make_image, make_tone
from nemo_jupyter.local.media.timeline import read_timeline

CANVAS = {"width": 320, "height": 180, "fps": 30}
FRAME_MS = 1000 / 30


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("layers")
    return {
        "red": media_entry(make_clip(folder / "red.mp4", 3, (320, 180), color="red", tone_hz=1000)),
        "blue": media_entry(make_clip(folder / "blue.mp4", 3, (320, 180), color="blue", audio=False)),
        "green": media_entry(make_clip(folder / "green.mp4", 3, (320, 180), color="green", audio=False)),
        "quiet": media_entry(make_clip(folder / "quiet.mp4", 3, (320, 180), color="blue", audio=False)),
        "logo": media_entry(make_image(folder / "logo.png", (64, 64), color="yellow")),
        "music": media_entry(make_tone(folder / "music.m4a", 1.0, 220)),
    }


def seg(src, st, d, inn=0, **m):
    return {"id": f"seg_{src}_{st}", "src": src, "st": st, "d": d, "in": inn, "m": m}


def layered(*tracks):
    return {"t": [{"id": f"trk{i}", "tt": tt, "sg": list(sg)} for i, (tt, sg) in enumerate(tracks)]}


def render(draft, media, tmp_path, name="out.mp4"):
    out = render_draft(draft, media, CANVAS, tmp_path / name)
    info = probe(out)
    assert (info["vcodec"], info["pix_fmt"], info["width"], info["height"], info["fps"]) == ("h264", "yuv420p", 320, 180, 30)
    assert (info["acodec"], info["sample_rate"], info["channels"]) == ("aac", 48000, 2)
    return out, info


def streams_ms(path) -> tuple[float, float]:
    """(video, audio) stream lengths in ms, by decoding each one (which must give no error)."""
    lengths = []
    for stream in ("v", "a"):
        done = run(["-v", "error", "-stats", "-i", str(path), "-map", f"0:{stream}", "-f", "null", "-"])
        assert "error" not in done.stderr.lower().replace("-v error", "")
        h, m, s = re.findall(r"time=(\d+):(\d+):([\d.]+)", done.stderr)[-1]
        lengths.append((int(h) * 3600 + int(m) * 60 + float(s)) * 1000)
    return lengths[0], lengths[1]


def band_db(path, start_s, dur_s, hz) -> float:
    """Mean level (dBFS) of the audio near `hz` between start_s and start_s + dur_s."""
    done = run(["-ss", str(start_s), "-t", str(dur_s), "-i", str(path), "-vn", "-af",
                f"bandpass=f={hz}:width_type=q:w=8,bandpass=f={hz}:width_type=q:w=8,volumedetect", "-f", "null", "-"])
    return float(re.search(r"mean_volume: (-?[\d.]+) dB", done.stderr)[1])


# --- reading the draft ---------------------------------------------------------------------------


def test_later_video_tracks_are_overlays_in_paint_order(media):
    draft = layered((0, [seg("red", 0, 2000)]), (0, [seg("green", 500, 1000, position="bottom_left", size=0.3)]),
                    (0, [seg("logo", 0, 5000, position="top right", size=0.15, opacity=2)]))
    timeline = read_timeline(draft, media)
    assert [c.src["path"] for c in timeline.clips] == [media["red"]["path"]]
    pip, logo = timeline.overlays
    assert (pip.layer, pip.size, pip.position, logo.layer) == (1, 0.3, "bottom_left", 2)
    assert logo.dur_ms == 2000 and logo.opacity == 1.0  # cut at the video's end; opacity at most 1
    assert corner(logo.position) == "top_right" and corner("Bottom-Left") == "bottom_left" and corner("?") == "center"


def test_transition_takes_handles_and_is_shortened_without_them(media):
    asked = {"transition": {"type": "glsl_cross_dissolve", "ms": 1000}}
    roomy = read_timeline(layered((0, [seg("red", 0, 2000), {**seg("blue", 2000, 2000, 1000), "m": asked}])), media)
    assert (roomy.clips[1].transition, roomy.clips[1].transition_ms) == ("crossfade", 1000)
    assert (roomy.clips[0].tail_ms, roomy.clips[1].lead_ms, roomy.duration_ms) == (500, 500, 4000)
    # the incoming clip starts 200 ms into its file: the transition is 400 ms
    tight = read_timeline(layered((0, [seg("red", 0, 2000), {**seg("blue", 2000, 2000, 200), "m": asked}])), media)
    assert tight.clips[1].transition_ms == 400 and tight.clips[0].tail_ms == 200
    # whole clips have no footage past their ends: no transition at all
    none = read_timeline(layered((0, [seg("red", 0, 3000), {**seg("blue", 3000, 3000), "m": asked}])), media)
    assert none.clips[1].transition is None and none.clips[0].tail_ms == 0
    dip = {"transition": {"type": "dip_to_black", "ms": 600}}
    still = read_timeline(layered((0, [seg("logo", 0, 1000), {**seg("logo", 1000, 1000), "m": dip}])), media)
    assert (still.clips[1].transition, still.clips[1].transition_ms) == ("dip_to_black", 600)


def test_layered_drafts_are_never_stream_copied(media, tmp_path):
    whole = [seg("blue", 0, 3000), seg("green", 3000, 3000)]
    assert plan_render(layered((0, whole)), media, CANVAS, tmp_path / "o.mp4").mode in ("copy", "encode")
    with_logo = layered((0, whole), (0, [seg("logo", 0, 6000, position="top_right", size=0.15)]))
    assert plan_render(with_logo, media, CANVAS, tmp_path / "o.mp4").mode == "encode"
    faded = layered((0, [seg("blue", 0, 2000), {**seg("green", 2000, 2000, 1000), "m": {"transition": "crossfade"}}]))
    assert plan_render(faded, media, CANVAS, tmp_path / "o.mp4").mode == "encode"


# --- what renders --------------------------------------------------------------------------------


def test_logo_and_picture_in_picture_are_painted_where_asked(media, tmp_path):
    draft = layered(
        (0, [seg("blue", 0, 2000)]),
        (0, [seg("green", 500, 1000, position="bottom_left", size=0.3)]),
        (0, [seg("logo", 0, 2000, position="top_right", size=0.15)]),
    )
    out, info = render(draft, media, tmp_path)
    assert abs(info["d"] - 2000) <= FRAME_MS + 25
    # the logo is 48 px wide, 7 px from the top and right edges; the picture in picture 96x54 at bottom left
    assert is_colour(colour_at(out, 0.2, (289, 31)), "yellow")
    assert is_colour(colour_at(out, 0.2, (250, 31)), "blue")
    assert is_colour(colour_at(out, 0.2, (40, 150)), "blue")  # before the overlay starts
    assert is_colour(colour_at(out, 1.0, (40, 150)), "green")
    assert is_colour(colour_at(out, 1.0, (160, 90)), "blue")
    assert is_colour(colour_at(out, 1.8, (40, 150)), "blue")  # after it ends, the layer below shows again


def test_overlay_opacity_and_fade(media, tmp_path):
    draft = layered((0, [seg("blue", 0, 2000)]),
                    (0, [seg("red", 0, 2000, size=1.0, opacity=0.5, fade_in_ms=0), ]))
    out, _ = render(draft, media, tmp_path)
    r, g, b = colour_at(out, 1.0)
    assert 90 < r < 170 and 90 < b < 170  # half red over blue


def test_crossfade_mixes_both_clips_and_keeps_the_length(media, tmp_path):
    asked = {"transition": {"type": "crossfade", "ms": 1000}}
    draft = layered((0, [seg("red", 0, 2000), {**seg("blue", 2000, 2000, 1000), "m": asked}]))
    out, info = render(draft, media, tmp_path)
    assert abs(info["d"] - 4000) <= FRAME_MS + 25
    video_ms, audio_ms = streams_ms(out)
    assert abs(video_ms - 4000) <= FRAME_MS + 5 and abs(audio_ms - 4000) <= FRAME_MS + 25
    assert is_colour(colour_at(out, 1.2), "red") and is_colour(colour_at(out, 2.8), "blue")
    r, g, b = colour_at(out, 2.0)
    assert 80 < r < 180 and 80 < b < 180, (r, g, b)  # the middle of the crossfade: both at once


def test_dip_to_black_is_dark_at_the_cut(media, tmp_path):
    asked = {"transition": {"type": "dip_to_black", "ms": 1000}}
    draft = layered((0, [seg("red", 0, 2000), {**seg("blue", 2000, 2000, 1000), "m": asked}]))
    out, _ = render(draft, media, tmp_path)
    assert max(colour_at(out, 2.0)) < 90  # a crossfade would be (127, 0, 127) here
    assert is_colour(colour_at(out, 1.2), "red") and is_colour(colour_at(out, 2.8), "blue")


def test_looped_music_plays_past_its_own_length(media, tmp_path):
    video = (0, [seg("blue", 0, 3000)])
    once = render(layered(video, (1, [seg("music", 0, 1000)])), media, tmp_path, "once.mp4")[0]
    looped, info = render(layered(video, (1, [seg("music", 0, 1000, loop=True)])), media, tmp_path, "looped.mp4")
    assert abs(info["d"] - 3000) <= FRAME_MS + 25
    assert mean_volume_db(once, 2.0, 0.8) < -60
    music = mean_volume_db(media["music"]["path"], 0.2, 0.6)
    for start in (1.2, 2.2):
        assert abs(mean_volume_db(looped, start, 0.6) - music) < 2


def test_ducked_music_is_quieter_under_speech(media, tmp_path):
    # the red clip has a 1 kHz tone ("speech") for its 1.5 s; the quiet clip after it has no sound
    video = (0, [seg("red", 0, 1500), seg("quiet", 1500, 1500)])
    plain = render(layered(video, (1, [seg("music", 0, 3000, loop=True)])), media, tmp_path, "plain.mp4")[0]
    ducked = render(layered(video, (1, [seg("music", 0, 3000, loop=True, duck=True)])), media, tmp_path, "ducked.mp4")[0]
    under_speech = band_db(plain, 0.4, 0.9, 220) - band_db(ducked, 0.4, 0.9, 220)
    in_the_clear = band_db(plain, 2.3, 0.6, 220) - band_db(ducked, 2.3, 0.6, 220)
    assert under_speech > 6, under_speech
    assert abs(in_the_clear) < 1.5, in_the_clear
    assert abs(band_db(plain, 0.4, 0.9, 1000) - band_db(ducked, 0.4, 0.9, 1000)) < 1  # the speech itself is untouched


def test_transitions_off_the_frame_grid_keep_video_and_audio_the_timeline_length(media, tmp_path):
    crossfade, dip = ({"transition": {"type": kind, "ms": ms}} for kind, ms in (("crossfade", 530), ("dip_to_black", 710)))
    draft = layered((0, [seg("red", 0, 1290, 110), {**seg("blue", 1290, 1170, 770), "m": crossfade},
                         {**seg("green", 2460, 1013, 1400), "m": dip}]))
    out, info = render(draft, media, tmp_path)
    video_ms, audio_ms = streams_ms(out)
    assert abs(video_ms - 3473) <= FRAME_MS and abs(audio_ms - 3473) <= FRAME_MS
    assert abs(video_ms - audio_ms) <= FRAME_MS / 2
    assert is_colour(colour_at(out, 0.5), "red") and is_colour(colour_at(out, 1.9), "blue")
    assert is_colour(colour_at(out, 3.3), "green")


def test_an_anamorphic_overlay_is_drawn_by_its_display_shape(media, tmp_path):
    wide = tmp_path / "anamorphic.mp4"  # 160x180 stored, pixels twice as wide: shown 320x180
    run(["-y", "-f", "lavfi", "-i", "color=c=green:s=160x180:r=30:d=1", "-vf", "setsar=2", "-c:v", "libx264",
         "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(wide)])
    library = {**media, "wide": media_entry(wide)}
    out, _ = render(layered((0, [seg("blue", 0, 1000)]), (0, [seg("wide", 0, 1000, position="top_left", size=0.5)])),
                    library, tmp_path)
    # 160 px wide, so 90 px high (not 180): 7..97 from the top
    assert is_colour(colour_at(out, 0.5, (80, 80)), "green") and is_colour(colour_at(out, 0.5, (80, 130)), "blue")

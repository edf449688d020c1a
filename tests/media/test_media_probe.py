"""Sample media and probing: real ffmpeg, tiny files."""

from __future__ import annotations

import pytest

from nemo_jupyter.local.media import MediaError
from nemo_jupyter.local.media.probe import parse_probe_output, probe
from nemo_jupyter.local.media.samples import make_clip, make_image, make_tone


def test_clip_has_requested_size_duration_and_audio(make_clip):
    info = probe(make_clip(seconds=1.0, size=(320, 240)))
    assert info["type"] == "video"
    assert (info["width"], info["height"], info["fps"]) == (320, 240, 30)
    assert abs(info["d"] - 1000) <= 34
    assert info["has_audio"] is True
    assert info["vcodec"] == "h264" and info["acodec"] == "aac"


def test_silent_solid_colour_clip(tmp_path):
    info = probe(make_clip(tmp_path / "red.mov", seconds=0.5, size=(160, 120), color="red", audio=False, fps=25))
    assert (info["width"], info["height"], info["fps"]) == (160, 120, 25)
    assert info["has_audio"] is False and info["acodec"] is None


@pytest.mark.parametrize("suffix", [".m4a", ".wav", ".mp3"])
def test_tone_is_audio(tmp_path, suffix):
    info = probe(make_tone(tmp_path / f"music{suffix}", seconds=0.5))
    assert info["type"] == "audio" and info["has_audio"]
    assert info["width"] is None and abs(info["d"] - 500) <= 60
    assert info["channels"] == 2


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".webp"])
def test_still_is_image(tmp_path, suffix):
    info = probe(make_image(tmp_path / f"still{suffix}", size=(200, 100)))
    assert info["type"] == "image"
    assert (info["width"], info["height"]) == (200, 100)
    assert info["d"] == 0 and info["has_audio"] is False


def test_non_media_file_is_one_clear_line(tmp_path):
    junk = tmp_path / "notes.mp4"
    junk.write_text("this is not a video\n")
    with pytest.raises(MediaError) as err:
        probe(junk)
    message = str(err.value)
    assert "notes.mp4" in message and "not a media file" in message
    assert "\n" not in message and str(tmp_path) not in message


def test_missing_file(tmp_path):
    with pytest.raises(MediaError, match="no such media file: gone.mp4"):
        probe(tmp_path / "gone.mp4")


def test_unknown_pattern_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="unknown pattern"):
        make_clip(tmp_path / "x.mp4", pattern="plaid")


def test_parser_tolerates_odd_banners():
    banner = (
        "Input #0, mp3, from 'song.mp3':\n  Duration: 00:01:02.50, start: 0.0, bitrate: 128 kb/s\n"
        "  Stream #0:0: Audio: mp3 (mp3float), 44100 Hz, 5.1, fltp, 128 kb/s\n"
        "  Stream #0:1: Video: mjpeg (Baseline), yuvj420p(pc), 500x500, 90k tbr, 90k tbn (attached pic)\n"
    )
    info = parse_probe_output(banner)
    assert info["type"] == "audio" and info["d"] == 62500
    assert info["sample_rate"] == 44100 and info["channels"] == 6
    assert parse_probe_output("garbage") is None
    hevc = "Input #0, matroska,webm, from 'x':\n  Duration: N/A\n  Stream #0:0: Video: hevc, yuv420p10le(tv), 1920x1080, 29.97 fps\n"
    info = parse_probe_output(hevc)
    assert (info["width"], info["height"], info["fps"], info["d"]) == (1920, 1080, 29.97, 0)


def test_explain_picks_the_specific_reason():
    from nemo_jupyter.local.media.ffmpeg import explain

    stderr = (
        "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'x.mp4':\n  Duration: 00:00:01.00\n"
        "[fc#0 @ 0x5646] Stream specifier ':a' in filtergraph description [0:a]anull[a] matches no streams.\n"
        "Error binding filtergraph inputs/outputs: Invalid argument\n"
    )
    assert explain(stderr) == "Stream specifier ':a' matches no streams."
    assert explain("") == "ffmpeg failed without a message"
    assert len(explain("[x @ 0x1] " + "y" * 1000)) == 240


def test_label_with_filter_syntax_is_drawn_verbatim(tmp_path):
    """A label full of filter-graph syntax draws exactly what the same text from a file draws."""
    from nemo_jupyter.local.media.ffmpeg import filter_value, run
    from nemo_jupyter.local.media.fonts import font_path
    from nemo_jupyter.local.media.thumbs import frame_at

    label = "It's 10:30, [ok]; 100% \\o/"
    labelled = make_clip(tmp_path / "l.mp4", seconds=0.2, size=(320, 240), color="black", audio=False, label=label)
    (tmp_path / "label.txt").write_text(label)
    reference = tmp_path / "ref.mp4"
    drawn = (
        f"drawtext=fontfile={filter_value(font_path())}:textfile={filter_value(tmp_path / 'label.txt')}"
        ":expansion=none:fontsize=30:fontcolor=white:borderw=2:bordercolor=black:x=(w-tw)/2:y=h-th-h/10"
    )
    run(["-y", "-f", "lavfi", "-i", "color=c=black:s=320x240:r=30:d=0.2", "-vf", drawn, "-c:v", "libx264",
         "-preset", "ultrafast", "-crf", "28", "-pix_fmt", "yuv420p", str(reference)])
    ours, theirs = frame_at(labelled, 0.0), frame_at(reference, 0.0)
    assert ours.tobytes() == theirs.tobytes()
    assert sum(ours.convert("L").tobytes()) > 0  # something was drawn


def test_display_size_applies_rotation_and_sample_aspect_ratio():
    phone = (
        "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'phone.mov':\n  Duration: 00:00:03.00, start: 0.000000\n"
        "  Stream #0:0[0x1](und): Video: hevc (Main 10) (hvc1 / 0x31637668), yuv420p10le(tv, bt2020nc), "
        "1920x1080, 9000 kb/s, 29.97 fps, 29.97 tbr, 600 tbn (default)\n"
        "    Metadata:\n      handler_name    : Core Media Video\n"
        "    Side data:\n      Display Matrix: rotation of -90.00 degrees\n"
        "  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, mono, fltp, 96 kb/s\n"
    )
    info = parse_probe_output(phone)
    assert (info["width"], info["height"], info["rotation"]) == (1080, 1920, 90)
    assert (info["profile"], info["pix_fmt"], info["time_base"], info["sar"]) == ("Main 10", "yuv420p10le", 600, None)
    upside_down = phone.replace("-90.00", "180.00")
    assert (parse_probe_output(upside_down)["width"], parse_probe_output(upside_down)["rotation"]) == (1920, 180)
    anamorphic = (
        "Input #0, matroska,webm, from 'hdv.mkv':\n  Duration: 00:00:01.00\n"
        "  Stream #0:0: Video: h264 (High), yuv420p(progressive), 1440x1080 [SAR 4:3 DAR 16:9], 25 fps, 25 tbr, 1k tbn\n"
    )
    info = parse_probe_output(anamorphic)
    assert (info["width"], info["height"], info["sar"], info["time_base"], info["rotation"]) == (1920, 1080, "4:3", 1000, 0)
    older = "Input #0, mov,mp4, from 'x':\n  Stream #0:0: Video: h264 (High), yuv420p, 640x360, 30 fps\n    Metadata:\n      rotate          : 270\n"
    assert (parse_probe_output(older)["width"], parse_probe_output(older)["rotation"]) == (360, 270)

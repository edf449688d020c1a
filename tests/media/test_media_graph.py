"""The graph builder on drafts, without running ffmpeg."""

from __future__ import annotations

from pathlib import Path

import pytest

from nemo_jupyter.local.media import RenderError
from nemo_jupyter.local.media.ffmpeg import filter_value
from nemo_jupyter.local.media.graph import plan_render
from nemo_jupyter.local.media.presets import output_canvas, preset, read_canvas
from nemo_jupyter.local.media.timeline import read_timeline

CANVAS = {"width": 1920, "height": 1080, "fps": 30}


def video(mid, d=5000, w=1280, h=720, audio=True, **extra):
    return {"path": f"/m/{mid}.mp4", "type": "video", "d": d, "width": w, "height": h, "fps": 30,
            "has_audio": audio, "vcodec": "h264", "profile": "High", "pix_fmt": "yuv420p", "time_base": 15360,
            "rotation": 0, "sar": None, "headers": "46, 0x3bd00f9f | 5, 0x056101dc", "acodec": "aac" if audio else None,
            "sample_rate": 48000 if audio else None, "channels": 2 if audio else None, **extra}


MEDIA = {
    "c1": video("c1"), "c2": video("c2"), "c3": video("c3", audio=False),
    "song": {"path": "/m/song.m4a", "type": "audio", "d": 30000, "has_audio": True},
    "still": {"path": "/m/still.png", "type": "image", "d": 0, "width": 800, "height": 800, "has_audio": False},
}


def seg(src, st, d, **kw):
    m = kw.pop("m", {})
    return {"id": f"seg_{src}_{st}", "src": src, "st": st, "d": d, "m": m, **kw}


def draft(*tracks):
    return {"t": [{"id": f"trk{i}", "tt": tt, "sg": list(sg)} for i, (tt, sg) in enumerate(tracks)]}


def graph_of(plan):
    return plan.args[plan.args.index("-filter_complex") + 1]


def inputs_of(plan):
    return [plan.args[i + 1] for i, a in enumerate(plan.args) if a == "-i"]


def test_reference_edit_graph_reads_in_timeline_order(tmp_path):
    d = draft(
        (0, [seg("c3", 0, 5000), seg("c1", 5000, 2000, **{"in": 1000}), seg("c2", 7000, 5000)]),
        (7, [{"st": 0, "d": 3000, "m": {"text": "Urban Dreams", "position": "top"}}]),
        (1, [seg("song", 0, 12000, m={"volume": 0.35})]),
    )
    plan = plan_render(d, MEDIA, CANVAS, tmp_path / "o.mp4", workdir=tmp_path)
    assert plan.mode == "encode" and plan.duration_s == 12.0
    assert inputs_of(plan) == ["/m/c3.mp4", "/m/c1.mp4", "/m/c2.mp4", "/m/song.m4a"]
    # the trimmed middle clip seeks to its in-point and reads exactly its duration
    i = plan.args.index("/m/c1.mp4")
    assert plan.args[i - 5 : i - 1] == ["-ss", "1", "-t", "2"]
    graph = graph_of(plan)
    assert "pad=1920:1080" in graph and graph.count("setsar=1") == 3 and graph.count("fps=30") == 3
    assert "anullsrc" in graph  # c3 has no sound: silence of its length
    assert "[v0][a0][v1][a1][v2][a2]concat=n=3:v=1:a=1[vcat][acat]" in graph
    assert "enable='gte(t,0)*lt(t,3)'" in graph and "expansion=none" in graph
    assert "volume=0.35" in graph and "amix=inputs=2:duration=first:normalize=0" in graph
    assert plan.files == {"caption0.txt": "Urban Dreams"}
    assert plan.args[-3:] == ["-t", "12", str(tmp_path / "o.mp4")]
    assert "-crf" in plan.args and plan.args[plan.args.index("-crf") + 1] == "20"


def test_gap_on_the_video_track_is_black_with_silence(tmp_path):
    plan = plan_render(draft((0, [seg("c1", 1000, 1000)])), MEDIA, CANVAS, tmp_path / "o.mp4")
    graph = graph_of(plan)
    assert graph.startswith("color=c=black:s=1920x1080:r=30:d=1")
    assert "concat=n=2" in graph and plan.duration_s == 2.0


def test_speed_fit_and_fades(tmp_path):
    d = draft((0, [seg("c1", 0, 2000, m={"speed": 2, "fit": "crop", "fade_in_ms": 500, "fade_out_ms": 250}),
                   seg("c2", 2000, 1000, m={"speed": 0.25, "fit": "stretch", "muted": True})]))
    plan = plan_render(d, MEDIA, CANVAS, tmp_path / "o.mp4")
    i = plan.args.index("/m/c1.mp4")
    assert plan.args[i - 2] == "4"  # 2 s at twice the speed reads 4 s of source
    graph = graph_of(plan)
    assert "setpts=(PTS-STARTPTS)/2" in graph and "atempo=2" in graph
    assert "crop=1920:1080" in graph and "scale=1920:1080[" not in graph
    assert "fade=t=in:st=0:d=0.5" in graph and "fade=t=out:st=1.75:d=0.25" in graph
    assert "afade=t=in:st=0:d=0.5" in graph
    assert "setpts=(PTS-STARTPTS)/0.25" in graph and "scale=1920:1080,setsar" in graph
    assert "[a1]" in graph and graph.count("anullsrc") == 1  # the muted clip is silence


def test_still_image_loops_for_its_duration(tmp_path):
    plan = plan_render(draft((0, [seg("still", 0, 1500)])), MEDIA, {"width": 1080, "height": 1920, "fps": 24}, tmp_path / "o.mp4")
    i = plan.args.index("/m/still.png")
    assert plan.args[i - 7 : i] == ["-loop", "1", "-framerate", "24", "-t", "1.5", "-i"]
    assert "pad=1080:1920" in graph_of(plan)


def test_stream_copy_when_only_joining_whole_compatible_clips(tmp_path):
    same = {"c1": video("c1", w=1920, h=1080), "c2": video("c2", w=1920, h=1080)}
    d = draft((0, [seg("c2", 0, 5000), seg("c1", 5000, 5000)]))
    plan = plan_render(d, same, CANVAS, tmp_path / "o.mp4", workdir=tmp_path)
    assert plan.mode == "copy" and "-c" in plan.args and "-filter_complex" not in plan.args
    assert plan.files["concat.txt"].splitlines()[1:] == ["file '/m/c2.mp4'", "inpoint 0", "file '/m/c1.mp4'", "inpoint 0"]


@pytest.mark.parametrize(
    "change",
    [
        {"in": 500},
        {"d": 3000},
        {"m": {"speed": 1.5}},
        {"m": {"volume": 0.5}},
        {"m": {"fade_in_ms": 300}},
    ],
)
def test_any_edit_of_a_clip_forces_a_re_encode(tmp_path, change):
    same = {"c1": video("c1", w=1920, h=1080), "c2": video("c2", w=1920, h=1080)}
    edited = {**seg("c1", 5000, 5000), **change}
    plan = plan_render(draft((0, [seg("c2", 0, 5000), edited])), same, CANVAS, tmp_path / "o.mp4")
    assert plan.mode == "encode"


def test_other_sizes_titles_or_music_force_a_re_encode(tmp_path):
    mixed = {"c1": video("c1", w=1920, h=1080), "c2": video("c2")}
    two = draft((0, [seg("c1", 0, 5000), seg("c2", 5000, 5000)]))
    assert plan_render(two, mixed, CANVAS, tmp_path / "o.mp4").mode == "encode"
    same = {**MEDIA, "c1": video("c1", w=1920, h=1080), "c2": video("c2", w=1920, h=1080)}
    titled = draft((0, [seg("c1", 0, 5000), seg("c2", 5000, 5000)]), (7, [{"st": 0, "d": 1000, "m": {"text": "Hi"}}]))
    assert plan_render(titled, same, CANVAS, tmp_path / "o.mp4").mode == "encode"
    scored = draft((0, [seg("c1", 0, 5000), seg("c2", 5000, 5000)]), (1, [seg("song", 0, 10000)]))
    assert plan_render(scored, same, CANVAS, tmp_path / "o.mp4").mode == "encode"


def test_presets_scale_the_canvas_and_choose_outputs(tmp_path):
    d = draft((0, [seg("c1", 0, 1000)]))
    draft_plan = plan_render(d, MEDIA, CANVAS, tmp_path / "o.mp4", quality="draft")
    assert "pad=640:360" in graph_of(draft_plan) and "ultrafast" in draft_plan.args
    audio_plan = plan_render(d, MEDIA, CANVAS, tmp_path / "o.m4a", quality="audio")
    assert "concat=n=1:v=0:a=1[acat]" in graph_of(audio_plan) and "-c:v" not in audio_plan.args
    gif_plan = plan_render(d, MEDIA, CANVAS, tmp_path / "o.gif", quality="gif")
    assert "palettegen" in graph_of(gif_plan) and "[acat]" not in graph_of(gif_plan)
    assert output_canvas(read_canvas({"width": 1080, "height": 1920, "fps": 60}), preset("draft")) == (
        output_canvas(read_canvas({"width": 1080, "height": 1920, "fps": 30}), preset("draft"))
    )


@pytest.mark.parametrize(
    "canvas, message",
    [({"width": 4000, "height": 1080, "fps": 30}, "out of range"), ({"width": "wide", "height": 1, "fps": 1}, "numeric")],
)
def test_bad_canvas_is_one_line(tmp_path, canvas, message):
    with pytest.raises(RenderError, match=message):
        plan_render(draft((0, [seg("c1", 0, 1000)])), MEDIA, canvas, tmp_path / "o.mp4")


def test_user_errors_are_one_line(tmp_path):
    with pytest.raises(RenderError, match="nothing to render"):
        plan_render({"t": []}, MEDIA, CANVAS, tmp_path / "o.mp4")
    with pytest.raises(RenderError, match="unknown media 'nope'"):
        plan_render(draft((0, [seg("nope", 0, 1000)])), MEDIA, CANVAS, tmp_path / "o.mp4")
    with pytest.raises(RenderError, match="unknown quality"):
        plan_render(draft((0, [seg("c1", 0, 1000)])), MEDIA, CANVAS, tmp_path / "o.mp4", quality="8k")
    with pytest.raises(RenderError, match="after its clip ends"):
        plan_render(draft((0, [seg("c1", 0, 1000, **{"in": 6000})])), MEDIA, CANVAS, tmp_path / "o.mp4")


def test_timeline_tolerates_odd_drafts():
    odd = {"t": [None, {"tt": "0", "sg": [{"src": "c1", "d": 1000.4}, {"src": "c2", "d": 500, "m": "x"}, {"d": 0}]},
                 {"tt": 9, "sg": [{"whatever": 1}]}, {"tt": 7, "sg": [{"st": 200, "d": 100, "m": {"text": " "}}]}],
           "extra": True}
    timeline = read_timeline(odd, MEDIA)
    assert [(c.start_ms, c.dur_ms) for c in timeline.clips] == [(0, 1000), (1000, 500)]
    assert timeline.captions == () and timeline.duration_ms == 1500


def test_music_percent_volume_and_end_cut():
    d = draft((0, [seg("c1", 0, 1000)]), (1, [seg("song", 0, 5000, m={"volume": 35})]), (1, [seg("song", 2000, 100)]))
    timeline = read_timeline(d, MEDIA)
    assert [s.volume for s in timeline.sounds] == [0.35]  # percent read as a fraction; late sound dropped


def test_filter_paths_are_escaped():
    assert filter_value(Path("/tmp/a:b,c[1]'x")) == r"/tmp/a\\:b\,c\[1\]\\\'x"


def test_mono_sound_is_put_on_both_channels(tmp_path):
    media = {**MEDIA, "mono": video("mono", channels=1)}
    graph = graph_of(plan_render(draft((0, [seg("mono", 0, 1000), seg("c1", 1000, 1000)])), media, CANVAS, tmp_path / "o.mp4"))
    assert graph.count("pan=stereo|c0=c0|c1=c0") == 1


def test_video_edge_fades_carry_the_music(tmp_path):
    d = draft((0, [seg("c1", 0, 2000, m={"fade_in_ms": 500}), seg("c2", 2000, 2000, m={"fade_out_ms": 1000})]),
              (1, [seg("song", 0, 30000, m={"volume": 0.35})]))
    (music,) = read_timeline(d, MEDIA).sounds
    assert (music.fade_in_ms, music.fade_out_ms, music.dur_ms) == (500, 1000, 4000)
    graph = graph_of(plan_render(d, MEDIA, CANVAS, tmp_path / "o.mp4"))
    assert "volume=0.35,apad,atrim=duration=4,afade=t=in:st=0:d=0.5,afade=t=out:st=3:d=1" in graph
    # a fade in the middle of the timeline is the scene's own, not the music's
    middle = draft((0, [seg("c1", 0, 2000, m={"fade_out_ms": 500}), seg("c2", 2000, 2000)]), (1, [seg("song", 0, 4000)]))
    assert read_timeline(middle, MEDIA).sounds[0].fade_out_ms == 0


def test_caption_style_defaults_smaller_with_a_box(tmp_path):
    d = draft((0, [seg("c1", 0, 2000)]),
              (7, [{"st": 0, "d": 1000, "m": {"text": "Big", "style": "title"}},
                   {"st": 1000, "d": 1000, "m": {"text": "Small", "style": "caption", "position": "bottom"}}]))
    title, caption = read_timeline(d, MEDIA).captions
    assert (title.size, title.box, caption.size, caption.box) == (72, False, 48, True)
    graph = graph_of(plan_render(d, MEDIA, CANVAS, tmp_path / "o.mp4"))
    assert "fontsize=72" in graph and "fontsize=48" in graph and graph.count("box=1") == 1


@pytest.mark.parametrize(
    "fact",
    [
        {"profile": "High 10", "pix_fmt": "yuv420p10le"},
        {"pix_fmt": "yuv444p", "profile": "High 4:4:4 Predictive"},
        {"acodec": "pcm_s16le"},
        {"has_audio": False, "acodec": None, "sample_rate": None, "channels": None},
        {"channels": 1},
        {"sample_rate": 44100},
        {"rotation": 90},
        {"sar": "4:3"},
        {"d": 5010},  # not a whole number of frames: its join would leave a gap
    ],
)
def test_a_clip_unlike_an_encode_is_encoded_even_unedited(tmp_path, fact):
    same = {"c1": video("c1", w=1920, h=1080, **fact), "c2": video("c2", w=1920, h=1080, **fact)}
    d = draft((0, [seg("c2", 0, same["c2"]["d"]), seg("c1", same["c2"]["d"], same["c1"]["d"])]))
    assert plan_render(d, same, CANVAS, tmp_path / "o.mp4").mode == "encode"


def test_clips_of_other_time_bases_or_profiles_are_encoded(tmp_path):
    for other in ({"time_base": 90000}, {"profile": "Constrained Baseline"}, {"headers": "47, 0x45350f46 | 5, 0x056101dc"}):
        pair = {"c1": video("c1", w=1920, h=1080), "c2": video("c2", w=1920, h=1080, **other)}
        d = draft((0, [seg("c2", 0, 5000), seg("c1", 5000, 5000)]))
        assert plan_render(d, pair, CANVAS, tmp_path / "o.mp4").mode == "encode"


def test_lengths_are_whole_frames_of_the_canvas_and_sound_follows_them(tmp_path):
    """Three cuts of 517 ms (15.51 frames) cover frames 0-16, 16-31, 31-47: sound the same samples."""
    import re

    d = draft((0, [seg("c1", 0, 517), seg("c2", 517, 517), seg("c3", 1034, 517)]))
    plan = plan_render(d, MEDIA, CANVAS, tmp_path / "o.mp4")
    graph = graph_of(plan)
    assert re.findall(r"trim=end_frame=(\d+)", graph) == ["16", "15", "16"]
    samples = [int(n) for n in re.findall(r"atrim=end_sample=(\d+)", graph)]
    assert samples == [25600, 24000, 25600] and sum(samples) == 47 * 1600
    assert plan.args[-2] == "1.566667"  # 47 frames


def test_an_animated_image_plays_and_loops_with_its_own_timing(tmp_path):
    gif = {"path": "/m/a.gif", "type": "image", "d": 500, "fps": 10, "width": 160, "height": 90, "has_audio": False}
    plan = plan_render(draft((0, [seg("gif", 0, 1200, **{"in": 700})])), {"gif": gif}, CANVAS, tmp_path / "o.mp4")
    i = plan.args.index("/m/a.gif")
    assert plan.args[i - 7 : i] == ["-stream_loop", "-1", "-ss", "0.2", "-t", "1.2", "-i"]
    assert "-loop" not in plan.args and "-framerate" not in plan.args
    webp = {**gif, "path": "/m/a.webp", "d": 0, "vcodec": "webp_anim"}  # its length unknown: from its start
    plan = plan_render(draft((0, [seg("webp", 0, 1200)])), {"webp": webp}, CANVAS, tmp_path / "o.mp4")
    i = plan.args.index("/m/a.webp")
    assert plan.args[i - 5 : i] == ["-ignore_loop", "0", "-t", "1.2", "-i"]


def test_the_fit_uses_the_display_aspect_ratio(tmp_path):
    """Anamorphic video (SAR ≠ 1) is scaled by iw*sar, so it is drawn at its display shape."""
    graph = graph_of(plan_render(draft((0, [seg("c1", 0, 1000)])), MEDIA, CANVAS, tmp_path / "o.mp4"))
    assert "iw*sar/ih" in graph and "force_original_aspect_ratio" not in graph

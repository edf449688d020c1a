"""Layers through the agent: logos, picture in picture, transitions, looping and ducked music.

Parsing (EN + 中文), what `respond` does to the draft and says, undo for each, and one draft the
agent built going through the real renderer.
"""

from __future__ import annotations

import pytest
from agent_states import check_invariants, ids, make_state

from nemo_jupyter.local.agent import commands as c
from nemo_jupyter.local.agent import grammar, layer_ops, ops, respond

FORMS = [
    ("add logo.png in the top right corner at 15% size", [c.AddOverlay("logo.png", "top_right", 0.15)]),
    ("put watermark.png in the bottom right", [c.AddOverlay("watermark.png", "bottom_right")]),
    ("在右上角添加logo.png，大小15%", [c.AddOverlay("logo.png", "top_right", 0.15)]),
    ("picture in picture scene 3 in the bottom left", [c.PictureInPicture(3, "bottom_left")]),
    ("pip scene 2 top left at 30%", [c.PictureInPicture(2, "top_left", 0.3)]),
    ("把第3段做成画中画放在左下角", [c.PictureInPicture(3, "bottom_left")]),
    ("crossfade 0.5s between scene 1 and 2", [c.Transition("crossfade", 500, (1, 2))]),
    ("add a 1 second dissolve between the second and third clips", [c.Transition("crossfade", 1000, (2, 3))]),
    ("add crossfades between all scenes", [c.Transition("crossfade", None, (), every=True)]),
    ("fade to black between scene 2 and 3", [c.Transition("dip_to_black", None, (2, 3))]),
    ("remove the transitions", [c.Transition(None, None, (), every=True)]),
    ("在第1段和第2段之间加0.5秒交叉淡化", [c.Transition("crossfade", 500, (1, 2))]),
    ("所有片段之间加转场", [c.Transition("crossfade", None, (), every=True)]),
    ("第2段和第3段之间黑场过渡", [c.Transition("dip_to_black", None, (2, 3))]),
    ("fade to black at the end", [c.Fade(False, 1000)]),
    ("loop the music", [c.MusicSetting("loop")]),
    ("stop looping the music", [c.MusicSetting("loop", False)]),
    ("duck the music", [c.MusicSetting("duck")]),
    ("lower the music when people talk", [c.MusicSetting("duck")]),
    ("循环播放背景音乐", [c.MusicSetting("loop")]),
    ("人声时压低背景音乐", [c.MusicSetting("duck")]),
    ("取消背景音乐闪避", [c.MusicSetting("duck", False)]),
    # neighbours keep their meaning
    ("add city.mp4 after scene 1", [c.InsertClip("city.mp4", 1, after=True)]),
    ('add title "Hi" at the top', [c.AddText("title", "Hi", None, None, "top")]),
    ("fade out 2s", [c.Fade(False, 2000)]),
]


@pytest.mark.parametrize("text, expected", FORMS)
def test_layer_forms_parse(text, expected):
    parsed = grammar.parse(text)
    assert parsed.not_understood == () and list(parsed.commands) == expected


def layered_state(*lengths, images=("logo.png",)):
    state = make_state(*lengths)
    state["video_infos"] += [{"id": f"med_img{n}", "name": name, "type": "image", "url": "", "d": 0, "width": 64,
                              "height": 64, "fps": None, "has_audio": False} for n, name in enumerate(images, 1)]
    return state


def run(state: dict, text: str):
    reply = respond(state, text)
    state.update(reply.state_delta)
    return reply


def overlays(draft):
    return [(t["m"]["name"], s) for t in layer_ops.overlay_tracks(draft) for s in t["sg"]]


def test_logo_spans_the_video_and_follows_it_when_it_grows():
    state = layered_state(4000, 3000)
    reply = run(state, "add logo.png in the top right corner at 15% size")
    assert reply.charge and reply.text == "Done: added logo.png in the top right corner at 15% of the width, over the whole video."
    [(track, logo)] = overlays(state["draft"])
    assert track == "Logo" and (logo["st"], logo["d"], logo["src"]) == (0, 7000, "med_img1")
    assert logo["m"] == {"name": "logo.png", "position": "top_right", "size": 0.15}
    run(state, "duplicate scene 2")
    assert overlays(state["draft"])[0][1]["d"] == 10000
    run(state, "remove scene 1")
    assert overlays(state["draft"])[0][1]["d"] == 6000
    check_invariants(state["draft"])


def test_picture_in_picture_moves_the_scene_onto_an_overlay_track_under_the_logo():
    state = layered_state(4000, 3000, 5000)
    run(state, "add logo.png top left")
    reply = run(state, "picture in picture scene 3 in the bottom left")
    assert reply.text == ("Done: scene 3 (clip3.mp4) now plays picture-in-picture in the bottom left corner at 35% of the "
                          "width, from 4s to 7s over scene 2; the video is now 7s long.")
    assert ids(state["draft"]) == ["seg_1", "seg_2"]
    (lower, pip), (upper, logo) = overlays(state["draft"])
    assert (lower, upper) == ("Overlay", "Logo")  # paint order: the logo stays on top
    assert (pip["id"], pip["st"], pip["d"], pip["m"]["position"], pip["m"]["size"]) == ("seg_3", 4000, 3000, "bottom_left", 0.35)
    check_invariants(state["draft"])
    assert "only one" in respond(make_state(3000), "picture in picture scene 1").text


def test_crossfade_with_handles_changes_no_length():
    state = make_state(4000, 4000)
    state["video_infos"][0]["d"] = 6000  # scene 1 shows the first 4 s of a 6 s clip
    state["draft"]["t"][0]["sg"][1]["in"] = 1000  # scene 2 starts 1 s into its clip
    reply = run(state, "crossfade 0.5s between scene 1 and 2")
    assert reply.text == "Done: a 0.5s crossfade between scene 1 and 2."
    assert ops.scenes(state["draft"])[1]["m"]["transition"] == {"type": "crossfade", "ms": 500}
    assert state["draft"]["d"] == 8000


def test_clips_without_handles_are_shortened_and_the_reply_says_so():
    state = make_state(4000, 4000, 4000)  # whole clips: no footage past either end
    reply = run(state, "add crossfades between all scenes")
    assert reply.charge and reply.text.startswith("Done: a 0.5s crossfade between all cuts. Some scenes had no footage")
    assert "scene 1 by 0.25s at its end, scene 2 by 0.25s at its start" in reply.text
    assert "the video went from 12s to 11s" in reply.text
    segments = ops.scenes(state["draft"])
    assert [(s["d"], s["in"]) for s in segments] == [(3750, 0), (3500, 250), (3750, 250)]
    assert [s["m"].get("transition") for s in segments] == [None] + [{"type": "crossfade", "ms": 500}] * 2
    check_invariants(state["draft"])
    short = make_state(800, 4000)  # a 1 s transition takes at most a quarter of the 0.8 s scene
    state_reply = run(short, "fade to black 1s between scene 1 and 2")
    assert "a 0.4s fade to black" in state_reply.text and "a transition takes at most a quarter" in state_reply.text


def test_transition_questions_and_refusals_change_nothing():
    state = make_state(4000, 4000, 4000)
    for text, expected in (("crossfade", "Between which scenes?"), ("crossfade between scene 1 and 3", "not next to each other"),
                           ("crossfade between scene 2 and 5", "There is no scene 5")):
        reply = respond(state, text)
        assert expected in reply.text and reply.state_delta == {} and not reply.charge
    assert "Between which" not in respond(make_state(3000, 3000), "crossfade").text  # one cut: no question


def test_music_loop_and_duck():
    state = make_state(4000, 4000, audio=("song.mp3",))
    state["video_infos"][-1]["d"] = 3000
    assert "There is no background music yet" in respond(state, "loop the music").text
    run(state, "add music song.mp3")
    assert ops.music_segments(state["draft"])[0]["d"] == 3000
    assert run(state, "loop the music").text == "Done: the music now loops to the end of the video (8s)."
    music = ops.music_segments(state["draft"])[0]
    assert music["m"]["loop"] is True and music["d"] == 8000
    run(state, "duplicate scene 1")  # looping music follows the video past its file's length
    assert ops.music_segments(state["draft"])[0]["d"] == 12000
    reply = run(state, "人声时压低背景音乐")
    assert reply.text.startswith("完成：") and ops.music_segments(state["draft"])[0]["m"]["duck"] is True
    run(state, "don't duck the music")
    assert "duck" not in ops.music_segments(state["draft"])[0]["m"]


@pytest.mark.parametrize("text", [
    "add logo.png in the top right corner at 15% size", "picture in picture scene 3 in the bottom left",
    "crossfade 0.5s between scene 1 and 2", "add crossfades between all scenes", "fade to black between scene 2 and 3",
    "loop the music", "duck the music", "所有片段之间加转场", "把第3段做成画中画放在左下角",
])
def test_undo_gives_back_the_draft_before_each_layer_edit(text):
    state = layered_state(4000, 3000, 5000)
    run(state, "add music song.mp3")
    before = state["draft"]
    assert run(state, text).charge
    assert state["draft"] != before
    run(state, "undo")
    assert state["draft"] == before
    run(state, "redo")
    assert state["draft"] != before


def test_splitting_a_scene_does_not_copy_its_transition():
    draft = layer_ops.set_transition(make_state(4000, 4000)["draft"], 2, "crossfade", 500)
    parts = ops.scenes(ops.split(draft, 2, 2000))
    assert parts[1]["m"]["transition"] and "transition" not in parts[2]["m"]


def test_a_layered_draft_the_agent_built_renders(make_clip, tmp_path):
    from nemo_jupyter.local.media.probe import probe
    from nemo_jupyter.local.media.render import render_draft
    from nemo_jupyter.local.media.samples import make_image, make_tone
    from nemo_jupyter.local.media.thumbs import frame_at

    state = layered_state(1000, 1000, 1000, images=("logo.png",))
    state["video_infos"][3]["name"] = "song.m4a"
    paths = {"med_1": make_clip(seconds=1.0, color="red"), "med_2": make_clip(seconds=1.0, color="blue"),
             "med_3": make_clip(seconds=1.0, color="green"), "med_audio1": make_tone(tmp_path / "song.m4a", seconds=0.8),
             "med_img1": make_image(tmp_path / "logo.png", (64, 64), color="yellow")}
    for media in state["video_infos"]:
        media.update(probe(paths[media["id"]]), path=str(paths[media["id"]]))
    for text in ("add logo.png in the top right corner at 15% size", "crossfade between scene 1 and 2",
                 "add music song.m4a", "loop the music", "duck the music"):
        assert run(state, text).charge
    out = render_draft(state["draft"], {m["id"]: m for m in state["video_infos"]}, {"width": 320, "height": 180, "fps": 30},
                       tmp_path / "out.mp4")
    rendered = probe(out)
    assert rendered["d"] == pytest.approx(state["draft"]["d"], abs=40) and rendered["has_audio"]
    r, g, b = frame_at(out, 0.1).getpixel((289, 31))
    assert r > 200 and g > 200 and b < 80  # the yellow logo in the top right corner


def test_removing_transitions_leaves_plain_cuts():
    state = make_state(4000, 4000, 4000)
    run(state, "add crossfades between all scenes")
    assert run(state, "no crossfade between scene 1 and 2").text == "Done: a plain cut between scene 1 and 2."
    assert [bool(s["m"].get("transition")) for s in ops.scenes(state["draft"])] == [False, False, True]
    assert run(state, "remove the transitions").text == "Done: no transitions are left."
    assert not any(s["m"].get("transition") for s in ops.scenes(state["draft"]))


def test_over_http_the_agent_layers_a_draft_and_the_export_shows_it(client, make_clip, tmp_path):
    """Upload, instruct and export through the real local backend (real agent, real renderer)."""
    from nemo_jupyter import Session
    from nemo_jupyter.local.media.probe import probe
    from nemo_jupyter.local.media.samples import make_image
    from nemo_jupyter.local.media.thumbs import frame_at

    session = Session(client)
    logo = make_image(tmp_path / "logo.png", (64, 64), color="yellow")
    session.upload(make_clip(seconds=1.0, color="red"), make_clip(seconds=1.0, color="blue"), logo)
    said = session.edit("add logo.png in the top right corner at 15% size").text
    assert said == ("Done: added logo.png in the top right corner at 15% of the width, over the whole video. "
                    "It was also scene 3 on the timeline; it is now only the logo, and the video is 2s long.")
    said = session.edit("crossfade 0.4s between scene 1 and 2").text
    assert "shortened scene 1 by 0.2s at its end, scene 2 by 0.2s at its start" in said
    out = session.export(tmp_path / "layered.mp4", quality="draft").path
    info = probe(out)
    assert (info["width"], info["height"]) == (640, 360) and info["d"] == pytest.approx(1600, abs=40)
    r, g, b = frame_at(out, 0.3).getpixel((578, 62))  # the logo: 96 px wide, 14 px from the corner
    assert r > 200 and g > 200 and b < 80
    r, g, b = frame_at(out, 0.8).getpixel((320, 250))  # the middle of the crossfade: red and blue at once
    assert 70 < r < 190 and 70 < b < 190, (r, g, b)

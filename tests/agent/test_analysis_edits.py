"""Edits that use the clip analysis (issue 7): hand-made findings in analysis.py's shape, then one
end-to-end run on real clips (ffmpeg detectors -> agent -> renderer) checking the rendered result."""

from __future__ import annotations

import pytest
from agent_states import make_state, spans

from nemo_jupyter.local.agent import respond
from nemo_jupyter.local.agent.ops import scenes


def analysis(duration_s: float, *findings: tuple, cuts: tuple = (), status: str = "done") -> dict:
    """An entry as local/media/analysis.py and the backend store it (times in seconds)."""
    return {"status": status, "progress": 100.0, "duration_s": duration_s, "cuts": list(cuts),
            "findings": [{"kind": k, "start_s": a, "end_s": b, "duration_s": b - a, "score": None}
                         for k, a, b in findings]}


def test_split_clips_at_scene_cuts_then_reorder_inside_one_clip():
    state = make_state(6000, 2000, analyses={
        "med_1": analysis(6.0, ("scene", 0, 2.0), ("scene", 2.0, 4.5), ("scene", 4.5, 6.0), cuts=(2.0, 4.5)),
        "med_2": analysis(2.0, ("scene", 0, 2.0)),
    })
    reply = respond(state, "split clips at scene cuts")
    assert reply.charge and reply.long_running
    draft = reply.state_delta["draft"]
    assert spans(draft) == [(0, 2000, 0), (2000, 2500, 2000), (4500, 1500, 4500), (6000, 2000, 0)]
    assert "split at 2 scene cuts" in reply.text
    state.update(reply.state_delta)
    state.update(respond(state, "reorder scenes 3,1,2").state_delta)
    assert [(s["src"], s["in"]) for s in scenes(state["draft"])] == [
        ("med_1", 4500), ("med_1", 0), ("med_1", 2000), ("med_2", 0)]


def test_split_one_scene_at_its_cuts_only_touches_that_scene():
    state = make_state(4000, 4000, analyses={"med_1": analysis(4.0, cuts=(1.0,)), "med_2": analysis(4.0, cuts=(3.0,))})
    draft = respond(state, "split scene 2 at its scene cuts").state_delta["draft"]
    assert spans(draft) == [(0, 4000, 0), (4000, 3000, 0), (7000, 1000, 3000)]


def test_split_only_the_scenes_of_a_named_clip():
    state = make_state(4000, 4000, analyses={"med_1": analysis(4.0, cuts=(1.0,)), "med_2": analysis(4.0, cuts=(3.0,))})
    draft = respond(state, "split clip2.mp4 at scene cuts").state_delta["draft"]
    assert spans(draft) == [(0, 4000, 0), (4000, 3000, 0), (7000, 1000, 3000)]
    reply = respond(state, "split nothing.mp4 at scene cuts")
    assert reply.state_delta == {} and reply.text == 'No scene on the timeline shows a clip called "nothing.mp4".'


def test_cuts_outside_a_trimmed_scene_are_ignored():
    state = make_state(4000, analyses={"med_1": analysis(4.0, cuts=(3.5,))})
    state.update(respond(state, "trim scene 1 to 3s").state_delta)
    reply = respond(state, "split clips at scene cuts")
    assert reply.state_delta == {} and not reply.charge and "No scene cuts" in reply.text


def test_remove_frozen_and_black_frames():
    state = make_state(5000, 3000, analyses={
        "med_1": analysis(5.0, ("freeze", 4.0, 5.0), ("black", 1.0, 1.5)),
        "med_2": analysis(3.0, ("black", 0.0, 0.5))})
    frozen = respond(state, "remove frozen frames")
    assert spans(frozen.state_delta["draft"]) == [(0, 4000, 0), (4000, 3000, 0)]
    assert "cut 1s of frozen frames" in frozen.text
    black = respond(state, "剪掉黑帧")
    assert spans(black.state_delta["draft"]) == [(0, 1000, 0), (1000, 3500, 1500), (4500, 2500, 500)]
    assert black.text.startswith("完成：剪掉了1s的黑帧")


def test_trim_silence_only_where_it_runs_to_the_end():
    state = make_state(5000, 3000, analyses={
        "med_1": analysis(5.0, ("silence", 1.0, 2.0), ("silence", 4.2, 5.0)),
        "med_2": analysis(3.0, ("silence", 0.0, 1.0))})
    reply = respond(state, "trim the silence at the end")
    assert spans(reply.state_delta["draft"]) == [(0, 4200, 0), (4200, 3000, 0)]


@pytest.mark.parametrize("entry, words", [
    ({"status": "running", "progress": 40.0}, "still being analysed"),
    (None, "has no analysis"),
    ({"status": "failed", "error": "boom"}, "has no analysis"),
])
def test_without_a_finished_analysis_the_agent_says_so(entry, words):
    state = make_state(3000, analyses={"med_1": entry} if entry else {})
    reply = respond(state, "remove frozen frames")
    assert reply.state_delta == {} and not reply.charge and words in reply.text


def test_nothing_found_changes_nothing():
    state = make_state(3000, analyses={"med_1": analysis(3.0)})
    for text in ("remove frozen frames", "cut the black frames", "trim the silence at the end"):
        reply = respond(state, text)
        assert reply.state_delta == {} and not reply.charge and reply.text.startswith("No ")


# --- end to end on real clips ----------------------------------------------------------------------


def _joined(make_clip, tmp_path, name: str, *parts: dict):
    """One clip made of sample clips played one after the other (hard cuts between them)."""
    from nemo_jupyter.local.media.ffmpeg import run

    inputs = [arg for part in parts for arg in ("-i", str(make_clip(**part)))]
    streams = "".join(f"[{i}:v][{i}:a]" for i in range(len(parts)))
    out = tmp_path / name
    run(["-y", *inputs, "-filter_complex", f"{streams}concat=n={len(parts)}:v=1:a=1[v][a]", "-map", "[v]",
         "-map", "[a]", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(out)], what="joining clips")
    return out


def _state_for(path, media_id: str = "med_1") -> dict:
    from nemo_jupyter.local.media.analysis import analyze
    from nemo_jupyter.local.media.probe import probe

    info = probe(path)
    state = make_state(info["d"], audio=(), analyses={media_id: {**analyze(path), "status": "done"}})
    state["video_infos"][0].update(info, path=str(path))
    return state


def _render(state: dict, out):
    from nemo_jupyter.local.media.probe import probe
    from nemo_jupyter.local.media.render import render_draft

    media = {m["id"]: m for m in state["video_infos"]}
    render_draft(state["draft"], media, {"width": 320, "height": 240, "fps": 25}, out, quality="draft")
    return probe(out)


def test_split_at_cuts_reorder_and_render(make_clip, tmp_path):
    from nemo_jupyter.local.media.thumbs import frame_at

    clip = _joined(make_clip, tmp_path, "cut.mp4", {"seconds": 1.0, "color": "red"},
                   {"seconds": 1.0, "color": "blue"})
    state = _state_for(clip)
    for text in ("split clips at scene cuts", "reorder scenes 2,1"):
        reply = respond(state, text)
        assert reply.charge, reply.text
        state.update(reply.state_delta)
    assert [s["in"] for s in scenes(state["draft"])] == [pytest.approx(1000, abs=40), 0]
    rendered = _render(state, tmp_path / "out.mp4")
    assert rendered["d"] == pytest.approx(2000, abs=80)
    first, second = frame_at(tmp_path / "out.mp4", 0.5).getpixel((160, 120)), frame_at(tmp_path / "out.mp4", 1.5).getpixel((160, 120))
    assert first[2] > 200 > first[0] and second[0] > 200 > second[2]  # blue first, then red


def test_cut_black_frames_and_render(make_clip, tmp_path):
    clip = _joined(make_clip, tmp_path, "black.mp4", {"seconds": 1.0}, {"seconds": 0.6, "color": "black"},
                   {"seconds": 1.0, "pattern": "smptebars"})
    state = _state_for(clip)
    reply = respond(state, "cut the black frames")
    assert reply.charge, reply.text
    state.update(reply.state_delta)
    assert len(scenes(state["draft"])) == 2
    assert _render(state, tmp_path / "out.mp4")["d"] == pytest.approx(2000, abs=80)



def test_stills_are_skipped_by_analysis_edits():
    state = make_state(4000, 3000, analyses={"med_1": analysis(4.0, ("black", 3.0, 4.0), cuts=(2.0,))})
    state["video_infos"][1]["type"] = "image"  # scene 2 is a still: never analysed
    assert spans(respond(state, "cut the black frames").state_delta["draft"]) == [(0, 3000, 0), (3000, 3000, 0)]
    assert len(scenes(respond(state, "split clips at scene cuts").state_delta["draft"])) == 3
    reply = respond(state, "split scene 2 at its scene cuts")
    assert reply.state_delta == {} and reply.text == "Scene 2 is a still image: it has no scene cuts."

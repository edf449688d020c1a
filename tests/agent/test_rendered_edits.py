"""A draft the agent built goes through the real renderer and comes out as the replies described."""

from __future__ import annotations

import pytest
from agent_states import make_state

from nemo_jupyter.local.agent import respond


def test_a_draft_the_agent_built_renders_as_described(make_clip, tmp_path):
    """Reorder, speed, title, music, fade, mute and canvas from the agent, through the real renderer."""
    from nemo_jupyter.local.media.probe import probe
    from nemo_jupyter.local.media.render import render_draft
    from nemo_jupyter.local.media.samples import make_tone

    state = make_state(1000, 1000, audio=("song.m4a",))
    paths = {"med_1": make_clip(seconds=1.0, color="red"), "med_2": make_clip(seconds=1.0, color="blue"),
             "med_audio1": make_tone(tmp_path / "song.m4a", seconds=3.0)}
    for media in state["video_infos"]:
        media.update(probe(paths[media["id"]]), path=str(paths[media["id"]]))
    for text in ("reorder to 2,1", "make scene 1 twice as fast", 'add title "Hi" at top', "add music song.m4a at 35%",
                 "fade out 0.5s", "mute scene 2", "make it square"):
        reply = respond(state, text)
        assert reply.charge, reply.text
        state.update(reply.state_delta)
    out = render_draft(state["draft"], {m["id"]: m for m in state["video_infos"]}, state["canvas_config"],
                       tmp_path / "out.mp4", quality="draft")
    rendered = probe(out)
    assert rendered["d"] == pytest.approx(1500, abs=80) and rendered["width"] == rendered["height"]
    assert rendered["has_audio"]

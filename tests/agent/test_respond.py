"""respond() end to end on hand-made states: replies, deltas, charging, undo, questions."""

from __future__ import annotations

from nemo_jupyter.local.agent import GRAMMAR, AgentReply, respond

from agent_states import ids, make_state


def run(state: dict, text: str) -> AgentReply:
    reply = respond(state, text)
    state.update(reply.state_delta)
    return reply


def test_reorder_changes_the_draft_and_charges():
    state = make_state(5000, 3000, 4000)
    reply = run(state, "reorder to 3,1,2")
    assert reply.tool_name == "edit_draft" and reply.charge
    assert ids(state["draft"]) == ["seg_3", "seg_1", "seg_2"]
    assert reply.text == "Done: scenes are now in the order 3, 1, 2."
    assert reply.tool_args["ops"] == [{"op": "Reorder", "order": (3, 1, 2)}]


def test_unknown_instruction_lists_the_grammar_without_charging():
    state = make_state(5000, 3000)
    reply = respond(state, "make me a sandwich")
    assert reply.tool_name is None and not reply.charge and reply.state_delta == {}
    assert '"make me a sandwich"' in reply.text and GRAMMAR in reply.text


def test_ambiguous_scene_asks_one_question():
    state = make_state(5000, 3000)
    for text in ("trim the long scene", "remove that scene", "trim to 2s"):
        reply = respond(state, text)
        assert reply.state_delta == {} and not reply.charge
        assert reply.text.count("?") == 1 and "1. clip1.mp4 (5s), 2. clip2.mp4 (3s)" in reply.text


def test_undo_restores_draft_and_canvas_in_order():
    state = make_state(5000, 3000, 4000)
    original, canvas = state["draft"], state["canvas_config"]
    run(state, "swap scenes 1 and 2")
    swapped = state["draft"]
    run(state, "make it vertical")
    assert state["canvas_config"]["height"] == 1920
    reply = run(state, "undo")
    assert not reply.charge and state["canvas_config"] == canvas and state["draft"] == swapped
    run(state, "撤销")
    assert state["draft"] == original and state["undo_stack"] == []
    assert respond(state, "undo").text == "There is nothing to undo."

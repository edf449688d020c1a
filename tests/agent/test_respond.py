"""respond() end to end on hand-made states: replies, deltas, charging, undo, questions."""

from __future__ import annotations

from agent_states import check_invariants, ids, make_state
from hypothesis import given, settings
from hypothesis import strategies as st

from nemo_jupyter.local.agent import GRAMMAR, AgentReply, respond
from nemo_jupyter.local.agent import reply as reply_module


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
    assert reply.text == 'Done: undid "make it vertical".'
    run(state, "撤销")
    assert state["draft"] == original and state["undo_stack"] == []
    assert respond(state, "undo").text == "There is nothing to undo."


def test_chinese_instructions_get_a_chinese_and_english_reply():
    state = make_state(5000, 3000)
    reply = run(state, "把第2段剪到2秒")
    assert reply.text == "完成：第2段现在长2s。\nDone: scene 2 is now 2s long."
    assert respond(state, "随便说点什么").text.startswith("我没有理解")


def test_several_edits_apply_in_order_and_all_or_nothing():
    state = make_state(5000, 3000, 4000)
    reply = run(state, 'reorder to 3,1,2 and trim scene 2 to 4s, then add title "Hi" at top')
    assert ids(state["draft"]) == ["seg_3", "seg_1", "seg_2"]
    assert [s["d"] for s in state["draft"]["t"][0]["sg"]] == [4000, 4000, 3000]
    assert reply.text.count("Done:") == 3 and len(reply.tool_args["ops"]) == 3
    before = state["draft"]
    failed = respond(state, "swap scenes 1 and 2 and remove scene 7")
    assert failed.state_delta == {} and not failed.charge and failed.text == (
        "There is no scene 7: the timeline has 3 scenes.")
    assert state["draft"] == before


def test_music_is_found_by_name_and_missing_music_is_explained():
    state = make_state(4000, audio=("Lofi Beat.mp3", "drums.wav"))
    reply = run(state, "add background music Lofi Beat.mp3 at 20%")
    assert reply.charge and 'added "Lofi Beat.mp3" as background music at 20% volume' in reply.text
    assert run(state, "add music drums").text.startswith('Done: added "drums.wav"')
    assert "Which music do you mean: Lofi Beat.mp3, drums.wav?" == respond(state, "add some music").text
    assert "the uploads are: Lofi Beat.mp3, drums.wav" in respond(state, "add music jazz.mp3").text
    assert respond(make_state(4000, audio=()), "add music").text.startswith("Upload an audio file first")


def test_canvas_change_keeps_the_frame_rate_and_does_not_touch_the_draft():
    state = make_state(4000)
    reply = run(state, "change aspect ratio to 1:1")
    assert state["canvas_config"] == {"width": 1080, "height": 1080, "fps": 30}
    assert "draft" not in reply.state_delta and reply.charge


def test_undo_history_is_bounded(monkeypatch):
    monkeypatch.setattr(reply_module, "UNDO_DEPTH", 3)
    state = make_state(5000, 3000)
    for _ in range(5):
        run(state, "swap scenes 1 and 2")
    assert len(state["undo_stack"]) == 3


def test_empty_or_odd_states_get_a_clear_answer():
    for state in ({}, {"draft": None, "video_infos": None}, {"draft": {"t": []}}):
        reply = respond(state, "reorder to 2,1")
        assert reply.state_delta == {} and reply.text == "The timeline has no scenes yet: upload a clip first."
    assert respond({}, "").text == GRAMMAR


def test_an_edit_that_changes_nothing_is_not_charged():
    state = make_state(5000, 3000)
    reply = respond(state, "reorder to 1,2")
    assert reply.state_delta == {} and not reply.charge


def test_tool_args_are_json():
    import json

    reply = respond(make_state(5000, 3000), 'add title "Hi" from 0s to 1s and fade in 0.5s')
    assert json.loads(json.dumps(reply.tool_args))["ops"][1] == {"op": "Fade", "fade_in": True, "ms": 500, "scene": None}


WORDS = ["scene", "2", "3s", "50%", "trim", "cut", "add", "title", '"x"', "music", "song.mp3", "the", "first", "last",
         "longest", "and", "第", "段", "秒", "删除", "把", "to", "at", "from", "1-2s", "fade", "in", "out", "swap", "split",
         ",", "undo", "9:16", "half", "faster", "bigger", "mute", "all", "black", "frames", "scene cuts", "撤销"]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60) | st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join),
       st.lists(st.integers(40, 6000), max_size=3))
def test_any_text_gets_an_answer_and_never_breaks_the_draft(text, lengths):
    state = make_state(*lengths, analyses={"med_1": {"status": "done", "cuts": [1.0], "findings": [
        {"kind": "black", "start_s": 0, "end_s": 0.5}]}})
    reply = respond(state, text)
    assert reply.text
    if "draft" in reply.state_delta:
        assert reply.charge or "undo" in reply.tool_args["instruction"]
        check_invariants(reply.state_delta["draft"])


def test_titles_need_their_words_in_quotes_and_can_be_moved():
    state = make_state(5000)
    reply = respond(state, "add title Hello")
    assert reply.state_delta == {} and reply.text == 'Put the title\'s words in quotes, e.g. add title "Hello".'
    run(state, 'add title "Hello" from 1s to 2s')
    moved = run(state, "move the title to the bottom")
    assert moved.text == 'Done: the title "Hello" now shows from 1s to 2s at the bottom.'
    run(state, 'change the title to "Bye"')
    (track,) = [t for t in state["draft"]["t"] if t["tt"] == 7]
    assert [(s["st"], s["d"], s["m"]["text"], s["m"]["position"]) for s in track["sg"]] == [(1000, 1000, "Bye", "bottom")]


def test_sound_and_speed_without_a_scene_mean_the_whole_video():
    state = make_state(4000, 2000)
    run(state, "make it twice as fast")
    assert [s["d"] for s in state["draft"]["t"][0]["sg"]] == [2000, 1000]
    run(state, "mute")
    assert all(s["m"]["muted"] for s in state["draft"]["t"][0]["sg"])


def test_cutting_the_first_or_last_seconds_means_the_ends_of_the_video():
    state = make_state(4000, 2000)
    run(state, "cut the first 1 second")
    run(state, "cut the last 0.5s")
    assert [(s["in"], s["d"]) for s in state["draft"]["t"][0]["sg"]] == [(1000, 3000), (0, 1500)]


def test_styles_fit_halves_and_a_question_about_speed():
    state = make_state(5000, 3000)
    run(state, 'add title "Hi"')
    assert run(state, "make the title bigger and red").text == "Done: the title is now regular, red, size 108."
    run(state, "crop the clips to fill the frame")
    assert [s["m"]["fit"] for s in state["draft"]["t"][0]["sg"]] == ["cover", "cover"]
    assert run(state, "split scene 1 in half").text == "Done: split scene 1 at 2.5s into scenes 1 and 2."
    asked = respond(state, "make scene 2 faster")
    assert asked.state_delta == {} and asked.text.startswith("How much?")


def test_longest_and_shortest_scenes_are_found_or_asked_about():
    state = make_state(3000, 5000, 4000)
    assert run(state, "trim the longest scene to 2s").text == "Done: scene 2 is now 2s long."
    assert run(state, "move the shortest scene first").text == "Done: scenes are now in the order 2, 1, 3."
    tie = respond(make_state(3000, 3000), "remove the longest clip")
    assert tie.state_delta == {} and tie.text.startswith('By "the longest scene", which scene do you mean?')


def test_louder_or_quieter_without_a_level_gets_a_question():
    state = make_state(5000)
    run(state, "add music song.mp3")
    for text, example in (("turn the music down", "set music volume to 20%"),
                          ("make scene 1 quieter", "set volume of scene 1 to 50%")):
        reply = respond(state, text)
        assert reply.state_delta == {} and reply.text == f'To what level? Say for example "{example}".'


def test_a_token_pasted_into_an_instruction_is_never_repeated_or_stored():
    state = make_state(5000, 3000)
    secret = "nmv_usr_" + "0123456789abcdef"  # a made-up token, spelt in two parts so no scanner mistakes it for a real one
    for text in (f"use token {secret}", f"swap scenes 1 and 2 {secret}", f'add title "{secret}"'):
        reply = run(state, text)
        assert secret not in repr(reply) and secret not in repr(state)


def test_an_upload_can_be_put_on_the_timeline_again():
    state = make_state(5000, 3000)
    assert run(state, "add clip1.mp4 after scene 2").text == "Done: added clip1.mp4 as scene 3; the video is now 13s long."
    assert [s["src"] for s in state["draft"]["t"][0]["sg"]] == ["med_1", "med_2", "med_1"]
    assert run(state, "add song.mp3").text.startswith('Done: added "song.mp3" as background music')
    assert "the uploads are: clip1.mp4, clip2.mp4, song.mp3" in respond(state, "add ghost.mp4").text


def test_music_keeps_up_when_the_video_gets_longer():
    state = make_state(4000, 2000)
    run(state, "add music song.mp3")
    run(state, "remove scene 2")
    run(state, "slow scene 1 to half speed")
    (music,) = [s for t in state["draft"]["t"] if t["tt"] == 1 for s in t["sg"]]
    assert (music["st"], music["d"]) == (0, 8000) and state["draft"]["d"] == 8000


def test_redo_brings_back_what_undo_took_and_a_new_edit_forgets_it():
    state = make_state(5000, 3000, 4000)
    run(state, "reorder to 3,1,2")
    reordered = state["draft"]
    run(state, "undo")
    reply = run(state, "redo")
    assert reply.text == 'Done: redid "reorder to 3,1,2".' and state["draft"] == reordered and not reply.charge
    run(state, "undo")
    run(state, "swap scenes 1 and 2")
    assert state["redo_stack"] == [] and respond(state, "redo").text == "There is nothing to redo."


def test_help_is_an_answer_not_a_misunderstanding():
    reply = respond(make_state(5000), "what can you do?")
    assert reply.text == GRAMMAR and reply.tool_name is None


def test_undo_redo_and_help_inside_a_longer_message_are_asked_for_alone():
    state = make_state(5000, 3000)
    for word in ("undo", "redo", "help"):
        reply = respond(state, f"swap scenes 1 and 2; {word}")
        assert reply.state_delta == {} and reply.text == f'Say "{word}" on its own, as a separate instruction.'


SESSION = ['add title "t" from 1s to 2s', "add music song.mp3", "split scene 1 at 1s", "make scene 1 twice as fast",
           "mute scene 1", "undo", "redo", "reorder to 2,1", "remove scene 1", "duplicate scene 2",
           "add clip1.mp4 after scene 1", "cut the black frames", "split clips at scene cuts", "make it vertical",
           "fade out 1s", "trim the longest scene to 1s", "move the title to the top", "remove the music"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(SESSION), max_size=10), st.lists(st.integers(40, 6000), max_size=3))
def test_any_session_of_edits_keeps_the_draft_whole(instructions, lengths):
    state = make_state(*lengths, analyses={"med_1": {"status": "done", "cuts": [1.0], "findings": [
        {"kind": "black", "start_s": 0, "end_s": 0.5}]}})
    for text in instructions:
        reply = run(state, text)
        assert reply.text and reply.charge == (bool(reply.state_delta) and text not in ("undo", "redo"))
        check_invariants(state["draft"])


def test_text_means_whichever_kind_the_draft_has():
    state = make_state(5000)
    run(state, 'add title "Hi"')
    assert run(state, "make the text red").text == "Done: the title is now regular, red, size 72."
    run(state, 'add text "Look" from 1s to 2s')
    assert [t["m"]["name"] for t in state["draft"]["t"] if t["tt"] == 7] == ["Title", "Captions"]
    assert respond(state, "remove the text").text == "Do you mean the title or the caption?"


def test_a_long_unknown_instruction_is_not_echoed_whole():
    from nemo_jupyter.local.agent import respond

    essay = "please make it feel like a summer evening " * 500
    reply = respond({"draft": {"d": 0, "m": {}, "t": []}}, essay)
    assert not reply.charge and "I did not understand" in reply.text
    assert len(reply.text) < len(essay) / 4 and "…" in reply.text

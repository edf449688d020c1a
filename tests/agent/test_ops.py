"""Every draft operation: the result it should give, its input untouched, the invariants kept."""

from __future__ import annotations

import copy

import pytest
from agent_states import check_invariants, ids, make_draft, spans
from hypothesis import given, settings
from hypothesis import strategies as st

from nemo_jupyter.local.agent import ops
from nemo_jupyter.local.agent.speech import EditError

AUDIO = {"id": "med_song", "name": "song.mp3", "type": "audio", "d": 60000}


def test_reorder_partial_order_keeps_the_rest_in_place():
    draft = make_draft(5000, 3000, 4000)
    assert ids(ops.reorder(draft, [3, 1, 2])) == ["seg_3", "seg_1", "seg_2"]
    assert ids(ops.reorder(draft, [2])) == ["seg_2", "seg_1", "seg_3"]
    assert spans(ops.reorder(draft, [3, 1, 2])) == [(0, 4000, 0), (4000, 5000, 0), (9000, 3000, 0)]


@pytest.mark.parametrize("order", [[1, 1], [4], [0]])
def test_reorder_refuses_bad_orders(order):
    with pytest.raises(EditError):
        ops.reorder(make_draft(5000, 3000, 4000), order)


@pytest.mark.parametrize("scene, anchor, after, expected", [
    (3, 1, False, ["seg_3", "seg_1", "seg_2"]),
    (1, -1, True, ["seg_2", "seg_3", "seg_1"]),
    (1, 2, True, ["seg_2", "seg_1", "seg_3"]),
    (3, 2, False, ["seg_1", "seg_3", "seg_2"]),
    (2, 2, False, ["seg_1", "seg_2", "seg_3"]),
])
def test_move(scene, anchor, after, expected):
    assert ids(ops.move(make_draft(5000, 3000, 4000), scene, anchor, after)) == expected


def test_insert_clip_places_a_whole_upload():
    video = {"id": "med_new", "name": "new.mp4", "type": "video", "d": 2000}
    assert spans(ops.insert_clip(make_draft(5000), video, 1)) == [(0, 2000, 0), (2000, 5000, 0)]
    still = ops.insert_clip(make_draft(5000), {"id": "med_img", "name": "a.png", "type": "image", "d": 0}, 9)
    assert spans(still) == [(0, 5000, 0), (5000, ops.STILL_MS, 0)] and ops.scenes(still)[1]["src"] == "med_img"


def test_duplicate_inserts_a_copy_with_a_new_id():
    twice = ops.duplicate(make_draft(5000, 3000), 1)
    assert spans(twice) == [(0, 5000, 0), (5000, 5000, 0), (10000, 3000, 0)]
    assert ids(twice)[0] == "seg_1" and ids(twice)[1] not in ("seg_1", "seg_2")


def test_swap_and_remove():
    draft = make_draft(5000, 3000, 4000)
    assert ids(ops.swap(draft, 1, 3)) == ["seg_3", "seg_2", "seg_1"]
    removed = ops.remove(draft, 2)
    assert ids(removed) == ["seg_1", "seg_3"] and removed["d"] == 9000
    assert ops.remove(make_draft(2000), 1)["d"] == 0


def test_trim_and_cut_move_in_points_by_the_played_source():
    draft = make_draft(5000, 3000)
    assert spans(ops.trim_to(draft, 1, 2000)) == [(0, 2000, 0), (2000, 3000, 0)]
    assert spans(ops.trim_to(draft, 1, 2000, keep_end=True)) == [(0, 2000, 3000), (2000, 3000, 0)]
    assert spans(ops.cut(draft, 1, 2000)) == [(0, 3000, 2000), (3000, 3000, 0)]
    assert spans(ops.cut(draft, 2, 1000, from_end=True)) == [(0, 5000, 0), (5000, 2000, 0)]
    fast = ops.set_speed(draft, 1, 2.0)
    assert spans(fast)[0] == (0, 2500, 0)
    assert spans(ops.cut(fast, 1, 500))[0] == (0, 2000, 1000)  # 0.5 s of timeline = 1 s of source


@pytest.mark.parametrize("operation", [
    lambda d: ops.trim_to(d, 1, 20), lambda d: ops.trim_to(d, 1, 6000), lambda d: ops.cut(d, 1, 5000),
    lambda d: ops.cut(d, 1, 7000),
    lambda d: ops.split(d, 1, 0), lambda d: ops.split(d, 1, 5000), lambda d: ops.trim_to(d, 3, 1000),
    lambda d: ops.set_speed(d, 1, 10), lambda d: ops.set_scene_volume(d, 1, 1.5),
])
def test_impossible_edits_raise_one_clear_line(operation):
    with pytest.raises(EditError) as error:
        operation(make_draft(5000, 3000))
    assert "\n" not in str(error.value) and str(error.value).endswith(".")


def test_trimming_a_scene_to_its_own_length_changes_nothing():
    draft = make_draft(5000, 3000)
    assert ops.trim_to(draft, 1, 5000) == draft


def test_split_gives_the_tail_a_new_id_and_moves_the_fades():
    draft = ops.set_fade(ops.set_fade(make_draft(5000), 1, True, 500), 1, False, 700)
    halves = ops.split(draft, 1, 2000)
    head, tail = ops.scenes(halves)
    assert (head["id"], head["d"], tail["st"], tail["d"], tail["in"]) == ("seg_1", 2000, 2000, 3000, 2000)
    assert tail["id"] != "seg_1" and tail["src"] == "med_1"
    assert head["m"].get("fade_out_ms") is None and head["m"]["fade_in_ms"] == 500
    assert tail["m"].get("fade_in_ms") is None and tail["m"]["fade_out_ms"] == 700


def test_speed_keeps_the_source_span():
    draft = ops.set_speed(make_draft(4000, 3000), 1, 2.0)
    assert spans(draft)[0] == (0, 2000, 0) and ops.scenes(draft)[0]["m"]["speed"] == 2.0
    back = ops.set_speed(ops.set_speed(draft, 1, 0.5), 1, 1)
    assert spans(back)[0] == (0, 4000, 0) and "speed" not in ops.scenes(back)[0]["m"] and back["d"] == 7000


def test_volume_and_mute():
    draft = ops.mute(make_draft(2000, 2000), 0)
    assert all(s["m"]["muted"] for s in ops.scenes(draft))
    one = ops.set_scene_volume(draft, 2, 0.5)
    assert ops.scenes(one)[1]["m"] == {"name": "clip2.mp4", "volume": 0.5}
    assert "muted" not in ops.scenes(ops.mute(draft, 1, muted=False))[0]["m"]


def test_music_spans_the_video_and_is_clipped_when_it_shortens():
    draft = ops.add_music(make_draft(5000, 3000), AUDIO, 0.35)
    (music,) = ops.music_segments(draft)
    assert (music["st"], music["d"], music["src"], music["m"]["volume"]) == (0, 8000, "med_song", 0.35)
    [track] = ops.tracks_of(draft, 1)
    assert track["m"]["name"] == "BGM"
    shorter = ops.remove(draft, 1)
    assert ops.music_segments(shorter)[0]["d"] == 3000
    assert ops.music_segments(ops.set_music_volume(draft, 0.2))[0]["m"]["volume"] == 0.2
    replaced = ops.add_music(draft, {**AUDIO, "id": "med_other"}, 0.5)
    assert [s["src"] for s in ops.music_segments(replaced)] == ["med_other"]
    assert ops.tracks_of(replaced, 1)[0]["id"] == track["id"]
    assert ops.music_segments(ops.remove_music(draft)) == []
    with pytest.raises(EditError):
        ops.set_music_volume(make_draft(1000), 0.5)


def test_music_follows_a_longer_video_as_far_as_its_file_goes():
    draft = ops.add_music(make_draft(4000), {**AUDIO, "d": 7000})
    longer = ops.duplicate(draft, 1)  # 8 s of video, music still 4 s
    assert ops.music_segments(ops.extend_music(longer, 4000, {"med_song": 7000}))[0]["d"] == 7000
    assert ops.music_segments(ops.extend_music(longer, 4000, {"med_song": 60000}))[0]["d"] == 8000
    assert ops.music_segments(ops.extend_music(longer, 3000, {"med_song": 60000}))[0]["d"] == 4000


def test_titles_and_captions():
    draft = ops.add_text(make_draft(5000, 3000), "title", "Hello", 0, 2000, "top")
    (title,) = ops.text_segments(draft, "title")
    assert (title["st"], title["d"], title["m"]["text"], title["m"]["position"]) == (0, 2000, "Hello", "top")
    assert "src" not in title
    default = ops.add_text(make_draft(5000), "caption", "Hi")
    assert ops.text_segments(default, "caption")[0]["d"] == 5000
    assert ops.text_segments(default, "caption")[0]["m"]["position"] == "bottom"
    assert ops.text_segments(ops.change_text(draft, "title", "Bye"), "title")[0]["m"]["text"] == "Bye"
    assert ops.text_segments(ops.remove_text(draft, "title"), "title") == []
    clipped = ops.add_text(make_draft(3000), "caption", "Long", 1000, 9000)
    assert ops.text_segments(clipped, "caption")[0]["d"] == 2000
    with pytest.raises(EditError):
        ops.add_text(make_draft(3000), "title", "Late", 4000, 5000)
    with pytest.raises(EditError):
        ops.change_text(make_draft(3000), "title", "x")


def test_text_style_and_fit():
    draft = ops.add_text(make_draft(5000), "caption", "Hi")
    styled = ops.style_text(ops.style_text(draft, "caption", scale=1.5, color="red"), "caption", scale=2, font="bold")
    assert {k: ops.text_segments(styled, "caption")[0]["m"][k] for k in ("size", "color", "font")} == {
        "size": 144, "color": "red", "font": "bold"}
    with pytest.raises(EditError):
        ops.style_text(draft, "title", scale=2)
    fitted = ops.set_fit(make_draft(1000, 1000), 0, "cover")
    assert [s["m"]["fit"] for s in ops.scenes(fitted)] == ["cover", "cover"]
    assert ops.scenes(ops.set_fit(fitted, 2, "contain"))[1]["m"]["fit"] == "contain"
    with pytest.raises(EditError):
        ops.set_fit(fitted, 1, "zoom")


def test_fades_are_capped_at_the_scene_length():
    draft = ops.set_fade(make_draft(800), 1, False, 2000)
    assert ops.scenes(draft)[0]["m"]["fade_out_ms"] == 800
    assert "fade_out_ms" not in ops.scenes(ops.set_fade(draft, 1, False, 0))[0]["m"]


def test_split_at_source_times_respects_in_point_and_speed():
    draft = ops.cut(make_draft(6000), 1, 1000)  # shows source 1-6 s
    pieces = ops.split_at_source_times(draft, 1, [500, 2000, 4000, 5990])
    assert spans(pieces) == [(0, 1000, 1000), (1000, 2000, 2000), (3000, 2000, 4000)]
    fast = ops.split_at_source_times(ops.set_speed(make_draft(6000), 1, 2.0), 1, [2000])
    assert spans(fast) == [(0, 1000, 0), (1000, 2000, 2000)]


def test_remove_source_ranges_keeps_the_rest_of_the_clip():
    draft = make_draft(6000, 2000)
    result = ops.remove_source_ranges(draft, "med_1", [(1000, 2000), (5000, 6000)])
    assert spans(result) == [(0, 1000, 0), (1000, 3000, 2000), (4000, 2000, 0)]
    assert ids(result)[0] == "seg_1" and ids(result)[2] == "seg_2"
    gone = ops.remove_source_ranges(draft, "med_2", [(0, 2000)])
    assert ids(gone) == ["seg_1"]


OPERATIONS = st.one_of(
    st.tuples(st.just("reorder"), st.permutations([1, 2, 3])),
    st.tuples(st.just("move"), st.integers(1, 3), st.sampled_from([1, 2, 3, -1]), st.booleans()),
    st.tuples(st.just("swap"), st.integers(1, 3), st.integers(1, 3)),
    st.tuples(st.just("trim_to"), st.integers(1, 3), st.integers(40, 3000), st.booleans()),
    st.tuples(st.just("cut"), st.integers(1, 3), st.integers(1, 3000), st.booleans()),
    st.tuples(st.just("split"), st.integers(1, 3), st.integers(1, 3000)),
    st.tuples(st.just("set_speed"), st.integers(1, 3), st.sampled_from([0.25, 0.5, 1.5, 2.0, 4.0])),
    st.tuples(st.just("set_fade"), st.integers(1, 3), st.booleans(), st.integers(0, 3000)),
    st.tuples(st.just("add_text"), st.sampled_from(["title", "caption"]), st.just("T"), st.integers(0, 2000),
              st.integers(2100, 20000)),
    st.tuples(st.just("add_music"), st.just(AUDIO), st.floats(0, 1)),
    st.tuples(st.just("remove"), st.integers(1, 3)),
    st.tuples(st.just("duplicate"), st.integers(1, 3)),
    st.tuples(st.just("insert_clip"), st.just({"id": "med_x", "name": "x.mp4", "type": "video", "d": 1500}),
              st.integers(1, 5)),
    st.tuples(st.just("mute"), st.integers(0, 3)),
    st.tuples(st.just("set_fit"), st.integers(0, 3), st.sampled_from(["contain", "cover", "stretch"])),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(OPERATIONS, max_size=8), st.lists(st.integers(500, 6000), min_size=3, max_size=3))
def test_any_sequence_keeps_the_invariants_and_never_touches_its_input(sequence, lengths):
    draft = make_draft(*lengths)
    for name, *args in sequence:
        before = copy.deepcopy(draft)
        try:
            result = getattr(ops, name)(draft, *args)
        except EditError:
            assert draft == before
            continue
        assert draft == before
        check_invariants(result)
        old_ids = {s["id"] for s in ops.scenes(draft)}
        assert old_ids & {s["id"] for s in ops.scenes(result)} == old_ids - ({_removed(draft, name, args)} - {None})
        draft = result


def _removed(draft: dict, name: str, args: list) -> str | None:
    if name != "remove":
        return None
    return ops.scenes(draft)[ops.scene_index(draft, args[0])]["id"]

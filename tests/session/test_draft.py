"""Draft: tolerant reading of odd drafts, the DataFrame, the summary format and the diff."""

from __future__ import annotations

import json
import math
import time

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nemo_jupyter.draft import COLUMNS, Draft, describe_changes

REFERENCE = {
    "d": 10000,
    "m": {"title": "demo"},
    "t": [
        {"id": "trk_v", "tt": 0, "m": {"name": "Video"},
         "sg": [{"id": "seg_a", "st": 0, "d": 10000, "src": "med_1", "in": 0, "m": {"name": "city timelapse"}}]},
        {"id": "trk_a", "tt": 1, "m": {"name": "BGM"},
         "sg": [{"id": "seg_b", "st": 0, "d": 10000, "src": "med_2", "m": {"name": "Lo-fi", "volume": 0.35}}]},
        {"id": "trk_t", "tt": 7, "m": {"name": "Title"},
         "sg": [{"id": "seg_c", "st": 0, "d": 3000, "m": {"text": "Urban Dreams", "style": "bold"}}]},
    ],
}


def big_draft(n: int, shift_ms: int = 0) -> dict:
    return {"d": n * 1000, "t": [{"id": "trk_v", "tt": 0, "m": {"name": "Video"}, "sg": [
        {"id": f"seg_{i}", "st": i * 1000 + shift_ms, "d": 1000, "src": "med_1", "in": 0,
         "m": {"name": f"clip {i}", "speed": 1}} for i in range(n)]}]}


def test_summary_matches_the_protocol_format():
    assert Draft(REFERENCE).summary() == (
        'Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%) '
        '3. Title: "Urban Dreams" (0-3s)')


def test_dataframe_has_the_documented_columns_first_then_the_rest():
    frame = Draft(REFERENCE).to_dataframe()
    assert list(frame.columns[: len(COLUMNS)]) == COLUMNS
    assert "style" in frame.columns and frame.loc[2, "style"] == "bold"
    assert frame["track_type"].tolist() == ["video", "audio", "text"]
    assert frame.loc[0, "end_s"] == 10.0 and frame.loc[2, "duration_s"] == 3.0
    assert frame.loc[1, "volume"] == pytest.approx(0.35)
    assert math.isnan(frame.loc[0, "volume"])


@pytest.mark.parametrize("raw", [None, {}, "not json", {"t": 1, "tt": 12000}, {"t": [{"tt": "9"}]},
                                 {"t": ["junk", {"sg": [1, None, {"m": "x"}]}]}, [1, 2],
                                 {"d": 10**400, "t": [{"tt": 10**400, "sg": [{"id": "huge", "st": 10**400, "d": 5,
                                                                              "m": {"volume": -10**400}}]}]}])
def test_odd_drafts_never_crash(raw):
    draft = Draft(raw)
    frame = draft.to_dataframe()
    assert list(frame.columns[: len(COLUMNS)]) == COLUMNS
    assert draft.summary().startswith("Timeline (")
    assert isinstance(draft._repr_html_(), str)
    assert len(draft.diff(REFERENCE)) == 3 + len(frame)  # everything removed, the reference added


def test_integers_too_big_for_a_float_read_as_missing():
    draft = Draft({"d": 10**400, "t": [{"tt": 0, "sg": [{"id": "a", "st": 10**400, "d": 2000}]}]})
    frame = draft.to_dataframe()
    assert math.isnan(frame.loc[0, "start_s"]) and frame.loc[0, "duration_s"] == 2.0
    assert math.isnan(draft.duration_s)
    assert draft.summary() == "Timeline (1 track): 1. Video: a (?-?s)"


def test_empty_draft_is_not_ready_to_export():
    assert not Draft({"t": [{"tt": 0, "sg": []}]}).has_segments
    assert not Draft({"t": [{"tt": 0}]}).has_segments
    assert Draft(REFERENCE).has_segments
    assert Draft({}).summary() == "Timeline (0 tracks): empty"


def test_strings_where_numbers_were_expected_and_unknown_track_types():
    raw = {"t": [{"tt": 5, "sg": [{"id": "x", "st": "1500", "d": "abc", "m": {"volume": "0.5"}, "extra": [1]}]}]}
    frame = Draft(raw).to_dataframe()
    assert frame.loc[0, "start_s"] == 1.5
    assert math.isnan(frame.loc[0, "duration_s"]) and math.isnan(frame.loc[0, "end_s"])
    assert frame.loc[0, "volume"] == 0.5
    assert frame.loc[0, "track_type"] == "type 5"
    assert frame.loc[0, "extra"] == [1]
    assert Draft(raw).summary() == "Timeline (1 track): 1. Type 5: x (1.5-?s)"


def test_unknown_keys_are_kept_in_raw_and_json_strings_are_read():
    raw = dict(REFERENCE, future_key={"a": 1})
    assert Draft(json.dumps(raw)).raw["future_key"] == {"a": 1}
    assert Draft.from_state({"state": {"draft": raw}}) == Draft(raw)
    assert Draft.from_state({"draft": raw}) == Draft(raw)


def test_diff_names_each_kind_of_change_in_one_sentence():
    after = json.loads(json.dumps(REFERENCE))
    video, music, title = after["t"]
    video["sg"][0]["d"] = 4000                      # retimed
    music["sg"][0]["st"] = 2000                     # moved
    music["sg"][0]["m"]["volume"] = 0.5             # volume changed
    title["sg"][0]["m"]["text"] = "Night Lights"    # retexted
    title["sg"].append({"id": "seg_d", "st": 3000, "d": 1000, "m": {"text": "The End"}})  # added
    changes = Draft(REFERENCE).diff(after)
    kinds = {change.kind: change for change in changes}
    assert set(kinds) == {"retimed", "moved", "retexted", "added", "changed"}
    assert str(kinds["retimed"]) == "Retimed 'city timelapse' from 0-10s to 0-4s."
    assert str(kinds["moved"]) == "Moved music 'Lo-fi' from 0-10s to 2-12s."
    assert str(kinds["retexted"]) == 'Changed the text "Urban Dreams" to "Night Lights" on track 3.'
    assert str(kinds["added"]) == 'Added text "The End" on track 3 (3-4s).'
    assert str(kinds["changed"]) == "Set the volume of music 'Lo-fi' from 35% to 50%."
    removed = Draft(after).diff(REFERENCE)
    assert [c.description for c in removed if c.kind == "removed"] == ['Removed text "The End" from track 3 (3-4s).']
    assert Draft(REFERENCE).diff(REFERENCE) == []
    assert describe_changes([]) == "The timeline did not change."


def test_diff_of_duplicate_ids_and_missing_ids():
    raw = {"t": [{"tt": 0, "sg": [{"id": "s", "st": 0, "d": 1000}, {"id": "s", "st": 1000, "d": 1000}]}]}
    after = {"t": [{"tt": 0, "sg": [{"id": "s", "st": 0, "d": 1000}]}]}
    assert [c.kind for c in Draft(raw).diff(after)] == ["removed"]
    no_ids = {"t": [{"tt": 0, "sg": [{"st": 0, "d": 1000}]}]}
    assert [c.kind for c in Draft(no_ids).diff({"t": [{"tt": 0, "sg": [{"st": 0, "d": 500}]}]})] == ["retimed"]


def test_ten_thousand_segments_fast():
    draft, moved = Draft(big_draft(10_000)), Draft(big_draft(10_000, shift_ms=500))
    started = time.perf_counter()
    frame = draft.to_dataframe()
    elapsed = time.perf_counter() - started
    assert len(frame) == 10_000 and frame["end_s"].max() == 10_000.0
    assert elapsed < 0.5, f"to_dataframe took {elapsed:.3f}s"  # target 0.1 s; margin for a shared CI box
    changes = draft.diff(moved)
    assert len(changes) == 10_000 and {c.kind for c in changes} == {"moved"}
    summary = draft.summary()
    assert "and 9997 more" in summary and len(summary) < 200


def test_repr_html_escapes_and_limits_rows():
    raw = {"t": [{"tt": 7, "sg": [{"id": f"t{i}", "st": 0, "d": 1, "m": {"text": "<script>"}} for i in range(30)]}]}
    markup = Draft(raw)._repr_html_()
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert "10 more segments" in markup
    assert isinstance(Draft(raw).to_dataframe(), pd.DataFrame)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.sampled_from([10**400, -10**400])  # past a float
    | st.floats(allow_nan=True) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["t", "tt", "sg", "st", "d", "m", "id",
                                                                                   "src", "name", "text", "volume", "x"]),
                                                                inner, max_size=5),
    max_leaves=30)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values, json_values)
def test_any_json_is_read_without_crashing(raw, other):
    draft = Draft(raw)
    frame = draft.to_dataframe()
    assert list(frame.columns[: len(COLUMNS)]) == COLUMNS
    assert draft.summary().startswith("Timeline (")
    assert isinstance(draft._repr_html_(), str)
    for change in draft.diff(other):
        assert change.description.endswith(".")

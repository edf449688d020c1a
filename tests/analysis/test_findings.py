"""findings_dataframe / scenes_dataframe: the local shape exactly, any other shape without a crash."""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from nemo_jupyter.findings import FINDING_COLUMNS, SCENE_COLUMNS, findings_dataframe, scenes_dataframe

LOCAL = {
    "med_b": {
        "duration_s": 3.0,
        "findings": [
            {"kind": "scene", "start_s": 0.0, "end_s": 1.2, "duration_s": 1.2, "score": None},
            {"kind": "scene", "start_s": 1.2, "end_s": 3.0, "duration_s": 1.8, "score": 31.5},
            {"kind": "freeze", "start_s": 2.5, "end_s": 3.0, "duration_s": 0.5, "score": None},
        ],
    },
    "med_a": {"duration_s": 1.0, "findings": [{"kind": "scene", "start_s": 0, "end_s": 1, "duration_s": 1}]},
}


def test_local_analyses_become_one_row_per_finding():
    frame = findings_dataframe(LOCAL)
    assert list(frame.columns) == FINDING_COLUMNS
    assert frame["media"].tolist() == ["med_b", "med_b", "med_b", "med_a"]
    assert frame["kind"].tolist() == ["scene", "scene", "freeze", "scene"]
    assert frame["end_s"].tolist() == [1.2, 3.0, 3.0, 1.0]
    assert frame["score"].iloc[1] == 31.5 and math.isnan(frame["score"].iloc[0])
    assert frame["raw"].isna().all()
    assert frame["start_s"].dtype == "float64" and frame["score"].dtype == "float64"


def test_scenes_are_numbered_per_media_in_time_order_with_thumbnails():
    scenes = scenes_dataframe(LOCAL, thumbnails={"med_b": ["b1.png", "b2.png"]})
    assert list(scenes.columns) == SCENE_COLUMNS
    assert scenes[["media", "scene"]].values.tolist() == [["med_b", 1], ["med_b", 2], ["med_a", 1]]
    assert scenes["thumbnail"].tolist() == ["b1.png", "b2.png", None]
    shuffled = {"m": {"findings": [dict(f, start_s=s) for f, s in zip(LOCAL["med_b"]["findings"][:2], (1.2, 0.0))]}}
    assert scenes_dataframe(shuffled)["start_s"].tolist() == [0.0, 1.2]
    calls = scenes_dataframe(LOCAL, thumbnails=lambda media, scene, start, end: f"{media}#{scene}@{start:g}-{end:g}")
    assert calls["thumbnail"].tolist() == ["med_b#1@0-1.2", "med_b#2@1.2-3", "med_a#1@0-1"]


def test_other_shapes_are_read_into_the_same_columns():
    cloud = [
        {"media_id": "v1", "scenes": [{"type": "Shot", "start": "0.5", "end": 2},
                                      {"type": "shot", "start_ms": 2000, "duration_ms": 500}]},
        {"id": "v2", "findings": [{"kind": "frozen", "start": 1, "duration": 0.25, "confidence": 0.9}]},
    ]
    frame = findings_dataframe(cloud)
    assert frame[["media", "kind", "start_s", "end_s", "duration_s"]].values.tolist() == [
        ["v1", "scene", 0.5, 2.0, 1.5], ["v1", "scene", 2.0, 2.5, 0.5], ["v2", "freeze", 1.0, 1.25, 0.25]
    ]
    assert frame["score"].tolist()[2] == 0.9
    assert scenes_dataframe(cloud)["scene"].tolist() == [1, 2]


def test_unreadable_entries_are_kept_raw():
    odd = {"m1": "analysis pending", "m2": {"summary": {"cuts": 3}},
           "m3": {"findings": [7, {"kind": "black"}, {"start": 1}, {"kind": " ", "start": 2}]}}
    frame = findings_dataframe(odd)
    assert frame["media"].tolist() == ["m1", "m2", "m3", "m3", "m3", "m3"]
    assert frame["raw"].tolist() == [
        "analysis pending", {"summary": {"cuts": 3}}, 7, {"kind": "black"}, {"start": 1}, {"kind": " ", "start": 2}
    ]
    assert frame["kind"].tolist()[3] == "black" and frame["start_s"].tolist()[4] == 1.0
    assert scenes_dataframe(odd).empty


def test_nothing_is_an_empty_frame_with_the_columns():
    for nothing in (None, {}, [], ""):
        assert list(findings_dataframe(nothing).columns) == FINDING_COLUMNS
        assert list(scenes_dataframe(nothing).columns) == SCENE_COLUMNS
    assert findings_dataframe(None).empty and scenes_dataframe({}).empty


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
    | st.sampled_from(["scene", "freeze", "1.5", "1e999", "nan", "start_s", "findings"]),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(
        st.sampled_from(["kind", "type", "start_s", "start", "end_s", "duration_s", "d", "st", "score",
                         "findings", "scenes", "media", "id", "x"]) | st.text(max_size=5),
        inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=120, deadline=None)
@given(_JSON)
def test_any_json_gives_the_documented_columns(data):
    frame = findings_dataframe(data)
    assert list(frame.columns) == FINDING_COLUMNS
    assert frame[["start_s", "end_s", "duration_s", "score"]].dtypes.eq("float64").all()
    assert all(kind is None or isinstance(kind, str) for kind in frame["kind"])
    scenes = scenes_dataframe(data, thumbnails={"0": ["t"]})
    assert list(scenes.columns) == SCENE_COLUMNS
    assert (scenes["scene"] >= 1).all()
    assert isinstance(scenes, pd.DataFrame)


def test_the_findings_picture_draws_one_bar_per_finding_on_a_shared_axis():
    from nemo_jupyter.findings import FindingsPlot

    frame = findings_dataframe({
        "med_a": {"findings": [{"kind": "scene", "start_s": 0, "end_s": 2}, {"kind": "scene", "start_s": 2, "end_s": 4},
                               {"kind": "freeze", "start_s": 3, "end_s": 4}]},
        "med_<b>": {"findings": [{"kind": "silence", "start_s": 0, "end_s": 1}, {"kind": "odd", "start_s": 0}]},
        "med_c": {"status": "running"},
    })
    plot = FindingsPlot(frame, width=420)
    svg = plot._repr_svg_()
    assert svg.count("<rect") == 4 and "odd" not in svg and "med_&lt;b&gt;" in svg  # unknown kinds and raw rows left out
    assert 'width="420"' in svg and ">4 s</text>" in svg
    bars = [float(x) for x in __import__("re").findall(r'<rect x="([\d.]+)"', svg)]
    assert bars[0] == bars[3] == 220.0 and bars[1] == bars[0] + (420 - 230) / 2  # scene 2 starts half way
    assert repr(plot) == "<clip analysis: 2 scene, 1 freeze, 1 silence in 2 clip(s)>"
    assert FindingsPlot(findings_dataframe({}))._repr_svg_().startswith("<svg")

"""parse_log: the detectors' log lines are read tolerantly (garbage, truncation, odd numbers)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from nemo_jupyter.local.media.analysis import parse_log

BANNER = """Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'x.mp4':
  Duration: 00:00:04.00, start: 0.000000, bitrate: 500 kb/s
  Stream #0:0[0x1](und): Video: h264 (High), yuv420p(progressive), 320x240, 25 fps, 25 tbr (default)
  Stream #0:1[0x2](und): Audio: aac (LC), 48000 Hz, mono, fltp (default)
"""


def kinds(result, kind):
    return [(f["start_s"], f["end_s"]) for f in result["findings"] if f["kind"] == kind]


def test_a_real_looking_log_is_read():
    log = BANNER + """[Parsed_scdet_0 @ 0x1] lavfi.scd.score: 28.412, lavfi.scd.time: 1
[Parsed_freezedetect_1 @ 0x2] lavfi.freezedetect.freeze_start: 2.5
[Parsed_blackdetect_2 @ 0x3] black_start:1 black_end:1.5 black_duration:0.5
[Parsed_silencedetect_0 @ 0x4] silence_start: 0.25
[Parsed_silencedetect_0 @ 0x4] silence_end: 0.75 | silence_duration: 0.5
[Parsed_ebur128_1 @ 0x5] Summary:
  Integrated loudness:
    I:         -22.2 LUFS
  Loudness range:
    LRA:         4.0 LU
  True peak:
    Peak:      -inf dBFS
"""
    result = parse_log(log)
    assert result["duration_s"] == 4.0 and result["cuts"] == [1.0]
    assert kinds(result, "scene") == [(0.0, 1.0), (1.0, 4.0)]
    assert kinds(result, "freeze") == [(2.5, 4.0)]  # still open at the end: closed at the duration
    assert kinds(result, "black") == [(1.0, 1.5)]
    assert kinds(result, "silence") == [(0.25, 0.75)]
    assert result["loudness"] == {"integrated_lufs": -22.2, "range_lu": 4.0, "true_peak_dbfs": None}
    json.dumps(result, allow_nan=False)  # -inf became None: the state stays strict JSON


def test_garbage_orphans_and_odd_numbers_are_skipped():
    log = BANNER + """garbage line ][ @@
[Parsed_freezedetect_1 @ 0x2] lavfi.freezedetect.freeze_end: 1.2
[Parsed_scdet_0 @ 0x1] lavfi.scd.score: nan, lavfi.scd.time: 2
[Parsed_scdet_0 @ 0x1] lavfi.scd.score: 30, lavfi.scd.time: 0
[Parsed_scdet_0 @ 0x1] lavfi.scd.score: 30, lavfi.scd.time: 9.5
[Parsed_scdet_0 @ 0x1] lavfi.scd.score: 15, lavfi.scd.time: 3
[Parsed_scdet_0 @ 0x1] lavfi.scd.score: 99, lavfi.scd.time: 3
[Parsed_silencedetect_0 @ 0x4] silence_start: -0.02
[Parsed_silencedetect_0 @ 0x4] silence_start: 0.5
[Parsed_silencedetect_0 @ 0x4] silence_end: 1.0 | silence_duration: 1.02
[Parsed_blackdetect_2 @ 0x3] black_start:3.98 black_end:3.99 black_duration:0.01
"""
    result = parse_log(log)
    assert result["cuts"] == [3.0]  # nan score, a cut at 0 and one past the end are ignored
    assert [f["score"] for f in result["findings"] if f["kind"] == "scene"] == [None, 15.0]
    assert kinds(result, "freeze") == []  # an end without a start
    assert kinds(result, "silence") == [(0.0, 1.0)]  # negative start clamped, repeated start ignored
    assert kinds(result, "black") == [(3.98, 4.0)]  # an end within a frame of the end is the end
    assert result["loudness"] == {"integrated_lufs": None, "range_lu": None, "true_peak_dbfs": None}


def test_an_empty_log_is_an_empty_analysis():
    result = parse_log("")
    assert result["duration_s"] == 0 and result["findings"] == [] and result["cuts"] == []
    assert result["has_video"] is False and result["has_audio"] is False and result["loudness"] is None


def test_duration_can_be_given_when_the_container_has_none():
    log = "[Parsed_blackdetect_2 @ 0x3] black_start:1 black_end:2 black_duration:1\n"
    result = parse_log(log, duration_s=3.0)
    assert kinds(result, "scene") == [(0.0, 3.0)] and kinds(result, "black") == [(1.0, 2.0)]


_DETECTOR_LINES = st.sampled_from(
    [
        "lavfi.scd.score: {a}, lavfi.scd.time: {b}",
        "lavfi.freezedetect.freeze_start: {a}",
        "lavfi.freezedetect.freeze_end: {a}",
        "black_start:{a} black_end:{b} black_duration:1",
        "silence_start: {a}",
        "silence_end: {a} | silence_duration: {b}",
        "Summary:\n    I: {a} LUFS\n    LRA: {b} LU\n    Peak: {a} dBFS",
        "  Duration: 00:00:0{a}, start: 0",
    ]
)
_NUMBERS = st.sampled_from(["0", "1", "2.5", "-1", "nan", "inf", "-inf", "1e3", "", "x", "4.00", "0.04"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.tuples(_DETECTOR_LINES, _NUMBERS, _NUMBERS).map(
    lambda t: t[0].format(a=t[1], b=t[2])), st.text(max_size=40)), max_size=25))
def test_any_log_parses_into_ordered_valid_findings(lines):
    result = parse_log(BANNER + "\n".join(lines))
    json.dumps(result, allow_nan=False)
    total = result["duration_s"]
    for finding in result["findings"]:
        assert finding["kind"] in {"scene", "freeze", "black", "silence"}
        assert 0 <= finding["start_s"] < finding["end_s"] <= total + 1e-9
    starts = [f["start_s"] for f in result["findings"]]
    assert starts == sorted(starts)
    scenes = [f for f in result["findings"] if f["kind"] == "scene"]
    assert scenes[0]["start_s"] == 0 and scenes[-1]["end_s"] == total
    assert all(a["end_s"] == b["start_s"] for a, b in zip(scenes, scenes[1:]))


def test_a_burst_of_cuts_is_one_cut():
    times = (0.04, 1.0, 1.04, 1.2, 2.0)
    burst = "".join(f"[Parsed_scdet_0 @ 0x1] lavfi.scd.score: 40, lavfi.scd.time: {t}\n" for t in times)
    assert parse_log(BANNER + burst)["cuts"] == [1.0, 2.0]  # flicker at the start and after 1 s dropped
    assert parse_log(BANNER + burst, {"scene_min_s": 0})["cuts"] == [0.04, 1.0, 1.04, 1.2, 2.0]

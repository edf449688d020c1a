"""analyze() on clips with faults at known times: findings match the truth within one frame / 50 ms."""

from __future__ import annotations

import subprocess
import threading
import time

import psutil
import pytest

from nemo_jupyter.local.media import MediaError
from nemo_jupyter.local.media.analysis import AnalysisCancelled, Thresholds, analyze
from nemo_jupyter.local.media.ffmpeg import base_args
from nemo_jupyter.local.media.samples import make_tone

TOLERANCE_S = 0.05  # one frame at 25 fps is 0.04 s
TONE_2S = [("tone", 2.0)]


def spans(result, kind):
    return [(f["start_s"], f["end_s"]) for f in result["findings"] if f["kind"] == kind]


def assert_spans(found, expected):
    assert len(found) == len(expected), f"found {found}, expected {expected}"
    for (start, end), (want_start, want_end) in zip(found, expected):
        assert start == pytest.approx(want_start, abs=TOLERANCE_S), (found, expected)
        assert end == pytest.approx(want_end, abs=TOLERANCE_S), (found, expected)


def test_hard_cut_splits_the_clip_into_two_scenes(fault_clip):
    result = analyze(fault_clip([("testsrc2", 1.2), ("testsrc", 0.8)], TONE_2S))
    assert result["cuts"] == [pytest.approx(1.2, abs=TOLERANCE_S)]
    assert_spans(spans(result, "scene"), [(0.0, 1.2), (1.2, 2.0)])
    first, second = [f for f in result["findings"] if f["kind"] == "scene"]
    assert first["score"] is None and second["score"] > result["thresholds"]["scene"]
    assert spans(result, "freeze") == spans(result, "black") == spans(result, "silence") == []


def test_frozen_tail_is_found_to_the_end(fault_clip):
    result = analyze(fault_clip([("testsrc2", 1.0), ("freeze", 0.8)], [("tone", 1.8)]))
    assert_spans(spans(result, "freeze"), [(1.0, 1.8)])
    assert result["duration_s"] == pytest.approx(1.8, abs=TOLERANCE_S)
    assert result["cuts"] == [] and spans(result, "black") == []


def test_black_second_is_found_and_not_reported_again_as_a_freeze(fault_clip):
    result = analyze(fault_clip([("testsrc2", 0.6), ("black", 1.0), ("testsrc", 0.4)], TONE_2S))
    assert_spans(spans(result, "black"), [(0.6, 1.6)])
    assert spans(result, "freeze") == []
    assert result["cuts"] == [pytest.approx(0.6, abs=TOLERANCE_S), pytest.approx(1.6, abs=TOLERANCE_S)]
    assert_spans(spans(result, "scene"), [(0.0, 0.6), (0.6, 1.6), (1.6, 2.0)])


def test_black_tail_reaches_the_end_of_the_clip(fault_clip):
    result = analyze(fault_clip([("testsrc2", 1.2), ("black", 0.8)], TONE_2S))
    assert_spans(spans(result, "black"), [(1.2, 2.0)])


def test_silent_stretch_is_found(fault_clip):
    result = analyze(fault_clip([("testsrc2", 2.0)], [("tone", 0.5), ("silence", 1.0), ("tone", 0.5)]))
    assert_spans(spans(result, "silence"), [(0.5, 1.5)])
    assert result["loudness"]["integrated_lufs"] < 0


def test_silent_tail_is_closed_at_the_end(fault_clip):
    result = analyze(fault_clip([("testsrc2", 2.0)], [("tone", 1.2), ("silence", 0.8)]))
    assert_spans(spans(result, "silence"), [(1.2, 2.0)])


def test_clean_clip_has_one_scene_and_no_faults(make_clip):
    result = analyze(make_clip(2.0))
    assert [f["kind"] for f in result["findings"]] == ["scene"]
    assert_spans(spans(result, "scene"), [(0.0, 2.0)])
    assert result["cuts"] == []
    loudness = result["loudness"]
    assert -40 < loudness["integrated_lufs"] < 0 and loudness["true_peak_dbfs"] <= 0
    assert result["has_video"] and result["has_audio"]


def test_clip_without_audio_has_no_loudness_and_no_silence(make_clip):
    result = analyze(make_clip(1.0, audio=False))
    assert result["has_audio"] is False and result["loudness"] is None
    assert spans(result, "silence") == []
    assert_spans(spans(result, "scene"), [(0.0, 1.0)])


def test_all_faults_in_one_clip_and_one_pass(fault_clip):
    clip = fault_clip(
        [("testsrc2", 1.0), ("testsrc", 0.6), ("black", 0.4), ("testsrc2", 0.6), ("freeze", 0.6)],
        [("tone", 1.2), ("silence", 0.8), ("tone", 1.2)],
    )
    result = analyze(clip)
    assert result["cuts"] == pytest.approx([1.0, 1.6, 2.0], abs=TOLERANCE_S)
    assert_spans(spans(result, "black"), [(1.6, 2.0)])
    assert_spans(spans(result, "freeze"), [(2.6, 3.2)])
    assert_spans(spans(result, "silence"), [(1.2, 2.0)])
    starts = [f["start_s"] for f in result["findings"]]
    assert starts == sorted(starts)
    for finding in result["findings"]:
        assert finding["duration_s"] == pytest.approx(finding["end_s"] - finding["start_s"], abs=1e-3)


def test_progress_rises_to_100(make_clip):
    seen = []
    analyze(make_clip(2.0), progress=seen.append)
    assert seen and seen[-1] == 100.0
    assert seen == sorted(seen) and all(0 <= p <= 100 for p in seen)


def test_cost_is_measured_against_the_clip_duration(make_clip):
    started = time.perf_counter()
    result = analyze(make_clip(2.0))
    elapsed = time.perf_counter() - started
    assert 0 < result["cost_s"] <= elapsed
    assert result["cost_ratio"] == pytest.approx(result["cost_s"] / result["duration_s"], rel=0.01)


def test_thresholds_change_what_is_found(fault_clip):
    clip = fault_clip([("testsrc2", 1.2), ("testsrc", 0.8)], TONE_2S)
    deaf = analyze(clip, thresholds={"scene": 100})
    assert deaf["cuts"] == [] and deaf["thresholds"]["scene"] == 100
    frozen = fault_clip([("testsrc2", 1.0), ("freeze", 0.8)], [("tone", 1.8)])
    assert spans(analyze(frozen, thresholds=Thresholds(freeze_min_s=1.5)), "freeze") == []


@pytest.mark.parametrize(
    "bad, message",
    [({"scene_cut": 5}, "unknown threshold scene_cut"), ({"scene": "high"}, "must be numbers"), (3, "mapping")],
)
def test_bad_thresholds_are_one_clear_line(bad, message):
    with pytest.raises((ValueError, TypeError)) as info:
        Thresholds.coerce(bad)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_missing_or_unreadable_file_is_one_clear_line(tmp_path):
    with pytest.raises(MediaError, match="no such media file: gone.mp4"):
        analyze(tmp_path / "gone.mp4")
    junk = tmp_path / "notes.mp4"
    junk.write_text("not a video")
    with pytest.raises(MediaError) as info:
        analyze(junk)
    assert "notes.mp4" in str(info.value) and "\n" not in str(info.value)


def test_a_file_that_states_no_duration_uses_the_decoded_time(tmp_path):
    clip = tmp_path / "streamed.webm"
    graph = "testsrc2=s=160x120:r=25:d=1.2[a];testsrc=s=160x120:r=25:d=0.8[b];[a][b]concat=n=2:v=1:a=0"
    with clip.open("wb") as out:  # written to a pipe, the muxer cannot go back to write the duration
        subprocess.run(base_args() + ["-filter_complex", graph, "-c:v", "libvpx", "-deadline", "realtime",
                                      "-f", "webm", "pipe:1"], stdout=out, stderr=subprocess.DEVNULL, check=True)
    result = analyze(clip)
    assert result["duration_s"] == pytest.approx(2.0, abs=TOLERANCE_S)
    assert_spans(spans(result, "scene"), [(0.0, 1.2), (1.2, 2.0)])


def test_an_audio_file_has_silence_and_loudness_but_no_scenes(tmp_path):
    tone = make_tone(tmp_path / "tone.m4a", seconds=1.5)
    result = analyze(tone)
    assert result["has_video"] is False and result["has_audio"] is True
    assert result["findings"] == [] and result["duration_s"] == pytest.approx(1.5, abs=TOLERANCE_S)
    assert result["loudness"]["integrated_lufs"] < 0


def test_cancel_stops_the_analysis_and_its_ffmpeg(make_clip):
    cancel = threading.Event()
    before = {child.pid for child in psutil.Process().children(recursive=True)}
    with pytest.raises(AnalysisCancelled, match="analysing .*: cancelled"):
        analyze(make_clip(2.0), progress=lambda percent: cancel.set(), cancel=cancel)
    assert {child.pid for child in psutil.Process().children(recursive=True)} <= before


def test_a_failing_progress_callback_leaves_no_ffmpeg_behind(make_clip):
    def broken(percent):
        raise RuntimeError("display gone")

    before = {child.pid for child in psutil.Process().children(recursive=True)}
    with pytest.raises(RuntimeError, match="display gone"):
        analyze(make_clip(2.0), progress=broken)
    assert {child.pid for child in psutil.Process().children(recursive=True)} <= before

"""Know a clip's faults: scene cuts, frozen frames, black frames, silence and loudness.

`analyze(path)` runs ffmpeg's own detectors in ONE decoding pass (`scdet`, `freezedetect`,
`blackdetect` on the video; `silencedetect`, `ebur128` on the audio) and turns their log lines into
findings. Parsing (`parse_log`) is pure and tolerant: unknown or garbled lines are skipped, an
interval still open at the end of the clip is closed at its duration.

Result (the `video_analyses[<media id>]` value of the local backend's state):

    {"duration_s", "has_video", "has_audio",
     "findings": [{"kind": "scene"|"freeze"|"black"|"silence", "start_s", "end_s", "duration_s",
                   "score"}],           # sorted by start; score: the cut's scdet score (0-100)
                                        # for a scene after a cut, else None
     "cuts": [<s>, ...],                # scene-cut times; the scenes are the spans between them
     "loudness": {"integrated_lufs", "range_lu", "true_peak_dbfs"} | None (no audio),
     "thresholds": {...}, "cost_s", "cost_ratio"}   # cost_ratio = analysis time / clip duration

A freeze that lies inside a black stretch is not reported twice: black frames are frozen too.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import FFmpegError, MediaError
from .ffmpeg import base_args, explain

_NUMBER = r"(-?(?:\d+(?:\.\d*)?|\.\d+)(?:e-?\d+)?|-?inf|nan)"
_DURATION = re.compile(r"Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)")
_STREAM = re.compile(r"^\s*Stream #\d+:\d+\S*:\s*(Video|Audio):", re.M)
_SCENE = re.compile(rf"lavfi\.scd\.score:\s*{_NUMBER},\s*lavfi\.scd\.time:\s*{_NUMBER}")
_EDGES = {
    "freeze": (re.compile(rf"freeze_start:\s*{_NUMBER}"), re.compile(rf"freeze_end:\s*{_NUMBER}")),
    "black": (re.compile(rf"black_start:\s*{_NUMBER}"), re.compile(rf"black_end:\s*{_NUMBER}")),
    "silence": (re.compile(rf"silence_start:\s*{_NUMBER}"), re.compile(rf"silence_end:\s*{_NUMBER}")),
}
_LOUDNESS = {
    "integrated_lufs": re.compile(rf"^\s*I:\s*{_NUMBER}\s*LUFS", re.M),
    "range_lu": re.compile(rf"^\s*LRA:\s*{_NUMBER}\s*LU\b", re.M),
    "true_peak_dbfs": re.compile(rf"^\s*Peak:\s*{_NUMBER}\s*dBFS", re.M),
}
_KIND_ORDER = {"scene": 0, "black": 1, "freeze": 2, "silence": 3}
_FPS = re.compile(r"Stream #\d+:\d+\S*:\s*Video:.*?(\d+(?:\.\d+)?) fps")
_SAME_TIME_S = 0.05  # "the same moment" when the frame rate is unknown


@dataclass(frozen=True)
class Thresholds:
    """Detector settings. Defaults suit short AI-generated clips (faults of a fraction of a second)."""

    scene: float = 10.0  # scdet score (0-100) above which a frame starts a new scene
    scene_min_s: float = 0.25  # a cut closer than this to the previous one (or the start) is flicker
    freeze_noise_db: float = -50.0  # frames closer than this count as frozen (-60 misses frozen keyframes)
    freeze_min_s: float = 0.4  # shortest freeze reported
    black_min_s: float = 0.1  # shortest black stretch reported
    black_pixel: float = 0.10  # luminance (0-1) at or below which a pixel is black
    black_picture: float = 0.98  # share of black pixels that makes a frame black
    silence_noise_db: float = -50.0  # audio quieter than this is silence
    silence_min_s: float = 0.5  # shortest silence reported

    @classmethod
    def coerce(cls, value: Thresholds | Mapping | None) -> Thresholds:
        """Thresholds from None (defaults), an instance, or a mapping of some fields."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if not isinstance(value, Mapping):
            raise TypeError(f"thresholds must be a Thresholds or a mapping, not {type(value).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"unknown threshold {', '.join(map(str, unknown))}: use {', '.join(sorted(known))}")
        try:
            return cls(**{name: float(v) for name, v in value.items()})
        except (TypeError, ValueError) as exc:
            raise ValueError(f"thresholds must be numbers: {exc}") from None

    def video_filters(self) -> str:
        return ",".join(
            [
                f"scdet=threshold={self.scene:g}",
                f"freezedetect=n={self.freeze_noise_db:g}dB:d={self.freeze_min_s:g}",
                f"blackdetect=d={self.black_min_s:g}:pix_th={self.black_pixel:g}:pic_th={self.black_picture:g}",
            ]
        )

    def audio_filters(self) -> str:
        # framelog=verbose keeps ebur128's 10-per-second lines out of the info log; the summary stays.
        silence = f"silencedetect=n={self.silence_noise_db:g}dB:d={self.silence_min_s:g}"
        return f"{silence},ebur128=peak=true:framelog=verbose"


def analysis_args(path: str | Path, thresholds: Thresholds) -> list[str]:
    """ffmpeg arguments (after the binary) for one pass of every detector, decoding to nowhere.

    `-vf`/`-af` apply only to streams that exist, so one command serves video, silent video and audio.
    """
    return ["-i", str(path), "-vf", thresholds.video_filters(), "-af", thresholds.audio_filters(), "-f", "null", "-"]


class AnalysisCancelled(MediaError):
    """The analysis was cancelled (e.g. the server is stopping)."""


def analyze(
    path: str | Path,
    progress: Callable[[float], None] | None = None,
    thresholds: Thresholds | Mapping | None = None,
    cancel: threading.Event | None = None,
) -> dict:
    """Analyse a media file in one ffmpeg pass; `progress(percent)` is called while it runs (0-100).

    Setting `cancel` stops ffmpeg within one progress period (0.5 s) and raises AnalysisCancelled.
    Raises MediaError (one line) for a missing or unreadable file.
    """
    path = Path(path)
    limits = Thresholds.coerce(thresholds)
    if not path.is_file():
        raise MediaError(f"no such media file: {path.name}")
    started = time.perf_counter()
    log, decoded_s = _run_detectors(analysis_args(path, limits), progress, cancel, what=f"analysing {path.name}")
    cost_s = time.perf_counter() - started
    result = parse_log(log, limits, duration_s=_container_duration(log) or decoded_s)
    result["cost_s"] = round(cost_s, 4)
    result["cost_ratio"] = round(cost_s / result["duration_s"], 4) if result["duration_s"] else None
    return result


def _run_detectors(
    args: list[str], progress: Callable[[float], None] | None, cancel: threading.Event | None, what: str
) -> tuple[str, float]:
    """Run ffmpeg, reporting percent done from `-progress pipe:1`.

    Returns its stderr (the detectors' log) and the time decoded (for files that state no duration).
    Unlike `ffmpeg.run_with_progress` (made for renders), this keeps the stderr: it is the result.
    """
    cmd = base_args() + ["-nostats", "-progress", "pipe:1", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
    lines: list[str] = []
    drain = threading.Thread(target=lines.extend, args=(proc.stderr,), daemon=True)
    drain.start()
    total = decoded_s = 0.0
    try:
        for line in proc.stdout:  # key=value lines, one block per update
            if cancel is not None and cancel.is_set():
                raise AnalysisCancelled(f"{what}: cancelled")
            key, _, value = line.strip().partition("=")
            if key != "out_time_us" or not value.isdigit():
                continue
            decoded_s = int(value) / 1e6
            total = total or _container_duration("".join(lines[:40]))  # the banner comes first
            if progress is not None and total:
                progress(min(99.9, decoded_s / total * 100.0))
        proc.wait()
    finally:  # cancelled, or the progress callback failed: no ffmpeg left behind
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        drain.join()
    stderr = "".join(lines)
    if proc.returncode != 0:
        raise FFmpegError(f"{what}: {explain(stderr)}")
    if progress is not None:
        progress(100.0)
    return stderr, decoded_s


def parse_log(log: str, thresholds: Thresholds | Mapping | None = None, duration_s: float | None = None) -> dict:
    """The analysis from ffmpeg's stderr of an `analysis_args` run (tolerant of anything else in it).

    `duration_s` overrides the container duration found in the log (used when it is missing).
    """
    limits = Thresholds.coerce(thresholds)
    total = duration_s if duration_s is not None else _container_duration(log)
    streams = {m[1] for m in _STREAM.finditer(log)}
    frame_s = _frame_s(log)
    cut_scores = _cut_scores(log, total, limits.scene_min_s)
    spans = {kind: _spans(log, kind, total, frame_s) for kind in _EDGES}
    spans["freeze"] = [s for s in spans["freeze"] if not any(_inside(s, black, frame_s) for black in spans["black"])]
    has_video = "Video" in streams or bool(cut_scores or spans["freeze"] or spans["black"])
    has_audio = "Audio" in streams or "Summary:" in log
    scenes = _scenes(cut_scores, total) if has_video else []  # an audio file has no scenes
    findings = [_finding("scene", start, end, score) for start, end, score in scenes]
    findings += [_finding(kind, start, end) for kind, found in spans.items() for start, end in found]
    findings.sort(key=lambda f: (f["start_s"], _KIND_ORDER[f["kind"]]))
    return {
        "duration_s": round(total, 3),
        "has_video": has_video,
        "has_audio": has_audio,
        "findings": findings,
        "cuts": [round(t, 3) for t in cut_scores],
        "loudness": _loudness(log) if has_audio else None,
        "thresholds": dataclasses.asdict(limits),
    }


def _container_duration(log: str) -> float:
    match = _DURATION.search(log)
    if not match:
        return 0.0
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _frame_s(log: str) -> float:
    """One frame's duration (with a little slack), or the default "same moment" span."""
    match = _FPS.search(log)
    fps = float(match[1]) if match else 0.0
    return max(_SAME_TIME_S, 1.0 / fps + 1e-3) if fps > 0 else _SAME_TIME_S


def _number(text: str) -> float | None:
    value = float(text)
    return value if value == value and abs(value) != float("inf") else None


def _cut_scores(log: str, total: float, min_scene_s: float) -> dict[float, float]:
    """Cut time -> scdet score, for cuts strictly inside the clip, each at least `min_scene_s`
    after the one before (or the start): of a burst of cuts, the first is kept."""
    reported: dict[float, float] = {}
    for match in _SCENE.finditer(log):
        score, at = _number(match[1]), _number(match[2])
        if score is None or at is None or at <= 0 or (total and at >= total):
            continue
        reported.setdefault(at, score)
    cuts, previous = {}, 0.0
    for at, score in sorted(reported.items()):
        if at - previous >= min_scene_s:
            cuts[at], previous = score, at
    return cuts


def _scenes(cut_scores: dict[float, float], total: float) -> list[tuple[float, float, float | None]]:
    """The spans between cuts: (start, end, score of the cut that opens it; None for the first)."""
    if not total and not cut_scores:
        return []
    starts = [(0.0, None), *cut_scores.items()]
    ends = [t for t, _ in starts[1:]] + [max(total, starts[-1][0])]
    return [(start, end, score) for (start, score), end in zip(starts, ends) if end > start]


def _spans(log: str, kind: str, total: float, frame_s: float) -> list[tuple[float, float]]:
    """(start, end) pairs of one detector, in log order.

    An open start is closed at `total`; an end within a frame of `total` (detectors stamp the last
    frame's start) is moved to `total`, so "to the end" means the end.
    """
    start_re, end_re = _EDGES[kind]
    edges = sorted(
        [(m.start(), "start", m[1]) for m in start_re.finditer(log)]
        + [(m.start(), "end", m[1]) for m in end_re.finditer(log)]
    )
    spans, open_at = [], None
    for _, edge, text in edges:
        at = _number(text)
        if at is None:
            continue
        at = max(0.0, at)
        if edge == "start":
            if open_at is None:
                open_at = at
        elif open_at is not None:  # an end without a start is noise: skipped
            spans.append((open_at, at))
            open_at = None
    if open_at is not None and total > open_at:
        spans.append((open_at, total))
    if total:
        spans = [(start, total if end >= total - frame_s else end) for start, end in spans]
    return [(start, end) for start, end in spans if end > start]


def _inside(span: tuple[float, float], outer: tuple[float, float], slack: float) -> bool:
    return span[0] >= outer[0] - slack and span[1] <= outer[1] + slack


def _finding(kind: str, start: float, end: float, score: float | None = None) -> dict:
    return {
        "kind": kind,
        "start_s": round(start, 3),
        "end_s": round(end, 3),
        "duration_s": round(end - start, 3),
        "score": None if score is None else round(score, 3),
    }


def _loudness(log: str) -> dict:
    """ebur128's summary (the last one in the log); values it did not print, or -inf, are None."""
    summary = log.rsplit("Summary:", 1)[1] if "Summary:" in log else ""
    values = {}
    for name, pattern in _LOUDNESS.items():
        match = pattern.search(summary)
        values[name] = _number(match[1]) if match else None
    return values

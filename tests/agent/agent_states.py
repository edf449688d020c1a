"""Hand-made drafts and states for the agent's tests (no I/O); imported by the test modules."""

from __future__ import annotations

from nemo_jupyter.local.agent import ops
from nemo_jupyter.local.agent.ops import main_video_track


def make_draft(*lengths_ms: int) -> dict:
    """A draft with one video track holding clips of the given lengths, end to end."""
    segments, start = [], 0
    for number, length in enumerate(lengths_ms, 1):
        segments.append({"id": f"seg_{number}", "st": start, "d": length, "src": f"med_{number}", "in": 0,
                         "m": {"name": f"clip{number}.mp4"}})
        start += length
    return {"d": start, "m": {}, "t": [{"id": "trk_v", "tt": 0, "m": {"name": "Video"}, "sg": segments}]}


def make_state(*lengths_ms: int, audio: tuple[str, ...] = ("song.mp3",), analyses: dict | None = None) -> dict:
    media = [{"id": f"med_{n}", "name": f"clip{n}.mp4", "type": "video", "url": "", "d": d, "width": 320,
              "height": 240, "fps": 25.0, "has_audio": True} for n, d in enumerate(lengths_ms, 1)]
    media += [{"id": f"med_audio{n}", "name": name, "type": "audio", "url": "", "d": 60000, "width": None,
               "height": None, "fps": None, "has_audio": True} for n, name in enumerate(audio, 1)]
    return {"draft": make_draft(*lengths_ms), "video_infos": media,
            "canvas_config": {"width": 1920, "height": 1080, "fps": 30}, "video_analyses": analyses or {}}


def ids(draft: dict) -> list[str]:
    return [s["id"] for s in main_video_track(draft)["sg"]]


def spans(draft: dict) -> list[tuple[int, int, int]]:
    """(st, d, in) of every scene."""
    return [(s["st"], s["d"], s["in"]) for s in main_video_track(draft)["sg"]]


def check_invariants(draft: dict) -> None:
    """The rules every operation keeps (see ops.py): contiguous scenes, `d`, clipped overlays, unique ids."""
    position = 0
    for segment in ops.scenes(draft):
        assert segment["st"] == position and segment["d"] >= ops.MIN_SEGMENT_MS
        position += segment["d"]
    ends = [s["st"] + s["d"] for track in draft["t"] for s in track["sg"]]
    assert draft["d"] == (position if ops.scenes(draft) else max(ends, default=0))
    for track in draft["t"]:
        for segment in track["sg"]:
            assert segment["st"] + segment["d"] <= draft["d"] or not ops.scenes(draft)
            assert ("src" in segment) == (track["tt"] != 7)
    all_ids = [s["id"] for t in draft["t"] for s in t["sg"]] + [t["id"] for t in draft["t"]]
    assert len(all_ids) == len(set(all_ids))

"""Draft operations for layers (pure, like `ops.py`, and kept by its invariants in `_settle`).

- Overlays are segments of video tracks (`tt` 0) after the main one, painted in track order (later
  above earlier): a logo goes on a new track named "Logo" on top of everything, a picture in
  picture on a track named "Overlay" just under the logos. Their `m` keys: `position`
  (`POSITIONS`), `size` (fraction of the canvas width), optional `opacity`, fades.
- A transition is `m.transition = {"type": "crossfade" | "dip_to_black", "ms"}` on the scene after
  the cut (the renderer's form, `media/transitions.py`).
- Music segments take `loop` (repeat to the end of the video) and `duck` (quieter under speech).
"""

from __future__ import annotations

import math

from ...protocol import TRACK_VIDEO
from ..media.transitions import DEFAULT_TRANSITION_MS, handles
from .ops import _meta, _pure, _video, extend_to_end, main_video_track, music_segments, new_id, scene_index
from .speech import EditError

OVERLAY_TRACK_NAME = "Overlay"
LOGO_TRACK_NAME = "Logo"
POSITIONS = ("top_left", "top_right", "bottom_left", "bottom_right", "center")
DEFAULT_LOGO_SIZE = 0.15
DEFAULT_PIP_SIZE = 0.35
SIZE_RANGE = (0.02, 1.0)
MAX_TRANSITION_MS = 5000
MUSIC_SETTINGS = ("loop", "duck")


def overlay_tracks(draft: dict) -> list[dict]:
    """Every video track above the main one, in paint order."""
    main = main_video_track(draft)
    return [t for t in draft.get("t") or [] if t.get("tt") == TRACK_VIDEO and t is not main]


def _check_overlay(draft: dict, position: str, size: float) -> None:
    scene_index(draft, 1)  # raises when the timeline has no scenes yet
    if position not in POSITIONS:
        raise EditError(f"Position must be one of {', '.join(POSITIONS)}.", f"位置必须是 {', '.join(POSITIONS)} 之一。")
    low, high = SIZE_RANGE
    if not low <= size <= high:
        raise EditError(f"Size must be between {low:.0%} and {high:.0%} of the width.",
                        f"大小必须在画面宽度的{low:.0%}到{high:.0%}之间。")


@_pure
def add_overlay(draft: dict, media: dict, position: str = "top_right", size: float = DEFAULT_LOGO_SIZE) -> None:
    """An uploaded image (or clip, as far as it goes) over the whole video, on a new top "Logo" track."""
    _check_overlay(draft, position, size)
    length = int(draft["d"])
    if media.get("type") == "video":
        length = min(length, int(media.get("d") or 0))
    draft["t"].append({"id": new_id("trk"), "tt": TRACK_VIDEO, "m": {"name": LOGO_TRACK_NAME}, "sg": [{
        "id": new_id("seg"), "st": 0, "d": length, "src": media["id"], "in": 0,
        "m": {"name": media.get("name") or media["id"], "position": position, "size": size},
    }]})


@_pure
def picture_in_picture(draft: dict, scene: int, position: str = "bottom_right", size: float = DEFAULT_PIP_SIZE) -> None:
    """Scene `scene` leaves the main track and plays over the scene before it (the first: the next one),
    from that scene's start, on an "Overlay" track under any logos."""
    _check_overlay(draft, position, size)
    segments = _video(draft)
    index = scene_index(draft, scene)
    if len(segments) < 2:
        raise EditError("Picture in picture needs another scene to play over, and the timeline has only one.",
                        "画中画需要另一段作为底层画面，但时间线上只有一段。")
    segment = segments.pop(index)
    segment["st"] = sum(int(s["d"]) for s in segments[: max(0, index - 1)])
    meta = _meta(segment)
    for key in ("transition", "fit"):
        meta.pop(key, None)
    meta.update(position=position, size=size)
    track = {"id": new_id("trk"), "tt": TRACK_VIDEO, "m": {"name": OVERLAY_TRACK_NAME}, "sg": [segment]}
    logos = [i for i, t in enumerate(draft["t"]) if t.get("tt") == TRACK_VIDEO and (t.get("m") or {}).get("name") == LOGO_TRACK_NAME]
    videos = [i for i, t in enumerate(draft["t"]) if t.get("tt") == TRACK_VIDEO]
    draft["t"].insert(logos[0] if logos else videos[-1] + 1, track)


def room_for_transition(segments: list[dict], media: dict[str, dict], cut: int, ms: int) -> tuple[int, int, int]:
    """(half the transition, ms to cut off the end of the scene before cut `cut`, ms off the start of
    the scene after it): what it takes to give each side `half` of footage beyond its edge.

    `cut` is the 0-based index of the scene after the cut. A half is at most a quarter of either
    scene, so once cut at both of its edges a scene still holds both halves in full
    (`media/transitions.py` renders at most half a scene on each side).
    """
    before, after = segments[cut - 1], segments[cut]
    half = min(ms // 2, int(before["d"]) // 4, int(after["d"]) // 4)
    tail = handles(media.get(before.get("src")), int(before.get("in", 0)), int(before["d"]), _speed(before))[1]
    lead = handles(media.get(after.get("src")), int(after.get("in", 0)), int(after["d"]), _speed(after))[0]
    return half, _short(half, tail), _short(half, lead)


def _short(half: int, handle: float) -> int:
    return 0 if handle >= half else math.ceil(half - handle)


def _speed(segment: dict) -> float:
    return float((segment.get("m") or {}).get("speed") or 1.0)


@_pure
def set_transition(draft: dict, scene: int, kind: str | None, ms: int = DEFAULT_TRANSITION_MS) -> None:
    """The transition at the cut before scene `scene` (2 or later); `kind` None removes it."""
    index = scene_index(draft, scene)
    if index == 0:
        raise EditError("Scene 1 has no cut before it: name the two scenes, e.g. crossfade between scene 1 and 2.",
                        "第1段前面没有剪辑点：请说出两段，例如“在第1段和第2段之间加交叉淡化”。")
    meta = _meta(_video(draft)[index])
    if kind is None:
        meta.pop("transition", None)
    else:
        meta["transition"] = {"type": kind, "ms": int(ms)}


@_pure
def set_music(draft: dict, key: str, on: bool = True) -> None:
    """Turn a music setting (`MUSIC_SETTINGS`) on or off; looping music runs to the end of the video."""
    found = music_segments(draft)
    if not found:
        raise EditError("There is no background music yet: add music first, e.g. add music song.mp3.",
                        "还没有背景音乐：请先添加，例如“添加背景音乐 song.mp3”。")
    for segment in found:
        if on:
            _meta(segment)[key] = True
        else:
            _meta(segment).pop(key, None)
        if key == "loop" and on:
            segment["d"] = int(draft["d"]) - int(segment.get("st", 0))


@_pure
def extend_overlays(draft: dict, old_total_ms: int, source_ms: dict[str, int]) -> None:
    """Overlays that lasted to the old end of the video last to its new end (a clip, as far as it goes)."""
    def room(segment: dict) -> float:
        length = source_ms.get(segment.get("src"))
        return math.inf if length is None else length - int(segment.get("in", 0)) - int(segment["d"])

    extend_to_end(draft, old_total_ms, [s for t in overlay_tracks(draft) for s in t.get("sg") or []], room)

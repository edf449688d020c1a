"""Transitions at a cut: how a draft names them, and how long they can be (pure).

A transition lives on the segment *after* the cut: `m.transition = {"type": "crossfade" |
"dip_to_black", "ms": 500}` (`glsl_cross_dissolve`, the cloud's Draft V3 name, is a crossfade).
It is centred on the cut and consumes source handles; the clips still abut and the timeline keeps
its length:

- the outgoing clip plays on past its out point for half the transition (its "tail"), the incoming
  one starts half the transition before its in point (its "lead"), and the two halves overlap;
- each half is at most the handle that side has (source before the in point, after the out point,
  in timeline time at the clip's speed; stills and black gaps have endless handles) and at most
  half of either clip, so two transitions never meet inside a clip; a transition whose half would
  be 0 is dropped.

`handles(...)` is the one rule for how much footage a clip has beyond its ends; the agent uses it
to say (and make room) when a clip has too little.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

CROSSFADE = "crossfade"
DIP_TO_BLACK = "dip_to_black"
DEFAULT_TRANSITION_MS = 500
# draft names -> ours; the renderer's ffmpeg xfade transition for each of ours
TRANSITION_NAMES = {
    "crossfade": CROSSFADE, "cross_dissolve": CROSSFADE, "dissolve": CROSSFADE, "glsl_cross_dissolve": CROSSFADE,
    "dip_to_black": DIP_TO_BLACK, "fade_to_black": DIP_TO_BLACK, "fadeblack": DIP_TO_BLACK,
}
XFADE = {CROSSFADE: "fade", DIP_TO_BLACK: "fadeblack"}


def read_transition(m: Mapping) -> tuple[str | None, int]:
    """(our type, requested ms) of a segment's `m.transition`; (None, 0) when it has none we know."""
    spec = m.get("transition")
    if isinstance(spec, str):
        spec = {"type": spec}
    if not isinstance(spec, Mapping):
        return None, 0
    kind = TRANSITION_NAMES.get(str(spec.get("type", "")).lower())
    try:
        ms = round(float(spec.get("ms", spec.get("d", DEFAULT_TRANSITION_MS))))
    except (TypeError, ValueError):
        ms = DEFAULT_TRANSITION_MS
    return (kind, ms) if kind and ms > 0 else (None, 0)


def handles(src: Mapping | None, in_ms: float, dur_ms: float, speed: float = 1.0) -> tuple[float, float]:
    """Timeline ms of footage a clip has before its in point and after its out point."""
    if src is None or src.get("type") == "image":
        return math.inf, math.inf
    total = float(src.get("d") or 0)
    before = max(0.0, in_ms / speed)
    after = max(0.0, (total - in_ms - dur_ms * speed) / speed) if total else 0.0
    return before, after


def half_length(requested_ms: int, outgoing: tuple[float, float], incoming: tuple[float, float]) -> int:
    """Half of the transition as rendered: `outgoing`/`incoming` are (handle, clip length) of each side."""
    (out_handle, out_ms), (in_handle, in_ms) = outgoing, incoming
    return int(max(0, min(requested_ms // 2, out_handle, in_handle, out_ms // 2, in_ms // 2)))

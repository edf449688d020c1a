"""The compositing stage's filters: overlays, transitions, looping and ducked sounds (pure text).

`graph._GraphBuilder` wires these into its one filter graph:

- an overlay's picture is scaled to `size` × the canvas width, given an alpha plane (for its
  fades and `opacity`), delayed to its start and painted with `overlay=…:eof_action=pass`, so the
  layer below shows again when it ends; a still without fades (a logo) is read, scaled and
  converted once, and painted over its time range (`enable`);
- clips joined by a transition go through `xfade` (video, `fade` or `fadeblack`) and `acrossfade`
  (sound) over the transition's length, centred on the cut;
- a looping sound is its file split into enough copies, each joined to the next by a short
  `acrossfade`; a ducked sound goes through `sidechaincompress` keyed by the clips' own sound.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from .presets import Canvas
from .sources import is_animated, retime
from .sources import seconds as _s
from .timeline import Overlay, Sound, _number
from .transitions import XFADE

MARGIN = 0.04  # of the canvas's shorter side, between a corner overlay and the edges
LOOP_CROSSFADE_MS = 250  # at each loop of a looping sound (at most a quarter of the sound)
# above -34 dBFS of the clips' own sound a ducked sound is compressed 8:1 (its level drops by over 6 dB
# under a speech-loud clip); it comes back within ~0.4 s after
DUCK = "sidechaincompress=threshold=0.02:ratio=8:attack=20:release=400:knee=4"
_CORNERS = {
    "top_left": ("{m}", "{m}"), "top_right": ("W-w-{m}", "{m}"), "bottom_left": ("{m}", "H-h-{m}"),
    "bottom_right": ("W-w-{m}", "H-h-{m}"), "center": ("(W-w)/2", "(H-h)/2"),
    "top": ("(W-w)/2", "{m}"), "bottom": ("(W-w)/2", "H-h-{m}"), "left": ("{m}", "(H-h)/2"), "right": ("W-w-{m}", "(H-h)/2"),
}


def corner(position) -> str:
    """A position's canonical name: "top right", "top-right", "TopRight" -> "top_right" (else "center")."""
    name = "".join(ch if ch.isalpha() else "_" for ch in str(position).lower()).strip("_")
    name = {"topright": "top_right", "topleft": "top_left", "bottomright": "bottom_right",
            "bottomleft": "bottom_left", "centre": "center", "middle": "center"}.get(name.replace("_", ""), name)
    name = "_".join(part for part in name.split("_") if part)
    return name if name in _CORNERS else "center"


def is_still(overlay: Overlay) -> bool:
    """One picture for the whole time: it needs one decode, not one per frame."""
    src = overlay.src
    return src.get("type") == "image" and not is_animated(src) and not (overlay.fade_in_ms or overlay.fade_out_ms)


def overlay_at(overlay: Overlay, canvas: Canvas) -> str:
    """The `overlay` filter that paints this layer at its position (centre of `{"x","y"}` fractions)."""
    position = overlay.position
    if isinstance(position, Mapping):
        fx, fy = (fraction(position.get(k)) for k in ("x", "y"))
        x, y = f"W*{fx:g}-w/2", f"H*{fy:g}-h/2"
    else:
        m = round(MARGIN * min(canvas.width, canvas.height))
        x, y = (part.format(m=m) for part in _CORNERS[corner(position)])
    if is_still(overlay):
        start, end = overlay.start_ms / 1000, (overlay.start_ms + overlay.dur_ms) / 1000
        return f"overlay=x={x}:y={y}:enable='gte(t,{start:g})*lt(t,{end:g})'"
    return f"overlay=x={x}:y={y}:eof_action=pass"


def overlay_filters(overlay: Overlay, canvas: Canvas) -> list[str]:
    """The layer's own chain: its time from 0, scaled, alpha, exact length, fades, then delayed to its start."""
    width = max(2, round(canvas.width * overlay.size / 2) * 2)
    filters = [retime(overlay.speed)]
    if is_still(overlay):
        return [*filters, _scale(width), "setsar=1", "format=yuva420p", *_opacity(overlay),
                f"setpts=PTS+{_s(overlay.start_ms)}/TB"]
    filters += [_scale(width), "setsar=1", f"fps={canvas.fps:g}", "format=yuva420p"]
    filters += [f"tpad=stop_mode=clone:stop_duration={_s(overlay.dur_ms)}", f"trim=duration={_s(overlay.dur_ms)}"]
    if overlay.fade_in_ms:
        filters.append(f"fade=t=in:st=0:d={_s(overlay.fade_in_ms)}:alpha=1")
    if overlay.fade_out_ms:
        filters.append(f"fade=t=out:st={_s(overlay.dur_ms - overlay.fade_out_ms)}:d={_s(overlay.fade_out_ms)}:alpha=1")
    filters += _opacity(overlay)
    filters.append(f"setpts=PTS+{_s(overlay.start_ms)}/TB")
    return filters


def _scale(width: int) -> str:
    """To `width` px wide, the height by the picture's display aspect ratio (its pixels' shape applied)."""
    return f"scale={width}:'2*max(1,round({width}*ih/(iw*sar)/2))'"


def _opacity(overlay: Overlay) -> list[str]:
    return [f"lut=a=val*{overlay.opacity:g}"] if overlay.opacity < 1 else []


def xfade(kind: str, frames: int, first_frame: int, fps: float) -> str:
    """Blend `frames` frames from frame `first_frame` of the output on (both whole frames of `fps`)."""
    return f"xfade=transition={XFADE[kind]}:duration={frames / fps:.6f}:offset={first_frame / fps:.6f}"


def acrossfade(samples: int) -> str:
    return f"acrossfade=ns={samples}:c1=tri:c2=tri"


def loop_copies(sound: Sound) -> tuple[int, int]:
    """(copies of the sound's file, crossfade ms at each loop) a looping sound needs; (1, 0) when it fits."""
    piece = int(sound.src.get("d") or 0) - sound.in_ms
    if not sound.loop or piece <= 0 or piece >= sound.dur_ms:
        return 1, 0
    fade = min(LOOP_CROSSFADE_MS, piece // 4)
    return 1 + math.ceil((sound.dur_ms - piece) / (piece - fade)), fade


def fraction(value, default: float = 0.5) -> float:
    """A position's fraction of the canvas, within 0..1 (`default` when it is not a number)."""
    return _number(value, default, 0.0, 1.0)

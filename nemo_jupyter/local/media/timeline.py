"""Read a [local] draft (PROTOCOL.md) into the plain pieces the renderer draws.

Pure and tolerant: unknown keys are ignored, missing `st` means "right after the previous
segment", missing `in` means 0. Errors a user can cause (unknown media, a draft with nothing in it)
raise DraftError (a RenderError that a retry cannot fix) with one line.

Segment `m` keys the renderer reads (all optional):

- every segment: `volume` (0..1, values above 2 are read as percent), `muted`/`mute`,
  `fade_in_ms`, `fade_out_ms` (or `fade_in`/`fade_out` in ms)
- video/image segments: `speed` (>0, 2 = twice as fast), `fit`: "contain" (scale + pad, default)
  | "cover" (scale + crop) | "stretch"; "pad"/"crop" are read as contain/cover
- text segments: `text`, `position` ("top" | "center" | "bottom", or {"x": 0..1, "y": 0..1} for
  the text's centre), `size` (font px on a 1080-px canvas; scaled to the real one), `color`
  (an ffmpeg colour: name or #RRGGBB), `font` ("bold" | "regular"), `box` (a dark band behind);
  `style` "caption" changes the defaults to size 48 with a box (a title: 72, no box)
- main-track segments: `transition` {"type": "crossfade" | "dip_to_black", "ms"} at the cut before
  them (transitions.py)
- overlay segments (later `tt` 0 tracks): `position` ("top_left" | "top_right" | "bottom_left" |
  "bottom_right" | "center", or {"x", "y"} fractions for the layer's centre), `size` (the layer's
  width as a fraction of the canvas width, default 1), `opacity` (0..1), fades, `volume`, `speed`
- audio segments: `loop` (true: the sound repeats to the timeline's end), `duck` (true: it is
  compressed under the clips' own sound)

The main video track is the first track with `tt` 0 that has segments; gaps in it are black.
Every later `tt` 0 track with segments is an overlay layer painted above it (later above earlier);
a video overlay's sound (at speed 1) is mixed in like a sound.
A fade in on the first clip or out on the last is a fade of the whole video: sounds that play at
that edge fade with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from ...protocol import TRACK_AUDIO, TRACK_TEXT, TRACK_VIDEO
from .errors import DraftError
from .transitions import half_length, handles, read_transition

# font px on a 1080-px canvas when a text segment names no `size`, by its `style` (anything else: a title)
DEFAULT_TEXT_SIZE = {"title": 72, "caption": 48}
FITS = {"contain": "contain", "pad": "contain", "cover": "cover", "crop": "cover", "stretch": "stretch"}


@dataclass(frozen=True)
class Clip:
    """A piece of the main video track; `src` None is a black gap."""

    start_ms: int
    dur_ms: int
    src: Mapping | None = None
    in_ms: int = 0
    speed: float = 1.0
    fit: str = "contain"
    volume: float = 1.0
    fade_in_ms: int = 0
    fade_out_ms: int = 0
    transition: str | None = None  # the transition at the cut before this clip (transitions.py)
    transition_ms: int = 0  # its length: as asked in the draft, then as rendered once handles are known
    lead_ms: int = 0  # footage shown before `start_ms` (before the in point), for the transition into it
    tail_ms: int = 0  # footage shown after its end (past the out point), for the transition out of it

    def with_handles(self) -> Clip:
        """The clip widened by its lead and tail: the footage its chain in the graph plays."""
        if not (self.lead_ms or self.tail_ms):
            return self
        return replace(self, start_ms=self.start_ms - self.lead_ms, in_ms=max(0, round(self.in_ms - self.lead_ms * self.speed)),
                       dur_ms=self.lead_ms + self.dur_ms + self.tail_ms, lead_ms=0, tail_ms=0)


@dataclass(frozen=True)
class Overlay:
    """A segment of an overlay track (a later `tt` 0 track): a picture painted over the main video."""

    start_ms: int
    dur_ms: int
    src: Mapping
    layer: int  # 1 for the first overlay track, 2 above it, ...
    in_ms: int = 0
    speed: float = 1.0
    position: object = "center"
    size: float = 1.0  # the layer's width as a fraction of the canvas width
    opacity: float = 1.0
    volume: float = 1.0  # of a video overlay's own sound
    fade_in_ms: int = 0
    fade_out_ms: int = 0


@dataclass(frozen=True)
class Caption:
    start_ms: int
    dur_ms: int
    text: str
    position: object = "center"
    size: float = float(DEFAULT_TEXT_SIZE["title"])
    color: str = "white"
    font: str = "bold"
    box: bool = False


@dataclass(frozen=True)
class Sound:
    """A piece of an audio track (music, voice-over, or a video file's sound)."""

    start_ms: int
    dur_ms: int
    src: Mapping
    in_ms: int = 0
    volume: float = 1.0
    fade_in_ms: int = 0
    fade_out_ms: int = 0
    loop: bool = False  # repeats (with a short crossfade at each loop) to the timeline's end
    duck: bool = False  # compressed under the clips' own sound


@dataclass(frozen=True)
class Timeline:
    clips: tuple[Clip, ...]
    captions: tuple[Caption, ...]
    sounds: tuple[Sound, ...]
    duration_ms: int
    overlays: tuple[Overlay, ...] = ()  # in paint order: lower layers first


def read_timeline(draft: Mapping, media: Mapping[str, Mapping]) -> Timeline:
    """The draft's main video track (gaps filled), captions and sounds, cut to the video's length."""
    tracks = [t for t in (draft or {}).get("t") or [] if isinstance(t, Mapping)]
    video_tracks = [t for t in tracks if _track_type(t) == TRACK_VIDEO and _segments(t)]
    clips = _with_transitions(_read_clips(video_tracks[0], media)) if video_tracks else ()
    overlays = tuple(o for layer, t in enumerate(video_tracks[1:], 1) for o in _read_overlays(t, media, layer))
    captions = tuple(c for t in tracks if _track_type(t) == TRACK_TEXT for c in _read_captions(t))
    sounds = tuple(s for t in tracks if _track_type(t) == TRACK_AUDIO for s in _read_sounds(t, media))
    sounds += tuple(_overlay_sound(o) for o in overlays if _has_sound(o))
    if clips:
        duration = clips[-1].start_ms + clips[-1].dur_ms
    else:
        ends = [p.start_ms + p.dur_ms for p in (*captions, *sounds, *overlays)]
        duration = max(ends, default=0)
    if duration <= 0:
        raise DraftError("the draft has nothing to render: add a clip to its video track first")
    captions = tuple(c for c in captions if c.start_ms < duration)
    sounds = tuple(_with_edge_fades(_looped(s, duration), clips, duration) for s in sounds if s.start_ms < duration)
    overlays = tuple(replace(o, dur_ms=min(o.dur_ms, duration - o.start_ms)) for o in overlays if o.start_ms < duration)
    return Timeline(clips, captions, sounds, duration, overlays)


def _looped(sound: Sound, duration: int) -> Sound:
    """A looping sound plays to the timeline's end, whatever its own `d`."""
    return replace(sound, dur_ms=duration - sound.start_ms) if sound.loop else sound


def _with_transitions(clips: tuple[Clip, ...]) -> tuple[Clip, ...]:
    """Each transition at the length its clips' handles allow (transitions.py), as lead/tail footage."""
    clips = list(clips)
    for i in range(1, len(clips)):
        before, after = clips[i - 1], clips[i]
        if not after.transition:
            continue
        half = half_length(
            after.transition_ms,
            (handles(before.src, before.in_ms, before.dur_ms, before.speed)[1], before.dur_ms),
            (handles(after.src, after.in_ms, after.dur_ms, after.speed)[0], after.dur_ms),
        )
        if half:
            clips[i - 1] = replace(before, tail_ms=half)
            clips[i] = replace(after, transition_ms=2 * half, lead_ms=half)
        else:
            clips[i] = replace(after, transition=None, transition_ms=0)
    if clips and clips[0].transition:
        clips[0] = replace(clips[0], transition=None, transition_ms=0)
    return tuple(clips)


def _with_edge_fades(sound: Sound, clips: tuple[Clip, ...], duration: int) -> Sound:
    """A sound playing at the video's start or end takes the video's fade there (unless it has its own)."""
    if not clips:
        return sound
    changes = {}
    first, last = clips[0], clips[-1]
    if first.fade_in_ms and sound.start_ms == 0 and not sound.fade_in_ms:
        changes["fade_in_ms"] = min(first.fade_in_ms, sound.dur_ms)
    if last.fade_out_ms and sound.start_ms + sound.dur_ms >= duration and not sound.fade_out_ms:
        # the sound is cut at the video's end: fade out over the last stretch before that cut
        audible = duration - sound.start_ms
        changes["dur_ms"] = audible
        changes["fade_out_ms"] = min(last.fade_out_ms, audible)
    return replace(sound, **changes) if changes else sound


def _track_type(track: Mapping) -> int | None:
    try:
        return int(track.get("tt"))
    except (TypeError, ValueError):
        return None


def _segments(track: Mapping) -> list[Mapping]:
    segments = [s for s in track.get("sg") or [] if isinstance(s, Mapping) and _ms(s.get("d")) > 0]
    return segments


def _ms(value, default: int = 0) -> int:
    try:
        return max(0, round(float(value)))
    except (TypeError, ValueError):
        return default


def _meta(segment: Mapping) -> Mapping:
    m = segment.get("m")
    return m if isinstance(m, Mapping) else {}


def _volume(m: Mapping) -> float:
    if m.get("muted") or m.get("mute"):
        return 0.0
    try:
        volume = float(m.get("volume", 1.0))
    except (TypeError, ValueError):
        return 1.0
    volume = volume / 100.0 if volume > 2 else volume
    return max(0.0, volume)


def _fades(m: Mapping, dur_ms: int) -> dict:
    fade_in = _ms(m.get("fade_in_ms", m.get("fade_in")))
    fade_out = _ms(m.get("fade_out_ms", m.get("fade_out")))
    return {"fade_in_ms": min(fade_in, dur_ms), "fade_out_ms": min(fade_out, dur_ms)}


def _media(segment: Mapping, media: Mapping[str, Mapping]) -> Mapping:
    src = segment.get("src")
    found = media.get(src) if isinstance(src, str) else None
    if found is None:
        raise DraftError(f"segment {segment.get('id', '?')} refers to unknown media {src!r}")
    if not found.get("path"):
        raise DraftError(f"media {src} has no local file: download it before rendering")
    return found


def _ordered(segments: list[Mapping]):
    """(start_ms, segment) in timeline order; a missing `st` follows the previous segment."""
    cursor = 0
    placed = []
    for index, segment in enumerate(segments):
        start = _ms(segment.get("st"), default=cursor) if segment.get("st") is not None else cursor
        placed.append((start, index, segment))
        cursor = start + _ms(segment.get("d"))
    return [(start, segment) for start, _, segment in sorted(placed, key=lambda p: (p[0], p[1]))]


def _read_clips(track: Mapping, media: Mapping[str, Mapping]) -> tuple[Clip, ...]:
    clips: list[Clip] = []
    cursor = 0
    for start, segment in _ordered(_segments(track)):
        src = _media(segment, media)
        if src.get("type") == "audio":
            raise DraftError(f"segment {segment.get('id', '?')} on the video track refers to audio media")
        if start > cursor:
            clips.append(Clip(start_ms=cursor, dur_ms=start - cursor))
        start = max(start, cursor)  # overlapping segments are laid end to end
        m = _meta(segment)
        dur = _ms(segment.get("d"))
        in_ms = _ms(segment.get("in"))
        if src.get("type") == "video" and _ms(src.get("d")) and in_ms >= _ms(src.get("d")):
            raise DraftError(f"segment {segment.get('id', '?')} starts at {in_ms} ms, after its clip ends")
        transition, transition_ms = read_transition(m) if start == cursor else (None, 0)
        clips.append(
            Clip(
                start_ms=start,
                dur_ms=dur,
                src=src,
                in_ms=in_ms,
                speed=_speed(m),
                fit=FITS.get(str(m.get("fit", "contain")).lower(), "contain"),
                volume=_volume(m),
                **_fades(m, dur),
                transition=transition,
                transition_ms=transition_ms,
            )
        )
        cursor = start + dur
    return tuple(clips)


def _read_overlays(track: Mapping, media: Mapping[str, Mapping], layer: int) -> list[Overlay]:
    overlays = []
    for start, segment in _ordered(_segments(track)):
        src = _media(segment, media)
        if src.get("type") == "audio":
            raise DraftError(f"segment {segment.get('id', '?')} on a video track refers to audio media")
        m = _meta(segment)
        dur = _ms(segment.get("d"))
        overlays.append(
            Overlay(
                start_ms=start,
                dur_ms=dur,
                src=src,
                layer=layer,
                in_ms=_ms(segment.get("in")),
                speed=_speed(m),
                position=m.get("position") or "center",
                size=_number(m.get("size"), 1.0, 0.01, 4.0),
                opacity=_number(m.get("opacity"), 1.0, 0.0, 1.0),
                volume=_volume(m),
                **_fades(m, dur),
            )
        )
    return overlays


def _has_sound(overlay: Overlay) -> bool:
    src = overlay.src
    return src.get("type") == "video" and bool(src.get("has_audio")) and overlay.speed == 1.0 and overlay.volume > 0


def _overlay_sound(overlay: Overlay) -> Sound:
    return Sound(overlay.start_ms, overlay.dur_ms, overlay.src, in_ms=overlay.in_ms, volume=overlay.volume,
                 fade_in_ms=overlay.fade_in_ms, fade_out_ms=overlay.fade_out_ms)


def _number(value, default: float, low: float, high: float) -> float:
    try:
        return min(high, max(low, float(value)))
    except (TypeError, ValueError):
        return default


def _speed(m: Mapping) -> float:
    try:
        speed = float(m.get("speed", 1.0))
    except (TypeError, ValueError):
        return 1.0
    if not 0.05 <= speed <= 100:
        raise DraftError(f"speed {speed:g} is out of range (0.05 to 100)")
    return speed


def _read_captions(track: Mapping) -> list[Caption]:
    captions = []
    for start, segment in _ordered(_segments(track)):
        m = _meta(segment)
        text = str(m.get("text") or m.get("name") or "").strip()
        if not text:
            continue
        caption_style = str(m.get("style", "")).lower() == "caption"
        default_size = float(DEFAULT_TEXT_SIZE["caption" if caption_style else "title"])
        try:
            size = float(m.get("size", m.get("font_size", default_size)))
        except (TypeError, ValueError):
            size = default_size
        captions.append(
            Caption(
                start_ms=start,
                dur_ms=_ms(segment.get("d")),
                text=text,
                position=m.get("position") or "center",
                size=max(4.0, size),
                color=str(m.get("color") or "white"),
                font="regular" if str(m.get("font", "bold")).lower() == "regular" else "bold",
                box=bool(m.get("box", caption_style)),
            )
        )
    return captions


def _read_sounds(track: Mapping, media: Mapping[str, Mapping]) -> list[Sound]:
    sounds = []
    for start, segment in _ordered(_segments(track)):
        src = _media(segment, media)
        m = _meta(segment)
        volume = _volume(m)
        if not src.get("has_audio", src.get("type") == "audio") or volume == 0:
            continue
        dur = _ms(segment.get("d"))
        sounds.append(Sound(start, dur, src, in_ms=_ms(segment.get("in")), volume=volume, **_fades(m, dur),
                            loop=bool(m.get("loop")), duck=bool(m.get("duck"))))
    return sounds

"""Read a [local] draft (PROTOCOL.md) into the plain pieces the renderer draws.

Pure and tolerant: unknown keys are ignored, missing `st` means "right after the previous
segment", missing `in` means 0. Errors a user can cause (unknown media, a draft with nothing in it)
raise RenderError with one line.

Segment `m` keys the renderer reads (all optional):

- every segment: `volume` (0..1, values above 2 are read as percent), `muted`/`mute`,
  `fade_in_ms`, `fade_out_ms` (or `fade_in`/`fade_out` in ms)
- video/image segments: `speed` (>0, 2 = twice as fast), `fit`: "contain" (scale + pad, default)
  | "cover" (scale + crop) | "stretch"; "pad"/"crop" are read as contain/cover
- text segments: `text`, `position` ("top" | "center" | "bottom", or {"x": 0..1, "y": 0..1} for
  the text's centre), `size` (font px on a 1080-px canvas; scaled to the real one), `color`
  (an ffmpeg colour: name or #RRGGBB), `font` ("bold" | "regular"), `box` (a dark band behind);
  `style` "caption" changes the defaults to size 48 with a box (a title: 72, no box)

The main video track is the first track with `tt` 0 that has segments; gaps in it are black.
A fade in on the first clip or out on the last is a fade of the whole video: sounds that play at
that edge fade with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from ...protocol import TRACK_AUDIO, TRACK_TEXT, TRACK_VIDEO
from .errors import RenderError

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


@dataclass(frozen=True)
class Timeline:
    clips: tuple[Clip, ...]
    captions: tuple[Caption, ...]
    sounds: tuple[Sound, ...]
    duration_ms: int


def read_timeline(draft: Mapping, media: Mapping[str, Mapping]) -> Timeline:
    """The draft's main video track (gaps filled), captions and sounds, cut to the video's length."""
    tracks = [t for t in (draft or {}).get("t") or [] if isinstance(t, Mapping)]
    video_tracks = [t for t in tracks if _track_type(t) == TRACK_VIDEO and _segments(t)]
    clips = _read_clips(video_tracks[0], media) if video_tracks else ()
    captions = tuple(c for t in tracks if _track_type(t) == TRACK_TEXT for c in _read_captions(t))
    sounds = tuple(s for t in tracks if _track_type(t) == TRACK_AUDIO for s in _read_sounds(t, media))
    if clips:
        duration = clips[-1].start_ms + clips[-1].dur_ms
    else:
        ends = [p.start_ms + p.dur_ms for p in (*captions, *sounds)]
        duration = max(ends, default=0)
    if duration <= 0:
        raise RenderError("the draft has nothing to render: add a clip to its video track first")
    captions = tuple(c for c in captions if c.start_ms < duration)
    sounds = tuple(_with_edge_fades(s, clips, duration) for s in sounds if s.start_ms < duration)
    return Timeline(clips, captions, sounds, duration)


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
        raise RenderError(f"segment {segment.get('id', '?')} refers to unknown media {src!r}")
    if not found.get("path"):
        raise RenderError(f"media {src} has no local file: download it before rendering")
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
            raise RenderError(f"segment {segment.get('id', '?')} on the video track refers to audio media")
        if start > cursor:
            clips.append(Clip(start_ms=cursor, dur_ms=start - cursor))
        start = max(start, cursor)  # overlapping segments are laid end to end
        m = _meta(segment)
        dur = _ms(segment.get("d"))
        in_ms = _ms(segment.get("in"))
        if src.get("type") == "video" and _ms(src.get("d")) and in_ms >= _ms(src.get("d")):
            raise RenderError(f"segment {segment.get('id', '?')} starts at {in_ms} ms, after its clip ends")
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
            )
        )
        cursor = start + dur
    return tuple(clips)


def _speed(m: Mapping) -> float:
    try:
        speed = float(m.get("speed", 1.0))
    except (TypeError, ValueError):
        return 1.0
    if not 0.05 <= speed <= 100:
        raise RenderError(f"speed {speed:g} is out of range (0.05 to 100)")
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
        sounds.append(Sound(start, dur, src, in_ms=_ms(segment.get("in")), volume=volume, **_fades(m, dur)))
    return sounds

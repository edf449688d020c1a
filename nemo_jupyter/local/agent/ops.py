"""Draft operations: each one a pure function draft -> new draft (its input is never changed).

The draft is PROTOCOL.md's [local] shape::

    draft   = {"d": total_ms, "m": {...}, "t": [track, ...]}
    track   = {"id": "trk_…", "tt": 0 video | 1 audio | 7 text, "m": {"name": "Video"}, "sg": [segment, ...]}
    segment = {"id": "seg_…", "st": timeline start ms, "d": timeline duration ms,
               "src": media id (not on text segments), "in": source in-point ms, "m": {...}}

Segment `m` keys (what `local/media/render.py` reads; absent keys take the default):

    name         display name: the media file name, "Title", "Caption", "BGM"
    text         text segments: the words drawn
    style        text segments: "title" | "caption"
    position     text segments: "top" | "center" | "bottom" (title default center, caption bottom)
    size         text segments: font size in px on a 1080-high canvas (optional)
    color        text segments: colour name or "#rrggbb" (optional, default white)
    volume       audio gain 0..1 of the clip's sound or the music (default 1)
    muted        true: the segment's sound is silent (its `volume` is kept for unmuting)
    speed        playback speed (default 1): the segment plays `d * speed` ms of source from `in`
    fade_in_ms   fade from black / silence over the segment's first ms (video and audio)
    fade_out_ms  fade to black / silence over the segment's last ms
    fit          "contain" | "cover" | "stretch": how a source of another shape fills the canvas
    font, box    text segments: "bold" | "regular"; a box behind the text (renderer options)
    transition   scenes: {"type": "crossfade" | "dip_to_black", "ms"} at the cut before the scene
    position, size, opacity   overlays (later video tracks): a corner and a fraction of the width
    loop, duck   music: repeat to the end of the video; quieter under the clips' speech

(layer_ops.py writes the last three.)

Scenes are the segments of the main video track (the first `tt: 0` track), numbered from 1 in
timeline order; `commands.LAST` (-1) names the last one. Every operation keeps these rules (in
`_settle`): video segments sit end to end from 0 in list order, the draft's `d` is the video
track's end, text, audio and overlay segments are clipped to it, and existing ids never change.
"""

from __future__ import annotations

import copy
import math
import uuid
from functools import wraps

from ...protocol import TRACK_AUDIO, TRACK_TEXT, TRACK_VIDEO
from ..media.timeline import DEFAULT_TEXT_SIZE
from ..media.timeline import FITS as RENDERER_FITS
from .speech import EditError, seconds

MIN_SEGMENT_MS = 40  # one frame at 25 fps: no operation leaves a shorter piece
SPEED_RANGE = (0.25, 4.0)
MUSIC_TRACK_NAME = "BGM"
TEXT_TRACK_NAMES = {"title": "Title", "caption": "Captions"}
TEXT_SEGMENT_NAMES = {"title": "Title", "caption": "Caption"}
KIND_ZH = {"title": "标题", "caption": "字幕"}
DEFAULT_POSITION = {"title": "center", "caption": "bottom"}
DEFAULT_TITLE_MS = 3000
DEFAULT_MUSIC_VOLUME = 0.35
STILL_MS = 3000  # a still image put on the timeline lasts 3 s (as uploads do)
FITS = tuple(dict.fromkeys(RENDERER_FITS.values()))  # the modes the renderer draws: contain, cover, stretch


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def empty_draft() -> dict:
    return {"d": 0, "m": {}, "t": []}


# --- reading a draft ----------------------------------------------------------------------------


def main_video_track(draft: dict) -> dict | None:
    """The first video track with segments (as the renderer reads it), else the first video track."""
    videos = [t for t in draft.get("t") or [] if t.get("tt") == TRACK_VIDEO]
    return next((t for t in videos if t.get("sg")), videos[0] if videos else None)


def scenes(draft: dict) -> list[dict]:
    track = main_video_track(draft)
    return list(track.get("sg") or []) if track else []


def scene_index(draft: dict, scene: int) -> int:
    """0-based index of scene number `scene` (1-based, or -1 for the last), or EditError."""
    count = len(scenes(draft))
    if count == 0:
        raise EditError("The timeline has no scenes yet: upload a clip first.", "时间线上还没有片段：请先上传视频。")
    if scene == -1:
        return count - 1
    if not 1 <= scene <= count:
        raise EditError(
            f"There is no scene {scene}: the timeline has {count} scene{'s' if count > 1 else ''}.",
            f"没有第{scene}段：时间线上只有{count}段。",
        )
    return scene - 1


def tracks_of(draft: dict, track_type: int, name: str | None = None) -> list[dict]:
    return [
        t for t in draft.get("t") or []
        if t.get("tt") == track_type and (name is None or (t.get("m") or {}).get("name") == name)
    ]


def _end(segment: dict) -> int:
    return int(segment.get("st", 0)) + int(segment.get("d", 0))


# --- the frame every operation runs in ------------------------------------------------------------


def _pure(operation):
    """Run `operation` on a deep copy of the draft, then restore the invariants; return the copy."""

    @wraps(operation)
    def run(draft: dict | None, *args, **kwargs) -> dict:
        work = copy.deepcopy(draft) if draft else empty_draft()
        work.setdefault("t", [])
        work.setdefault("m", {})
        operation(work, *args, **kwargs)
        _settle(work)
        return work

    return run


def _settle(draft: dict) -> None:
    video = main_video_track(draft)
    position = 0
    for segment in video.get("sg", []) if video else []:
        segment["st"] = position
        position += int(segment["d"])
    if video and video.get("sg"):
        draft["d"] = position
    else:
        ends = [_end(s) for t in draft["t"] for s in t.get("sg") or []]
        draft["d"] = max(ends, default=0)
        return
    for track in draft["t"]:
        if track is video or track.get("tt") not in (TRACK_AUDIO, TRACK_TEXT, TRACK_VIDEO):
            continue
        kept = []
        for segment in track.get("sg") or []:
            if segment.get("st", 0) + MIN_SEGMENT_MS > position:
                continue
            segment["d"] = min(int(segment["d"]), position - int(segment.get("st", 0)))
            kept.append(segment)
        track["sg"] = kept


def _video(draft: dict) -> list[dict]:
    """The main video track's segment list (created when missing), to edit in place."""
    track = main_video_track(draft)
    if track is None:
        track = {"id": new_id("trk"), "tt": TRACK_VIDEO, "m": {"name": "Video"}, "sg": []}
        draft["t"].insert(0, track)
    return track.setdefault("sg", [])


def _meta(segment: dict) -> dict:
    return segment.setdefault("m", {})


def _speed(segment: dict) -> float:
    return float((segment.get("m") or {}).get("speed") or 1.0)


def _check_length(keep_ms: int, scene: int, total_ms: int) -> None:
    """A scene can keep anything from one frame to all of itself."""
    if keep_ms > total_ms:
        raise EditError(f"Scene {scene} is only {seconds(total_ms)} long, so it cannot be {seconds(keep_ms)}.",
                        f"第{scene}段只有{seconds(total_ms)}长，不能变成{seconds(keep_ms)}。")
    if keep_ms < MIN_SEGMENT_MS:
        raise EditError(f"That would leave scene {scene} shorter than one frame: to drop it, say remove scene {scene}.",
                        f"这样第{scene}段会短于一帧：要删除它，请说“删除第{scene}段”。")


# --- scenes: order -----------------------------------------------------------------------------


@_pure
def reorder(draft: dict, order: list[int]) -> None:
    """Scenes in `order` (scene numbers) first, the scenes not listed after them in their old order."""
    segments = _video(draft)
    picked = [scene_index(draft, n) for n in order]
    if len(set(picked)) != len(picked):
        raise EditError("Each scene can appear only once in the new order.", "新顺序里每段只能出现一次。")
    rest = [i for i in range(len(segments)) if i not in picked]
    segments[:] = [segments[i] for i in picked + rest]


@_pure
def move(draft: dict, scene: int, anchor: int, after: bool = False) -> None:
    """Move a scene just before (or after) the scene numbered `anchor` in the current order."""
    segments = _video(draft)
    moving, target = scene_index(draft, scene), scene_index(draft, anchor)
    anchor_segment = segments[target]
    segment = segments.pop(moving)
    if segment is anchor_segment:
        segments.insert(moving, segment)
        return
    place = segments.index(anchor_segment) + (1 if after else 0)
    segments.insert(place, segment)


@_pure
def insert_clip(draft: dict, media: dict, position: int) -> None:
    """A whole uploaded video (or a still, for `STILL_MS`) as scene number `position` (1 = first)."""
    segments = _video(draft)
    length = int(media.get("d") or 0) if media.get("type") == "video" else STILL_MS
    if length < MIN_SEGMENT_MS:
        raise EditError(f"{media.get('name')} has no length to show.", f"{media.get('name')}没有可播放的长度。")
    segments.insert(max(0, min(position - 1, len(segments))), {
        "id": new_id("seg"), "st": 0, "d": length, "src": media["id"], "in": 0,
        "m": {"name": media.get("name") or media["id"]},
    })


@_pure
def duplicate(draft: dict, scene: int) -> None:
    """Play a scene twice: a copy with a new id goes right after it."""
    segments = _video(draft)
    index = scene_index(draft, scene)
    twin = copy.deepcopy(segments[index])
    twin["id"] = new_id("seg")
    segments.insert(index + 1, twin)


@_pure
def swap(draft: dict, first: int, second: int) -> None:
    segments = _video(draft)
    i, j = scene_index(draft, first), scene_index(draft, second)
    segments[i], segments[j] = segments[j], segments[i]


@_pure
def remove(draft: dict, scene: int) -> None:
    _video(draft).pop(scene_index(draft, scene))


# --- scenes: length and speed ------------------------------------------------------------------


@_pure
def trim_to(draft: dict, scene: int, keep_ms: int, keep_end: bool = False) -> None:
    """Keep the first `keep_ms` of a scene (the last, with `keep_end`)."""
    segment = _video(draft)[scene_index(draft, scene)]
    _check_length(int(keep_ms), scene, int(segment["d"]))
    if keep_end:
        segment["in"] = int(segment.get("in", 0)) + round((int(segment["d"]) - int(keep_ms)) * _speed(segment))
    segment["d"] = int(keep_ms)


@_pure
def cut(draft: dict, scene: int, cut_ms: int, from_end: bool = False) -> None:
    """Cut `cut_ms` of timeline time off the start (or the end) of a scene."""
    segment = _video(draft)[scene_index(draft, scene)]
    total = int(segment["d"])
    if cut_ms > total:
        raise EditError(f"Scene {scene} is only {seconds(total)} long, so {seconds(cut_ms)} cannot be cut from it.",
                        f"第{scene}段只有{seconds(total)}长，不能剪掉{seconds(cut_ms)}。")
    _check_length(total - int(cut_ms), scene, total)
    if not from_end:
        segment["in"] = int(segment.get("in", 0)) + round(cut_ms * _speed(segment))
    segment["d"] = total - int(cut_ms)


def _split_segment(segments: list[dict], index: int, at_ms: int) -> None:
    segment = segments[index]
    tail = copy.deepcopy(segment)
    tail["id"] = new_id("seg")
    tail["in"] = int(segment.get("in", 0)) + round(at_ms * _speed(segment))
    tail["d"] = int(segment["d"]) - at_ms
    segment["d"] = at_ms
    _meta(segment).pop("fade_out_ms", None)
    _meta(tail).pop("fade_in_ms", None)
    _meta(tail).pop("transition", None)
    segments.insert(index + 1, tail)


@_pure
def split(draft: dict, scene: int, at_ms: int) -> None:
    """Split a scene in two at `at_ms` from its start; the second part gets a new id."""
    index = scene_index(draft, scene)
    segments = _video(draft)
    total = int(segments[index]["d"])
    if not MIN_SEGMENT_MS <= at_ms <= total - MIN_SEGMENT_MS:
        raise EditError(
            f"Scene {scene} is {seconds(total)} long: split it somewhere inside that.",
            f"第{scene}段长{seconds(total)}：请在这个范围内分割。",
        )
    _split_segment(segments, index, int(at_ms))


@_pure
def split_at_source_times(draft: dict, scene: int, times_ms: list[int]) -> None:
    """Split a scene wherever its source reaches one of `times_ms` (source time, e.g. scene cuts)."""
    index = scene_index(draft, scene)
    segments = _video(draft)
    segment = segments[index]
    start, speed, length = int(segment.get("in", 0)), _speed(segment), int(segment["d"])
    offsets = sorted({round((t - start) / speed) for t in times_ms}, reverse=True)
    for offset in offsets:
        if MIN_SEGMENT_MS <= offset <= length - MIN_SEGMENT_MS:
            _split_segment(segments, index, offset)
            length = offset


@_pure
def remove_source_ranges(draft: dict, src: str, ranges_ms: list[tuple[int, int]]) -> None:
    """Cut the given source time ranges out of every scene showing media `src`."""
    segments = _video(draft)
    result: list[dict] = []
    for segment in segments:
        if segment.get("src") != src:
            result.append(segment)
            continue
        result.extend(_without_ranges(segment, ranges_ms))
    segments[:] = result


def _without_ranges(segment: dict, ranges_ms: list[tuple[int, int]]) -> list[dict]:
    speed, start = _speed(segment), int(segment.get("in", 0))
    end = start + round(int(segment["d"]) * speed)
    keep = [(start, end)]
    for cut_start, cut_end in sorted(ranges_ms):
        keep = [piece for a, b in keep for piece in ((a, min(b, cut_start)), (max(a, cut_end), b))]
    keep = [(a, b) for a, b in keep if (b - a) / speed >= MIN_SEGMENT_MS]
    pieces = []
    for number, (a, b) in enumerate(keep):
        piece = copy.deepcopy(segment)
        if number:
            piece["id"] = new_id("seg")
            _meta(piece).pop("fade_in_ms", None)
            _meta(piece).pop("transition", None)
        if number < len(keep) - 1:
            _meta(piece).pop("fade_out_ms", None)
        piece["in"], piece["d"] = a, round((b - a) / speed)
        pieces.append(piece)
    return pieces


@_pure
def set_speed(draft: dict, scene: int, factor: float) -> None:
    """Play a scene at `factor` times normal speed; it shows the same source, so its length changes."""
    low, high = SPEED_RANGE
    if not low <= factor <= high:
        raise EditError(
            f"Speed must be between {low:g}x and {high:g}x.", f"速度必须在{low:g}倍到{high:g}倍之间。"
        )
    segment = _video(draft)[scene_index(draft, scene)]
    source_ms = int(segment["d"]) * _speed(segment)
    segment["d"] = max(MIN_SEGMENT_MS, round(source_ms / factor))
    if factor == 1:
        _meta(segment).pop("speed", None)
    else:
        _meta(segment)["speed"] = factor


# --- sound -------------------------------------------------------------------------------------


def _check_volume(volume: float) -> None:
    if not 0 <= volume <= 1:
        raise EditError("Volume must be between 0% and 100%.", "音量必须在0%到100%之间。")


def _chosen(draft: dict, scene: int) -> list[dict]:
    """The segment of one scene, or every scene's when `scene` is 0 (ALL)."""
    segments = _video(draft)
    if scene == 0 and segments:
        return segments
    return [segments[scene_index(draft, 1 if scene == 0 else scene)]]


@_pure
def set_scene_volume(draft: dict, scene: int, volume: float) -> None:
    """Volume (0..1) of one scene's own sound (or every scene's: `scene` 0); it also unmutes."""
    _check_volume(volume)
    for segment in _chosen(draft, scene):
        _meta(segment)["volume"] = volume
        _meta(segment).pop("muted", None)


@_pure
def mute(draft: dict, scene: int, muted: bool = True) -> None:
    """Silence (or give back) one scene's own sound, or every scene's when `scene` is 0 (ALL)."""
    for segment in _chosen(draft, scene):
        if muted:
            _meta(segment)["muted"] = True
        else:
            _meta(segment).pop("muted", None)


def music_segments(draft: dict) -> list[dict]:
    return [s for t in tracks_of(draft, TRACK_AUDIO, MUSIC_TRACK_NAME) for s in t.get("sg") or []]


@_pure
def add_music(draft: dict, media: dict, volume: float = DEFAULT_MUSIC_VOLUME) -> None:
    """Background music from an uploaded audio media item, from 0 to the end (replacing any music)."""
    _check_volume(volume)
    length = int(media.get("d") or 0)
    if draft.get("d"):
        length = min(length, int(draft["d"])) if length else int(draft["d"])
    track = next(iter(tracks_of(draft, TRACK_AUDIO, MUSIC_TRACK_NAME)), None)
    if track is None:
        track = {"id": new_id("trk"), "tt": TRACK_AUDIO, "m": {"name": MUSIC_TRACK_NAME}}
        draft["t"].append(track)
    track["sg"] = [{
        "id": new_id("seg"), "st": 0, "d": length, "src": media["id"], "in": 0,
        "m": {"name": media.get("name") or media["id"], "volume": volume},
    }]


@_pure
def extend_music(draft: dict, old_total_ms: int, source_ms: dict[str, int]) -> None:
    """Music that played to the old end of the video plays on to its new end, as far as its file goes
    (looping music: all the way)."""
    def room(segment: dict) -> float:
        if _meta(segment).get("loop"):
            return math.inf
        return int(source_ms.get(segment.get("src"), 0)) - int(segment.get("in", 0)) - int(segment["d"])

    extend_to_end(draft, old_total_ms, music_segments(draft), room)


def extend_to_end(draft: dict, old_total_ms: int, segments: list[dict], room) -> None:
    """Of `segments` (of `draft`, in place), those that ended at the old end of the video grow toward
    its new end, each by at most `room(segment)` ms (what is left of its source)."""
    grown = int(draft.get("d") or 0) - int(old_total_ms)
    for segment in segments if grown > 0 else []:
        left = room(segment)
        if _end(segment) == old_total_ms and left > 0:
            segment["d"] = int(segment["d"]) + int(min(grown, left))


@_pure
def set_music_volume(draft: dict, volume: float) -> None:
    _check_volume(volume)
    found = music_segments(draft)
    if not found:
        raise EditError("There is no background music yet.", "还没有背景音乐。")
    for segment in found:
        _meta(segment)["volume"] = volume


@_pure
def remove_music(draft: dict) -> None:
    if not music_segments(draft):
        raise EditError("There is no background music to remove.", "没有可删除的背景音乐。")
    draft["t"] = [t for t in draft["t"] if t not in tracks_of(draft, TRACK_AUDIO, MUSIC_TRACK_NAME)]


@_pure
def set_fade(draft: dict, scene: int, fade_in: bool, ms: int) -> None:
    """Fade a scene in from black (or out to black) over `ms`; 0 removes the fade."""
    segment = _video(draft)[scene_index(draft, scene)]
    key = "fade_in_ms" if fade_in else "fade_out_ms"
    if ms <= 0:
        _meta(segment).pop(key, None)
    else:
        _meta(segment)[key] = min(int(ms), int(segment["d"]))


# --- text --------------------------------------------------------------------------------------


def text_segments(draft: dict, kind: str) -> list[dict]:
    return [s for t in tracks_of(draft, TRACK_TEXT, TEXT_TRACK_NAMES[kind]) for s in t.get("sg") or []]


@_pure
def add_text(draft: dict, kind: str, text: str, start_ms: int | None = None, end_ms: int | None = None,
             position: str | None = None) -> None:
    """A title or caption over the video from `start_ms` to `end_ms` (title default 0-3s, caption whole video)."""
    if not text.strip():
        raise EditError(f'Put the {kind}\'s words in quotes, e.g. add {kind} "Hello".',
                        f"请把{KIND_ZH[kind]}的文字放在引号里，例如：添加{KIND_ZH[kind]}“你好”。")
    total = int(draft.get("d") or 0)
    start = int(start_ms or 0)
    default_end = min(DEFAULT_TITLE_MS, total or DEFAULT_TITLE_MS) if kind == "title" else (total or DEFAULT_TITLE_MS)
    end = int(end_ms) if end_ms is not None else max(default_end, start + MIN_SEGMENT_MS)
    _check_text_range(draft, kind, start, end)
    name = TEXT_TRACK_NAMES[kind]
    track = next(iter(tracks_of(draft, TRACK_TEXT, name)), None)
    if track is None:
        track = {"id": new_id("trk"), "tt": TRACK_TEXT, "m": {"name": name}, "sg": []}
        draft["t"].append(track)
    track.setdefault("sg", []).append({
        "id": new_id("seg"), "st": start, "d": end - start,
        "m": {"name": TEXT_SEGMENT_NAMES[kind], "text": text, "style": kind,
              "position": position or DEFAULT_POSITION[kind]},
    })
    track["sg"].sort(key=lambda s: s.get("st", 0))


def _check_text_range(draft: dict, kind: str, start: int, end: int) -> None:
    """Text needs at least a frame of time, and to start before the video ends (when there is one)."""
    total = int(draft.get("d") or 0)
    if end - start < MIN_SEGMENT_MS or (scenes(draft) and start + MIN_SEGMENT_MS > total):
        raise EditError(f"The {kind} needs a time range inside the video (0-{seconds(total)}).",
                        f"{KIND_ZH[kind]}的时间范围必须在视频之内（0-{seconds(total)}）。")


def _only_text(draft: dict, kind: str) -> list[dict]:
    found = text_segments(draft, kind)
    if not found:
        raise EditError(
            f'There is no {kind} yet: say add {kind} "…".', f"还没有{KIND_ZH[kind]}。"
        )
    return found


@_pure
def change_text(draft: dict, kind: str, text: str | None = None, position: str | None = None,
                start_ms: int | None = None, end_ms: int | None = None) -> None:
    """Change the words, position and/or time range of the one title (or caption)."""
    found = _only_text(draft, kind)
    if len(found) > 1:
        raise EditError(
            f"There are {len(found)} {kind}s: remove them and add the one you want.",
            f"有{len(found)}个{KIND_ZH[kind]}：请删除后重新添加。",
        )
    segment = found[0]
    if text is not None:
        _meta(segment)["text"] = text
    if position is not None:
        _meta(segment)["position"] = position
    if start_ms is not None:
        end = int(end_ms) if end_ms is not None else int(start_ms) + int(segment["d"])
        _check_text_range(draft, kind, int(start_ms), end)
        segment["st"], segment["d"] = int(start_ms), end - int(start_ms)


@_pure
def style_text(draft: dict, kind: str, scale: float | None = None, color: str | None = None,
               font: str | None = None) -> None:
    """Scale the size of, recolour, or change the font weight of every title (or caption)."""
    for segment in _only_text(draft, kind):
        meta = _meta(segment)
        if scale is not None:
            meta["size"] = round(float(meta.get("size") or DEFAULT_TEXT_SIZE[kind]) * scale)
        if color is not None:
            meta["color"] = color
        if font is not None:
            meta["font"] = font


@_pure
def set_fit(draft: dict, scene: int, mode: str) -> None:
    """How one scene's picture (or every scene's: `scene` 0) fills the canvas."""
    if mode not in FITS:
        raise EditError(f"Fit must be one of {', '.join(FITS)}.", f"填充方式必须是 {', '.join(FITS)} 之一。")
    for segment in _chosen(draft, scene):
        _meta(segment)["fit"] = mode


@_pure
def remove_text(draft: dict, kind: str) -> None:
    _only_text(draft, kind)
    draft["t"] = [t for t in draft["t"] if t not in tracks_of(draft, TRACK_TEXT, TEXT_TRACK_NAMES[kind])]

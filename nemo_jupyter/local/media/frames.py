"""Frames of a draft without rendering it: one picture at a time t, or a contact sheet of several.

A frame comes from the renderer's own graph (`graph.plan_render`), so it shows what an export
shows at t: every layer, titles and captions, fades and transitions. It stays cheap because
`plan_render` is given a *window* of the draft, not the draft:

1. `frame_window` picks the canvas frames to keep: the one showing at t, widened until no effect
   is cut in two (a fade's whole span, a transition's clips up to its requested length either side
   of the cut) and so that the first piece is not one frame long.
2. `cut_window` cuts the draft to those frames with the draft's own semantics: the main track by
   the frames the renderer gives each piece and gap (`sources.frame_span`), other tracks by time;
   `in` moved by what is cut off at the front, fades and transitions on a cut side dropped, audio
   tracks left out, gaps black stills so the main track stays the main one. The graph seeks each
   input (`-ss`), so the cost does not grow with t.
3. ffmpeg writes raw RGB frames to a pipe up to the one wanted (the first, unless the window was
   widened).

Media come through `preview.localise` (remote files fetched once into the cache, remembered per
media record). Video sources are read through small proxies (the smallest of `PROXY_SIDES` px that
holds the frame, upright, square pixels, MJPEG: every frame a keyframe, so a seek decodes one
frame), made once per source file and size into the cache's `proxies/` folder. `draft_frames` draws
several frames in parallel and lays them out as a sheet with the time under each.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import numbers
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from ...protocol import TRACK_AUDIO, TRACK_VIDEO
from .errors import MediaError, RenderError
from .ffmpeg import run
from .fonts import font_path
from .graph import plan_render
from .presets import MAX_SIDE, Preset, output_canvas, read_canvas
from .preview import Fetch, download, infos_by_id, localise, media_cache, used_media
from .probe import probe
from .render import write_plan_files
from .sources import frame_span
from .timeline import _fades, _meta, _ms, _ordered, _segments, _track_type, read_timeline
from .transitions import read_transition

FRAME_WIDTH = 640  # px, one frame
SHEET_FRAME_WIDTH = 320  # px, each frame of a contact sheet
SHEET_COLUMNS = 4
PROXY_SIDES = (640, 1280)  # px, the longer side of a video proxy: the smallest one the frame fits in
# every frame a keyframe; limited range like the renderer's yuv420p (a full-range proxy fades to grey)
PROXY_CODEC = ("-c:v", "mjpeg", "-q:v", "5", "-pix_fmt", "yuv420p", "-strict", "unofficial", "-color_range", "tv")
MAX_FRAMES = 200  # frames in one sheet
BLACK_ID = "__frames_black__"  # the black still that fills the main track's gaps in a window
_WORKERS = 3  # ffmpeg processes at once for a sheet (each is short; 2 cores here)
_LABEL_PX = 14


# --- the window: pure -------------------------------------------------------------------------
def _placed(draft: Mapping) -> list[tuple[Mapping, list[tuple[int, int, Mapping]], bool]]:
    """Each track with its segments as (start, end, segment) and whether it is the main track (the
    first video track with segments, as the renderer reads it: its segments laid end to end)."""
    tracks = [t for t in (draft or {}).get("t") or [] if isinstance(t, Mapping)]
    main = next((t for t in tracks if _track_type(t) == TRACK_VIDEO and _segments(t)), None)
    placed = []
    for track in tracks:
        cursor, spans = 0, []
        for start, segment in _ordered(_segments(track)):
            if track is main:
                start = max(start, cursor)
            end = start + _ms(segment.get("d"))
            spans.append((start, end, segment))
            cursor = end
        placed.append((track, spans, track is main))
    return placed


def _effect_spans(start: int, end: int, segment: Mapping) -> list[tuple[int, int, int]]:
    """(start ms, end ms, margin in frames) of what a window must hold whole, or not touch: fades,
    a transition's reach."""
    m = _meta(segment)
    fades = _fades(m, end - start)
    spans = []
    if fades["fade_in_ms"]:
        spans.append((start, start + fades["fade_in_ms"], 0))
    if fades["fade_out_ms"]:
        spans.append((end - fades["fade_out_ms"], end, 0))
    kind, ms = read_transition(m)
    if kind:  # centred on the cut, at most half of either clip: keep `ms` of each side and both stay as long
        spans.append((start - ms, start + ms, 1))
    return spans


def frame_window(draft: Mapping, t_ms: float, fps: float) -> tuple[int, int, int]:
    """(first, end, frame): the canvas frames [first, end) to render for `frame`, the one showing at
    `t_ms`; they hold whole every effect span they touch."""
    frame = math.floor(t_ms * fps / 1000 + 1e-6)
    first, end = frame, frame + 1
    placed = _placed(draft)
    spans = [span for track, segments, _ in placed if _track_type(track) != TRACK_AUDIO  # a sound's fade: no picture
             for s, e, seg in segments for span in _effect_spans(s, e, seg)]
    main = next((segments for _, segments, is_main in placed if is_main), [])
    starts = {start for _, start, _ in _main_layout(main, fps)}
    changed = True
    while changed:
        changed = False
        for lo, hi, margin in spans:
            lo_ms, hi_ms = first * 1000 / fps, end * 1000 / fps
            if lo < hi_ms and hi > lo_ms and (lo < lo_ms or hi > hi_ms):
                wider = (max(0, min(first, math.floor(lo * fps / 1000) - margin)),
                         max(end, math.ceil(hi * fps / 1000) + margin))
                if wider != (first, end):
                    (first, end), changed = wider, True
        if first > 0 and first + 1 in starts:  # not a one-frame first piece: concat would give it no length
            first, changed = first - 1, True
    return first, end, frame


def _main_layout(spans, fps: float, end: int | None = None):
    """(segment, or None for a gap, first frame, frames) along the main track, as the renderer lays it:
    each clip and gap `sources.frame_span` frames, end to end; with `end`, a last gap up to that frame."""
    cursor, frame = 0, 0
    for start, stop, segment in spans:
        if start > cursor:
            frames = frame_span(cursor, start - cursor, fps)[1]
            yield None, frame, frames
            frame += frames
        frames = frame_span(start, stop - start, fps)[1]
        yield segment, frame, frames
        frame, cursor = frame + frames, stop
    if end is not None and end > frame:
        yield None, frame, end - frame


def cut_window(draft: Mapping, first: int, end: int, fps: float, media: Mapping[str, Mapping] | None = None) -> dict:
    """The draft cut to the canvas frames [first, end) at `fps`, shifted to begin at 0, without audio tracks.

    Segments keep their meaning: one cut at the front starts later in its source (`in` moved by
    the cut at the segment's speed; a segment longer than its video holds the last frame, so its
    `in` stops at that frame when `media` tells the video's length) and loses its fade in and
    transition; one cut at the back loses its fade out. The main track is cut on the renderer's own
    frame grid (`sources.frame_span`: each piece and gap a whole number of frames, laid end to end),
    so each frame of the window is the render's frame; its gaps hold the `BLACK_ID` still (a clip
    after a gap keeps no transition, as in the draft), so the main track stays the main one and the
    window keeps its length.
    """
    shift, stop = round(first * 1000 / fps), round(end * 1000 / fps)
    tracks, main_found = [], False
    for track, spans, is_main in _placed(draft):
        if _track_type(track) == TRACK_AUDIO:
            continue
        if is_main:
            main_found = True
            kept = _cut_main(spans, first, end, fps, media or {})
        else:
            kept = [_cut_segment(seg, max(0, shift - s), max(0, e - stop), max(s, shift) - shift,
                                 min(e, stop) - shift, (media or {}).get(seg.get("src")))
                    for s, e, seg in spans if s < stop and e > shift]
        tracks.append({**track, "sg": kept})
    if not main_found:
        tracks.insert(0, {"id": "frames_main", "tt": TRACK_VIDEO, "sg": _cut_main([], first, end, fps, {})})
    return {**{k: v for k, v in dict(draft).items() if k != "t"}, "d": stop - shift, "t": tracks}


def _cut_main(spans, first: int, end: int, fps: float, media: Mapping[str, Mapping]) -> list[dict]:
    """The main track's pieces in frames [first, end), each on the frames the renderer gives it; its
    gaps (and the window's part after the track) black stills."""
    pieces, after_gap = [], False
    for segment, start, frames in _main_layout(spans, fps, end):
        lo, hi = max(start, first), min(start + frames, end)
        if lo < hi:
            at, until = round((lo - first) * 1000 / fps), round((hi - first) * 1000 / fps)
            if segment is None:
                pieces.append(_black(at, until))
            else:
                piece = _cut_segment(segment, (lo - start) * 1000 / fps, start + frames - hi, at, until,
                                     media.get(segment.get("src")))
                if after_gap:
                    piece["m"].pop("transition", None)
                pieces.append(piece)
        after_gap = segment is None
    return pieces


def _cut_segment(segment: Mapping, front_ms: float, back: float, at: int, until: int, src: Mapping | None) -> dict:
    """The segment placed at [at, until) of the window, `front_ms` of it cut off at the front, and
    something (`back` > 0) at the back."""
    m = dict(_meta(segment))
    if front_ms:
        for key in ("fade_in_ms", "fade_in", "transition"):
            m.pop(key, None)
    if back:
        for key in ("fade_out_ms", "fade_out"):
            m.pop(key, None)
    cut = {**segment, "st": at, "d": until - at, "m": m}
    if front_ms:
        cut["in"] = _ms(segment.get("in")) + round(front_ms * _speed(m))
        if src is not None and src.get("type") == "video" and _ms(src.get("d")):
            last_frame = _ms(src.get("d")) - math.ceil(1000 / float(src.get("fps") or 30))
            cut["in"] = min(cut["in"], max(_ms(segment.get("in")), last_frame))
    return cut


def _black(start: int, until: int) -> dict:
    return {"id": "frames_black", "st": start, "d": until - start, "src": BLACK_ID, "m": {"fit": "stretch"}}


# --- media: localised once, video through proxies ---------------------------------------------
_memo: dict[tuple, dict] = {}
_memo_lock = threading.Lock()


def frame_media(draft: Mapping, video_infos, fetch: Fetch | None, cache: Path) -> dict[str, dict]:
    """The draft's media, local (fetched once), probed where the state lacks facts; remembered per
    media record, so later frames neither probe nor fetch again."""
    infos = infos_by_id(video_infos)
    media = {}
    for media_id in used_media(draft):
        if media_id not in infos:
            continue
        key = ("media", str(cache), media_id, json.dumps(infos[media_id], sort_keys=True, default=str))
        entry = _remembered(key)
        if entry is None:
            entry = _remember(key, localise(media_id, infos[media_id], cache, fetch or download))
        media[media_id] = entry
    media[BLACK_ID] = _black_still(cache)
    return media


def with_proxies(media: Mapping[str, Mapping], ids: Iterable[str], cache: Path, frame_side: int) -> dict[str, dict]:
    """`media` with each of `ids` that is a video read from its proxy (made once), the smallest of
    `PROXY_SIDES` that holds a frame `frame_side` px on its longer side (a larger frame reads the files)."""
    side = next((side for side in PROXY_SIDES if side >= frame_side), None)
    out = dict(media)
    for media_id in ids:
        entry = media.get(media_id)
        if side is not None and entry is not None and _proxied(entry):
            try:
                out[media_id] = proxy_entry(entry, cache, side)
            except MediaError:  # a file ffmpeg reads but cannot shrink: the frames read it as it is
                pass
    return out


def _proxied(entry: Mapping) -> bool:
    path = str(entry.get("path") or "")
    return entry.get("type") == "video" and entry.get("vcodec") != "gif" and not path.lower().endswith(".gif")


def proxy_entry(entry: Mapping, cache: Path, side: int = PROXY_SIDES[0]) -> dict:
    """The media entry read from a small all-keyframe proxy of its file (made once, kept in the cache)."""
    source = Path(entry["path"])
    stat = source.stat()
    key = f"{source.resolve()}|{stat.st_mtime_ns}|{stat.st_size}|{side}|{' '.join(PROXY_CODEC)}"
    memo_key = ("proxy", str(cache), key)
    found = _remembered(memo_key)
    if found is not None:
        return {**entry, **found}
    target = cache / "proxies" / f"{hashlib.sha256(key.encode()).hexdigest()[:24]}.mkv"
    if not target.is_file():
        _make_proxy(source, target, side)
    facts = {k: v for k, v in probe(target).items() if k != "d"}  # the timeline keeps the source's length
    return {**entry, **_remember(memo_key, {**facts, "path": str(target), "has_audio": False})}


def _make_proxy(source: Path, target: Path, side: int) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.stem}.{os.getpid()}-{threading.get_ident()}.partial.mkv")  # one per maker
    scale = (f"scale=trunc(iw*sar/2)*2:ih,setsar=1,scale='min({side},iw)':'min({side},ih)'"
             ":force_original_aspect_ratio=decrease:force_divisible_by=2")
    try:
        run(["-y", "-i", str(source), "-map", "0:v:0", "-an", "-sn", "-dn", "-vf", scale, "-fps_mode", "passthrough",
             *PROXY_CODEC, str(partial)],
            what=f"making a frame proxy of {source.name}", timeout=600)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _black_still(cache: Path) -> dict:
    path = cache / "frames-black.png"
    if not path.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.stem}.{os.getpid()}-{threading.get_ident()}.partial")
        Image.new("RGB", (16, 16)).save(partial, format="PNG")
        os.replace(partial, path)
    return {"id": BLACK_ID, "type": "image", "path": str(path), "d": 0, "width": 16, "height": 16,
            "fps": None, "has_audio": False}


def _remembered(key: tuple) -> dict | None:
    with _memo_lock:
        entry = _memo.get(key)
    if entry is not None and not Path(entry["path"]).is_file():
        return None
    return entry


def _remember(key: tuple, entry: dict) -> dict:
    with _memo_lock:
        if len(_memo) > 1024:
            _memo.clear()
        _memo[key] = entry
    return entry


# --- drawing ------------------------------------------------------------------------------------
class _Draft:
    """One draft made ready for frames: its media local, its length and the canvas the frames use."""

    def __init__(self, draft: Mapping, video_infos, canvas: Mapping | None, width: int, fetch: Fetch | None,
                 cache_dir: str | Path | None):
        if not _whole(width) or width < 16:
            raise RenderError(f"a frame must be at least 16 px wide, not {width!r}")
        self.draft = draft
        self.cache = media_cache(cache_dir)
        self.media = frame_media(draft, video_infos, fetch, self.cache)
        self.duration_ms = read_timeline(draft, self.media).duration_ms
        full = read_canvas(canvas)
        longer = max(full.width, full.height)
        self.preset = Preset("frame", "", max_side=min(MAX_SIDE, math.ceil(width * longer / full.width)),
                             max_fps=120, video=("-f", "rawvideo", "-pix_fmt", "rgb24"))
        self.canvas_in = canvas
        self.size = output_canvas(full, self.preset)

    def check(self, t_s: float) -> float:
        try:
            t_s = float(t_s)
        except (TypeError, ValueError):
            raise RenderError(f"a frame time is a number of seconds, not {t_s!r}") from None
        if not 0 <= t_s * 1000 < self.duration_ms:
            raise RenderError(f"{t_s:g} s is outside the draft: it runs from 0 to {self.duration_ms / 1000:g} s")
        return t_s

    def windows(self, times: Sequence[float]) -> list[tuple[dict, int]]:
        """For each time, the window draft and the number of the wanted frame in it."""
        fps = self.size.fps
        cuts = []
        for t_s in times:
            first, end, frame = frame_window(self.draft, t_s * 1000, fps)
            cuts.append((cut_window(self.draft, first, end, fps, self.media), frame - first))
        return cuts

    def prepare(self, cuts: Sequence[tuple[dict, int]], done: Callable[[], None] = lambda: None) -> None:
        """Make the media of the windows ready (proxies) before drawing, so that drawing only runs
        ffmpeg; `done()` after each."""
        side = max(self.size.width, self.size.height)
        for media_id in needed_media(cuts):
            self.media = with_proxies(self.media, [media_id], self.cache, side)
            done()

    def draw(self, window: Mapping, frame: int) -> Image.Image:
        """Frame number `frame` (from 0) of the window: ffmpeg writes the frames up to it, raw, to a pipe
        (an output -ss can land a frame late)."""
        size = self.size.width * self.size.height * 3
        with tempfile.TemporaryDirectory(prefix="nemo-frame-") as work:
            plan = plan_render(window, self.media, self.canvas_in, "pipe:1", quality=self.preset, workdir=work)
            write_plan_files(plan, Path(work))
            args = plan.args[:-1] + ["-fps_mode", "passthrough", "-frames:v", str(frame + 1), plan.args[-1]]
            done = run(args, what="drawing a frame", text=False, timeout=120)
        if len(done.stdout) < (frame + 1) * size:
            raise RenderError("drawing a frame: ffmpeg wrote no picture")
        return Image.frombytes("RGB", (self.size.width, self.size.height), done.stdout[frame * size:(frame + 1) * size])


def draft_frame(
    draft: Mapping,
    video_infos,
    canvas: Mapping | None,
    t_s: float,
    width: int = FRAME_WIDTH,
    fetch: Fetch | None = None,
    cache_dir: str | Path | None = None,
) -> Image.Image:
    """The composited draft at `t_s` seconds, `width` px wide (at most the canvas's width), as RGB."""
    ready = _Draft(draft, video_infos, canvas, width, fetch, cache_dir)
    cuts = ready.windows([ready.check(t_s)])
    ready.prepare(cuts)
    [(window, frame)] = cuts
    return ready.draw(window, frame)


def draft_frames(
    draft: Mapping,
    video_infos,
    canvas: Mapping | None,
    times: Sequence[float] | None = None,
    n: int | None = None,
    every: float | None = None,
    width: int = SHEET_FRAME_WIDTH,
    fetch: Fetch | None = None,
    cache_dir: str | Path | None = None,
    columns: int = SHEET_COLUMNS,
    progress: Callable[[float], None] | None = None,
) -> Image.Image:
    """A contact sheet: frames at `times` (s), or `n` spread evenly, or one `every` seconds, each
    `width` px wide with its time under it. `progress(percent)` is called (from the drawing
    threads too) as media are made ready and frames drawn."""
    if sum(choice is not None for choice in (times, n, every)) > 1:
        raise RenderError("ask for frames one way: a number of frames, every so many seconds, or a list of times")
    if times is not None:
        times = list(times) if isinstance(times, Iterable) and not isinstance(times, str) else [times]
        if not 1 <= len(times) <= MAX_FRAMES:
            raise RenderError(f"a sheet holds 1 to {MAX_FRAMES} frames, not {len(times)}")
    ready = _Draft(draft, video_infos, canvas, width, fetch, cache_dir)
    times = [ready.check(t) for t in (times if times is not None else sheet_times(ready.duration_ms, n, every))]
    cuts = ready.windows(times)
    tally = _Tally(len(needed_media(cuts)) + len(cuts), progress)
    ready.prepare(cuts, tally.step)
    with ThreadPoolExecutor(max_workers=min(_WORKERS, len(cuts))) as pool:
        pictures = list(pool.map(lambda cut: tally.after(ready.draw(*cut)), cuts))
    tally.finish()
    return contact_sheet(pictures, [time_label(t) for t in times], columns)


def needed_media(cuts: Sequence[tuple[dict, int]]) -> list[str]:
    return sorted({media_id for window, _ in cuts for media_id in used_media(window)})


class _Tally:
    """Percent done of a sheet's steps (media made ready, frames drawn), told to `progress`."""

    def __init__(self, steps: int, progress: Callable[[float], None] | None):
        self.steps, self.progress, self.done = max(1, steps), progress, 0
        self.lock = threading.Lock()

    def step(self) -> None:
        with self.lock:
            self.done += 1
            percent = min(99.0, 100.0 * self.done / self.steps)
        if self.progress is not None:
            self.progress(percent)

    def after(self, value):
        self.step()
        return value

    def finish(self) -> None:
        if self.progress is not None:
            self.progress(100.0)


def sheet_times(duration_ms: int, n: int | None = None, every: float | None = None) -> list[float]:
    """Times (s) for a sheet: the middles of `n` equal parts of the draft, or 0, every, 2 every, …"""
    if every is not None:
        if not isinstance(every, numbers.Real) or not 0 < every < math.inf:
            raise RenderError(f"every must be a positive number of seconds, not {every!r}")
        count = math.ceil(duration_ms / (every * 1000) - 1e-9)
        if count > MAX_FRAMES:
            raise RenderError(f"every {every:g} s makes {count} frames, over the {MAX_FRAMES} a sheet can hold")
        return [round(i * every, 3) for i in range(count)]
    n = 12 if n is None else n
    if not _whole(n) or not 1 <= n <= MAX_FRAMES:
        raise RenderError(f"the number of frames must be a whole number from 1 to {MAX_FRAMES}, not {n!r}")
    return [round((i + 0.5) * duration_ms / n / 1000, 3) for i in range(n)]


def time_label(t_s: float) -> str:
    """12.5 -> '0:12.50'."""
    minutes, seconds = divmod(t_s, 60)
    return f"{int(minutes)}:{seconds:05.2f}"


def contact_sheet(pictures: Sequence[Image.Image], labels: Sequence[str], columns: int = SHEET_COLUMNS) -> Image.Image:
    """The pictures in rows of `columns`, each with its label under it, on a dark background."""
    columns = max(1, min(columns, len(pictures)))
    w, h = pictures[0].size
    gap, band = 6, _LABEL_PX + 8
    rows = math.ceil(len(pictures) / columns)
    sheet = Image.new("RGB", (gap + columns * (w + gap), gap + rows * (h + band + gap)), (24, 24, 24))
    draw = ImageDraw.Draw(sheet)
    font = _label_font()
    for index, (picture, label) in enumerate(zip(pictures, labels)):
        x = gap + (index % columns) * (w + gap)
        y = gap + (index // columns) * (h + band + gap)
        sheet.paste(picture, (x, y))
        text_w = draw.textlength(label, font=font)
        draw.text((x + (w - text_w) / 2, y + h + 3), label, fill=(230, 230, 230), font=font)
    return sheet


def _label_font():
    try:
        return ImageFont.truetype(str(font_path("regular")), _LABEL_PX)
    except (MediaError, OSError):
        return ImageFont.load_default()


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# --- small readers ------------------------------------------------------------------------------
def _speed(m: Mapping) -> float:
    try:
        speed = float(m.get("speed", 1.0))
    except (TypeError, ValueError):
        return 1.0
    return speed if speed > 0 else 1.0


def _whole(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)

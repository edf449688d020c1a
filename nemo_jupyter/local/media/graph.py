"""Turn a draft into one ffmpeg command: one process, one filter graph (or a stream copy).

Pure: no ffmpeg runs here, so every rule is unit-tested on drafts. Reading order:

1. `read_timeline` (timeline.py) lays the draft out as clips (main video track, gaps black),
   captions and sounds.
2. `plan_render` picks stream copy when the draft only joins untouched, compatible clips;
   otherwise `_GraphBuilder` writes, per clip, a video chain (seek, speed, fit to the canvas,
   `setsar`, `fps`, `format`, exact length, fades) and an audio chain (48 kHz stereo, volume,
   exact length, silence for a clip without sound; the per-source part is sources.py, and lengths
   are whole frames of the canvas), joins them with `concat` (`xfade` / `acrossfade`
   where a transition is: each clip's chain then plays its lead and tail footage too), paints the
   overlay layers (layers.py), draws captions with `drawtext` over their time range, and mixes
   sounds in with `amix=…:normalize=0` (looping ones repeated, ducked ones compressed under the
   clips' sound first).
3. The preset (presets.py) decides the output size, frame rate and encoder options.

Captions go through `textfile=` files and the concat list through a list file: the plan names them
(`files`) and the caller writes them into `workdir` before running ffmpeg.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import layers
from .ffmpeg import filter_value
from .fonts import font_path
from .presets import Canvas, Preset, output_canvas, preset, read_canvas
from .probe import STREAM_FACTS
from .sources import AUDIO_FORMAT, AUDIO_RATE, audio_filters, frame_span, input_args, mono_as_both, sample_count
from .sources import number as _num
from .sources import seconds as _s
from .sources import exact_seconds, silence, video_filters
from .timeline import Caption, Clip, Sound, Timeline, read_timeline

COPY_SUFFIXES = {".mp4", ".mov", ".m4v"}
# what a stream copy must already be to equal an encode: H.264 8-bit 4:2:0 (a profile every player
# plays), AAC stereo 48 kHz, square pixels stored upright
COPY_PROFILES = {"High", "Main", "Constrained Baseline", "Baseline"}
COPY_FACTS = {"vcodec": "h264", "pix_fmt": "yuv420p", "rotation": 0, "sar": None, "acodec": "aac",
              "sample_rate": AUDIO_RATE, "channels": 2}
_SAFE_COLOR = re.compile(r"^[A-Za-z0-9#@._]+$")
_TEXT_MARGIN = 0.08  # of the canvas height, for top / bottom captions


@dataclass
class RenderPlan:
    mode: str  # "encode" (filter graph) or "copy" (concat demuxer, no re-encode)
    args: list[str]  # ffmpeg arguments, without the binary
    duration_s: float
    files: dict[str, str] = field(default_factory=dict)  # name in workdir -> text to write first
    sources: list[str] = field(default_factory=list)  # the media files read


def plan_render(
    draft: Mapping,
    media: Mapping[str, Mapping],
    canvas: Mapping | None,
    out_path: str | Path,
    quality: str = "high",
    workdir: str | Path = ".",
    stream_copy: bool = True,
) -> RenderPlan:
    """The ffmpeg command that renders `draft` to `out_path` at `quality` (`stream_copy=False`: always encode)."""
    timeline = read_timeline(draft, media)
    chosen = preset(quality)
    full = read_canvas(canvas)
    copy = stream_copy and chosen.video and not _layered(timeline)
    if copy and can_stream_copy(timeline, full, Path(out_path)):
        return _copy_plan(timeline, Path(out_path), Path(workdir))
    return _GraphBuilder(timeline, output_canvas(full, chosen), chosen, Path(workdir)).plan(Path(out_path))


def _layered(timeline: Timeline) -> bool:
    """Overlays and transitions are drawn: never a stream copy."""
    return bool(timeline.overlays) or any(clip.transition for clip in timeline.clips)


def can_stream_copy(timeline: Timeline, canvas: Canvas, out_path: Path) -> bool:
    """True when the draft only joins whole clips that already are what an encode would make of them.

    The clips must share every probed stream fact (codec, profile, pixel format, time base, audio
    format), be H.264 yuv420p with AAC stereo 48 kHz, upright with square pixels, at the canvas size
    and rate, and last whole frames; anything else is encoded."""
    if timeline.captions or timeline.sounds or out_path.suffix.lower() not in COPY_SUFFIXES:
        return False
    if not all(_untouched(clip, canvas) for clip in timeline.clips):
        return False
    return len({tuple(clip.src.get(k) for k in STREAM_FACTS) for clip in timeline.clips}) == 1


def _untouched(clip: Clip, canvas: Canvas) -> bool:
    src = clip.src
    if src is None or src.get("type") != "video" or not src.get("path") or not src.get("has_audio"):
        return False
    frame_ms = 1000.0 / canvas.fps
    length = int(src.get("d") or 0)
    return (
        Path(src["path"]).suffix.lower() in COPY_SUFFIXES
        and all(src.get(key, "?") == value for key, value in COPY_FACTS.items())
        and src.get("profile") in COPY_PROFILES
        and src.get("time_base") is not None
        and bool(src.get("headers"))  # the codec headers read (equal across clips, like every fact)
        and (src.get("width"), src.get("height")) == (canvas.width, canvas.height)
        and src.get("fps") is not None
        and abs(float(src["fps"]) - canvas.fps) < 0.01
        and clip.in_ms == 0
        and abs(clip.dur_ms - length) <= frame_ms
        and abs(length - round(length / frame_ms) * frame_ms) <= 1  # whole frames: no gap at the joins
        and clip.speed == 1.0
        and clip.volume == 1.0
        and not (clip.fade_in_ms or clip.fade_out_ms)
    )


def _copy_plan(timeline: Timeline, out_path: Path, workdir: Path) -> RenderPlan:
    # `inpoint 0` offsets each file by its own start (0), not by its audio's priming (-21 ms), and
    # `-copyts` keeps those times: otherwise the video starts 21 ms after the audio
    listing = "ffconcat version 1.0\n" + "".join(
        "file '{}'\ninpoint 0\n".format(str(Path(clip.src["path"]).resolve()).replace("'", "'\\''"))
        for clip in timeline.clips
    )
    args = ["-y", "-copyts", "-f", "concat", "-safe", "0", "-i", str(workdir / "concat.txt")]
    args += ["-map", "0:v", "-map", "0:a", "-c", "copy", "-movflags", "+faststart", str(out_path)]
    sources = [str(clip.src["path"]) for clip in timeline.clips]
    return RenderPlan("copy", args, timeline.duration_ms / 1000.0, {"concat.txt": listing}, sources)


class _GraphBuilder:
    def __init__(self, timeline: Timeline, canvas: Canvas, chosen: Preset, workdir: Path):
        self.timeline = timeline
        self.canvas = canvas
        self.preset = chosen
        self.workdir = workdir
        self.with_video = bool(chosen.video) or chosen.gif
        self.with_audio = bool(chosen.audio)
        self.inputs: list[list[str]] = []
        self.chains: list[str] = []
        self.files: dict[str, str] = {}

    # --- the plan, top to bottom ---------------------------------------------------------
    def plan(self, out_path: Path) -> RenderPlan:
        clips = self.timeline.clips or (Clip(0, self.timeline.duration_ms),)
        pieces = [self._clip(i, clip.with_handles()) for i, clip in enumerate(clips)]
        video, audio = self._join(clips, pieces)
        if video and self.timeline.overlays:
            video = self._overlays(video)
        if video and self.timeline.captions:
            video = self._captions(video)
        if audio and self.timeline.sounds:
            audio = self._mix(audio)
        if video and self.preset.gif:
            video = self._gif_palette(video)
        args = ["-y"] + [arg for spec in self.inputs for arg in spec]
        args += ["-filter_complex", ";".join(self.chains)]
        if video:
            args += ["-map", f"[{video}]", *self.preset.video]
        if audio:
            args += ["-map", f"[{audio}]", *self.preset.audio]
        if out_path.suffix.lower() in COPY_SUFFIXES:
            args += ["-movflags", "+faststart"]
        args += ["-t", exact_seconds(self._total_frames() / self.canvas.fps), str(out_path)]
        sources = [spec[-1] for spec in self.inputs]
        return RenderPlan("encode", args, self.timeline.duration_ms / 1000.0, self.files, sources)

    # --- plumbing ------------------------------------------------------------------------
    def _span(self, clip: Clip) -> tuple[int, int]:
        """(first frame, frames) the clip covers on the canvas's frame grid."""
        return frame_span(clip.start_ms, clip.dur_ms, self.canvas.fps)

    def _total_frames(self) -> int:
        return frame_span(0, self.timeline.duration_ms, self.canvas.fps)[1]

    def _input(self, *spec: str) -> int:
        self.inputs.append(list(spec))
        return len(self.inputs) - 1

    def _chain(self, sources: list[str], filters: list[str], *outs: str) -> str:
        """Add `[sources]filter,filter[outs]` to the graph; return the first output label."""
        self.chains.append("".join(f"[{s}]" for s in sources) + ",".join(filters) + "".join(f"[{o}]" for o in outs))
        return outs[0]

    # --- one clip: a video chain and an audio chain of exactly its length ------------------
    def _clip(self, i: int, clip: Clip) -> tuple[str | None, str | None]:
        src = clip.src
        has_sound = bool(src and src.get("has_audio") and src.get("type") == "video" and clip.volume > 0)
        needs_input = src is not None and (self.with_video or has_sound)
        index = self._clip_input(clip) if needs_input else None
        video = self._clip_video(i, clip, index) if self.with_video else None
        audio = None
        if self.with_audio:
            audio = self._clip_audio(i, clip, index) if has_sound else self._silence(i, clip)
        return video, audio

    def _clip_input(self, clip: Clip) -> int:
        frames = self._span(clip)[1]
        span = frames * 1000 / self.canvas.fps * clip.speed  # of source time
        return self._input(*input_args(clip.src, clip.in_ms, span, self.canvas.fps))

    def _clip_video(self, i: int, clip: Clip, index: int | None) -> str:
        w, h, fps = self.canvas.width, self.canvas.height, self.canvas.fps
        frames = self._span(clip)[1]
        if index is None:
            black = [f"color=c=black:s={w}x{h}:r={_num(fps)}:d={exact_seconds(frames / fps)}", f"trim=end_frame={frames}",
                     "setsar=1", "format=yuv420p"]
            return self._chain([], black, f"v{i}")
        filters = video_filters(clip.fit, clip.speed, w, h, fps, frames)
        dur_ms = frames * 1000 / fps
        if clip.fade_in_ms:
            filters.append(f"fade=t=in:st=0:d={_s(clip.fade_in_ms)}")
        if clip.fade_out_ms:
            filters.append(f"fade=t=out:st={_s(dur_ms - clip.fade_out_ms)}:d={_s(clip.fade_out_ms)}")
        return self._chain([f"{index}:v"], filters, f"v{i}")

    def _clip_audio(self, i: int, clip: Clip, index: int) -> str:
        samples = sample_count(*self._span(clip), self.canvas.fps)
        filters = audio_filters(clip.src, clip.speed, samples) + ([] if clip.volume == 1 else [f"volume={clip.volume:g}"])
        filters += _afades(samples * 1000 / AUDIO_RATE, clip.fade_in_ms, clip.fade_out_ms)
        return self._chain([f"{index}:a"], filters, f"a{i}")

    def _silence(self, i: int, clip: Clip) -> str:
        return self._chain([], silence(sample_count(*self._span(clip), self.canvas.fps)), f"a{i}")

    def _concat(self, pieces: list[tuple[str | None, str | None]], run: str = "") -> tuple[str | None, str | None]:
        labels = [label for pair in pieces for label in pair if label]
        v, a = int(self.with_video), int(self.with_audio)
        outs = ([f"vcat{run}"] if v else []) + ([f"acat{run}"] if a else [])
        self._chain(labels, [f"concat=n={len(pieces)}:v={v}:a={a}"], *outs)
        return (f"vcat{run}" if v else None), (f"acat{run}" if a else None)

    # --- compositing: transitions, overlays ------------------------------------------------
    def _join(self, clips, pieces) -> tuple[str | None, str | None]:
        """Runs of clips joined by plain cuts are concatenated; runs meet in a transition: `xfade` and
        `acrossfade` over exactly the frames (and their samples) where the two runs' footage overlaps."""
        runs: list[list] = []  # [pieces, first frame, end frame (lead and tail footage included), first clip]
        for clip, piece in zip(clips, pieces):
            first, frames = self._span(clip.with_handles())
            if runs and not clip.transition:
                runs[-1][0].append(piece)
                runs[-1][2] = first + frames
            else:
                runs.append([[piece], first, first + frames, clip])
        if len(runs) == 1:
            return self._concat(runs[0][0])
        video, audio = self._concat(runs[0][0], "0")
        end, fps = runs[0][2], self.canvas.fps
        for r, (run_pieces, first, run_end, clip) in enumerate(runs[1:], 1):
            v, a = self._concat(run_pieces, str(r))
            suffix = "" if r == len(runs) - 1 else f"x{r}"
            if video:
                video = self._chain([video, v], [layers.xfade(clip.transition, end - first, first, fps)], f"vcat{suffix}")
            if audio:
                overlap = sample_count(first, end - first, fps)
                audio = self._chain([audio, a], [layers.acrossfade(overlap)], f"acat{suffix}")
            end = run_end
        return video, audio

    def _overlays(self, video: str) -> str:
        for i, overlay in enumerate(self.timeline.overlays):
            if layers.is_still(overlay):
                index = self._input("-i", str(overlay.src["path"]))
            else:
                index = self._clip_input(Clip(overlay.start_ms, overlay.dur_ms, overlay.src, overlay.in_ms, overlay.speed))
            layer = self._chain([f"{index}:v"], layers.overlay_filters(overlay, self.canvas), f"o{i}")
            video = self._chain([video, layer], [layers.overlay_at(overlay, self.canvas)], f"vo{i}")
        return video

    # --- over the whole timeline ---------------------------------------------------------
    def _captions(self, video: str) -> str:
        filters = [self._drawtext(i, caption) for i, caption in enumerate(self.timeline.captions)]
        return self._chain([video], filters, "vtext")

    def _drawtext(self, i: int, caption: Caption) -> str:
        name = f"caption{i}.txt"
        self.files[name] = caption.text
        px = max(8, round(caption.size * min(self.canvas.width, self.canvas.height) / 1080))
        color = caption.color if _SAFE_COLOR.match(caption.color) else "white"
        x, y = _text_position(caption.position)
        start, end = caption.start_ms / 1000, (caption.start_ms + caption.dur_ms) / 1000
        options = [
            f"fontfile={filter_value(font_path(caption.font))}",
            f"textfile={filter_value(self.workdir / name)}",
            "expansion=none",
            f"fontsize={px}",
            f"fontcolor={color}",
            f"borderw={max(1, px // 18)}",
            "bordercolor=black@0.7",
            f"x={x}",
            f"y={y}",
            f"enable='gte(t,{start:g})*lt(t,{end:g})'",
        ]
        if caption.box:
            options += ["box=1", "boxcolor=black@0.5", f"boxborderw={max(2, px // 3)}"]
        return "drawtext=" + ":".join(options)

    def _mix(self, audio: str) -> str:
        sounds = [(self._sound(i, sound), sound.duck) for i, sound in enumerate(self.timeline.sounds)]
        labels = [label for label, duck in sounds if not duck]
        ducked = [label for label, duck in sounds if duck]
        if ducked:
            audio, key = self._chain([audio], ["asplit"], "clipsound", "duckkey"), "duckkey"
            together = [f"amix=inputs={len(ducked)}:duration=longest:normalize=0"] if len(ducked) > 1 else []
            bed = self._chain(ducked, [*together, f"apad=whole_dur={_s(self.timeline.duration_ms)}"], "duckbed")
            labels.append(self._chain([bed, key], [layers.DUCK], "ducked"))
        labels.insert(0, audio)
        return self._chain(labels, [f"amix=inputs={len(labels)}:duration=first:normalize=0"], "amixed")

    def _sound(self, i: int, sound: Sound) -> str:
        copies, fade = layers.loop_copies(sound)
        length = ["-t", _s(sound.dur_ms)] if copies == 1 else []
        index = self._input("-ss", _s(sound.in_ms), *length, "-i", str(sound.src["path"]))
        filters = ["asetpts=PTS-STARTPTS", *mono_as_both(sound.src), AUDIO_FORMAT]
        source = f"{index}:a"
        if copies > 1:  # one read of the file, split, each copy crossfaded into the next
            copy_labels = [f"s{i}l{n}" for n in range(copies)]
            self._chain([source], [*filters, f"asplit={copies}"], *copy_labels)
            source, filters = copy_labels[0], []
            for n, label in enumerate(copy_labels[1:], 1):
                source = self._chain([source, label], [layers.acrossfade(round(fade * AUDIO_RATE / 1000))], f"s{i}j{n}")
        filters += _level_and_length(sound.volume, sound.dur_ms, sound.fade_in_ms, sound.fade_out_ms)
        if sound.start_ms:
            filters.append(f"adelay={sound.start_ms}:all=1")
        return self._chain([source], filters, f"s{i}")

    def _gif_palette(self, video: str) -> str:
        self._chain([video], ["split"], "g0", "g1")
        self._chain(["g0"], ["palettegen=stats_mode=diff"], "palette")
        return self._chain(["g1", "palette"], ["paletteuse"], "vgif")


# --- small pure helpers ----------------------------------------------------------------------
def _level_and_length(volume: float, dur_ms: int, fade_in_ms: int, fade_out_ms: int) -> list[str]:
    filters = [] if volume == 1 else [f"volume={volume:g}"]
    return filters + ["apad", f"atrim=duration={_s(dur_ms)}"] + _afades(dur_ms, fade_in_ms, fade_out_ms)


def _afades(dur_ms: float, fade_in_ms: int, fade_out_ms: int) -> list[str]:
    filters = [f"afade=t=in:st=0:d={_s(fade_in_ms)}"] if fade_in_ms else []
    if fade_out_ms:
        filters.append(f"afade=t=out:st={_s(dur_ms - fade_out_ms)}:d={_s(fade_out_ms)}")
    return filters


def _text_position(position) -> tuple[str, str]:
    centred_x = "(w-tw)/2"
    if isinstance(position, Mapping):
        fx, fy = (layers.fraction(position.get(k)) for k in ("x", "y"))
        return f"w*{fx:g}-tw/2", f"h*{fy:g}-th/2"
    where = str(position).lower()
    if where == "top":
        return centred_x, f"h*{_TEXT_MARGIN:g}"
    if where == "bottom":
        return centred_x, f"h-th-h*{_TEXT_MARGIN:g}"
    return centred_x, "(h-th)/2"

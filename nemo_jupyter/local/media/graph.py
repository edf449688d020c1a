"""Turn a draft into one ffmpeg command: one process, one filter graph (or a stream copy).

Pure: no ffmpeg runs here, so every rule is unit-tested on drafts. Reading order:

1. `read_timeline` (timeline.py) lays the draft out as clips (main video track, gaps black),
   captions and sounds.
2. `plan_render` picks stream copy when the draft only joins untouched, compatible clips;
   otherwise `_GraphBuilder` writes, per clip, a video chain (seek, speed, fit to the canvas,
   `setsar`, `fps`, `format`, exact length, fades) and an audio chain (48 kHz stereo, volume,
   exact length, silence for a clip without sound), joins them with `concat` (`xfade` / `acrossfade`
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
from .timeline import Caption, Clip, Sound, Timeline, read_timeline

AUDIO_FORMAT = "aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo"
COPY_SUFFIXES = {".mp4", ".mov", ".m4v"}
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
) -> RenderPlan:
    """The ffmpeg command that renders `draft` to `out_path` at `quality`."""
    timeline = read_timeline(draft, media)
    chosen = preset(quality)
    full = read_canvas(canvas)
    if chosen.video and not _layered(timeline) and can_stream_copy(timeline, full, Path(out_path)):
        return _copy_plan(timeline, Path(out_path), Path(workdir))
    return _GraphBuilder(timeline, output_canvas(full, chosen), chosen, Path(workdir)).plan(Path(out_path))


def _layered(timeline: Timeline) -> bool:
    """Overlays and transitions are drawn: never a stream copy."""
    return bool(timeline.overlays) or any(clip.transition for clip in timeline.clips)


def can_stream_copy(timeline: Timeline, canvas: Canvas, out_path: Path) -> bool:
    """True when the draft only joins whole clips that already share the canvas's format."""
    if timeline.captions or timeline.sounds or out_path.suffix.lower() not in COPY_SUFFIXES:
        return False
    if not all(_untouched(clip, canvas) for clip in timeline.clips):
        return False
    return len({tuple(clip.src.get(k) for k in STREAM_FACTS) for clip in timeline.clips}) == 1


def _untouched(clip: Clip, canvas: Canvas) -> bool:
    src = clip.src
    if src is None or src.get("type") != "video" or not src.get("path"):
        return False
    frame_ms = 1000.0 / canvas.fps
    return (
        Path(src["path"]).suffix.lower() in COPY_SUFFIXES
        and src.get("vcodec") == "h264"
        and (src.get("width"), src.get("height")) == (canvas.width, canvas.height)
        and src.get("fps") is not None
        and abs(float(src["fps"]) - canvas.fps) < 0.01
        and clip.in_ms == 0
        and abs(clip.dur_ms - int(src.get("d") or 0)) <= frame_ms
        and clip.speed == 1.0
        and clip.volume == 1.0
        and not (clip.fade_in_ms or clip.fade_out_ms)
    )


def _copy_plan(timeline: Timeline, out_path: Path, workdir: Path) -> RenderPlan:
    listing = "ffconcat version 1.0\n" + "".join(
        "file '{}'\n".format(str(Path(clip.src["path"]).resolve()).replace("'", "'\\''")) for clip in timeline.clips
    )
    args = ["-y", "-f", "concat", "-safe", "0", "-i", str(workdir / "concat.txt")]
    args += ["-map", "0:v", "-map", "0:a?", "-c", "copy", "-movflags", "+faststart", str(out_path)]
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
        args += ["-t", _s(self.timeline.duration_ms), str(out_path)]
        sources = [spec[-1] for spec in self.inputs]
        return RenderPlan("encode", args, self.timeline.duration_ms / 1000.0, self.files, sources)

    # --- plumbing ------------------------------------------------------------------------
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
            audio = self._clip_audio(i, clip, index) if has_sound else self._silence(i, clip.dur_ms)
        return video, audio

    def _clip_input(self, clip: Clip) -> int:
        path = str(clip.src["path"])
        if clip.src.get("type") == "image":
            return self._input("-loop", "1", "-framerate", _num(self.canvas.fps), "-t", _s(clip.dur_ms), "-i", path)
        span = clip.dur_ms * clip.speed
        return self._input("-ss", _s(clip.in_ms), "-t", _s(span), "-i", path)

    def _clip_video(self, i: int, clip: Clip, index: int | None) -> str:
        w, h, fps = self.canvas.width, self.canvas.height, _num(self.canvas.fps)
        if index is None:
            return self._chain([], [f"color=c=black:s={w}x{h}:r={fps}:d={_s(clip.dur_ms)}", "setsar=1", "format=yuv420p"], f"v{i}")
        filters = ["setpts=PTS-STARTPTS" if clip.speed == 1 else f"setpts=(PTS-STARTPTS)/{_num(clip.speed)}"]
        filters += _fit(clip.fit, w, h)
        filters += ["setsar=1", f"fps={fps}", "format=yuv420p"]
        filters += [f"tpad=stop_mode=clone:stop_duration={_s(clip.dur_ms)}", f"trim=duration={_s(clip.dur_ms)}"]
        if clip.fade_in_ms:
            filters.append(f"fade=t=in:st=0:d={_s(clip.fade_in_ms)}")
        if clip.fade_out_ms:
            filters.append(f"fade=t=out:st={_s(clip.dur_ms - clip.fade_out_ms)}:d={_s(clip.fade_out_ms)}")
        return self._chain([f"{index}:v"], filters, f"v{i}")

    def _clip_audio(self, i: int, clip: Clip, index: int) -> str:
        filters = ["asetpts=PTS-STARTPTS", *_atempo(clip.speed), *_mono_as_both(clip.src), AUDIO_FORMAT]
        filters += _level_and_length(clip.volume, clip.dur_ms, clip.fade_in_ms, clip.fade_out_ms)
        return self._chain([f"{index}:a"], filters, f"a{i}")

    def _silence(self, i: int, dur_ms: int) -> str:
        return self._chain([], ["anullsrc=r=48000:cl=stereo", f"atrim=duration={_s(dur_ms)}"], f"a{i}")

    def _concat(self, pieces: list[tuple[str | None, str | None]], run: str = "") -> tuple[str | None, str | None]:
        labels = [label for pair in pieces for label in pair if label]
        v, a = int(self.with_video), int(self.with_audio)
        outs = ([f"vcat{run}"] if v else []) + ([f"acat{run}"] if a else [])
        self._chain(labels, [f"concat=n={len(pieces)}:v={v}:a={a}"], *outs)
        return (f"vcat{run}" if v else None), (f"acat{run}" if a else None)

    # --- compositing: transitions, overlays ------------------------------------------------
    def _join(self, clips, pieces) -> tuple[str | None, str | None]:
        """Runs of clips joined by plain cuts are concatenated; runs meet in a transition (xfade)."""
        runs: list[list] = []  # [pieces, length ms with lead and tail footage, the run's first clip]
        for clip, piece in zip(clips, pieces):
            length = clip.lead_ms + clip.dur_ms + clip.tail_ms
            if runs and not clip.transition:
                runs[-1][0].append(piece)
                runs[-1][1] += length
            else:
                runs.append([[piece], length, clip])
        if len(runs) == 1:
            return self._concat(runs[0][0])
        video, audio = self._concat(runs[0][0], "0")
        total = runs[0][1]
        for r, (run_pieces, length, first) in enumerate(runs[1:], 1):
            v, a = self._concat(run_pieces, str(r))
            offset, suffix = total - first.transition_ms, "" if r == len(runs) - 1 else f"x{r}"
            if video:
                video = self._chain([video, v], [layers.xfade(first.transition, first.transition_ms, offset)],
                                    f"vcat{suffix}")
            if audio:
                audio = self._chain([audio, a], [layers.acrossfade(first.transition_ms)], f"acat{suffix}")
            total = offset + length
        return video, audio

    def _overlays(self, video: str) -> str:
        for i, overlay in enumerate(self.timeline.overlays):
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
        filters = ["asetpts=PTS-STARTPTS", *_mono_as_both(sound.src), AUDIO_FORMAT]
        source = f"{index}:a"
        if copies > 1:  # one read of the file, split, each copy crossfaded into the next
            copy_labels = [f"s{i}l{n}" for n in range(copies)]
            self._chain([source], [*filters, f"asplit={copies}"], *copy_labels)
            source, filters = copy_labels[0], []
            for n, label in enumerate(copy_labels[1:], 1):
                source = self._chain([source, label], [layers.acrossfade(fade)], f"s{i}j{n}")
        filters += _level_and_length(sound.volume, sound.dur_ms, sound.fade_in_ms, sound.fade_out_ms)
        if sound.start_ms:
            filters.append(f"adelay={sound.start_ms}:all=1")
        return self._chain([source], filters, f"s{i}")

    def _gif_palette(self, video: str) -> str:
        self._chain([video], ["split"], "g0", "g1")
        self._chain(["g0"], ["palettegen=stats_mode=diff"], "palette")
        return self._chain(["g1", "palette"], ["paletteuse"], "vgif")


# --- small pure helpers ----------------------------------------------------------------------
def _s(ms: float) -> str:
    """Milliseconds as ffmpeg seconds text: 1500 -> '1.5'."""
    return f"{ms / 1000:.3f}".rstrip("0").rstrip(".") or "0"


def _num(value: float) -> str:
    return f"{value:g}"


def _fit(fit: str, w: int, h: int) -> list[str]:
    if fit == "cover":
        return [f"scale={w}:{h}:force_original_aspect_ratio=increase", f"crop={w}:{h}"]
    if fit == "stretch":
        return [f"scale={w}:{h}"]
    return [
        f"scale={w}:{h}:force_original_aspect_ratio=decrease:force_divisible_by=2",
        f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=black",
    ]


def _atempo(speed: float) -> list[str]:
    """atempo takes 0.5..100 per instance: chain halves for slower speeds."""
    if speed == 1:
        return []
    steps = []
    while speed < 0.5:
        steps.append("atempo=0.5")
        speed /= 0.5
    return steps + [f"atempo={speed:g}"]


def _mono_as_both(src: Mapping) -> list[str]:
    """Mono sound on both stereo channels at full level (the default upmix would lower it 3 dB)."""
    return ["pan=stereo|c0=c0|c1=c0"] if src.get("channels") == 1 else []


def _level_and_length(volume: float, dur_ms: int, fade_in_ms: int, fade_out_ms: int) -> list[str]:
    filters = [] if volume == 1 else [f"volume={volume:g}"]
    filters += ["apad", f"atrim=duration={_s(dur_ms)}"]
    if fade_in_ms:
        filters.append(f"afade=t=in:st=0:d={_s(fade_in_ms)}")
    if fade_out_ms:
        filters.append(f"afade=t=out:st={_s(dur_ms - fade_out_ms)}:d={_s(fade_out_ms)}")
    return filters


def _text_position(position) -> tuple[str, str]:
    centred_x = "(w-tw)/2"
    if isinstance(position, Mapping):
        fx = _fraction(position.get("x"), 0.5)
        fy = _fraction(position.get("y"), 0.5)
        return f"w*{fx:g}-tw/2", f"h*{fy:g}-th/2"
    where = str(position).lower()
    if where == "top":
        return centred_x, f"h*{_TEXT_MARGIN:g}"
    if where == "bottom":
        return centred_x, f"h-th-h*{_TEXT_MARGIN:g}"
    return centred_x, "(h-th)/2"


def _fraction(value, default: float) -> float:
    try:
        return min(1.0, max(0.0, float(value)))
    except (TypeError, ValueError):
        return default

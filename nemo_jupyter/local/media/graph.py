"""Turn a draft into one ffmpeg command: one process, one filter graph (or a stream copy).

Pure: no ffmpeg runs here, so every rule is unit-tested on drafts. Reading order:

1. `read_timeline` (timeline.py) lays the draft out as clips (main video track, gaps black),
   captions and sounds.
2. `plan_render` picks stream copy when the draft only joins untouched, compatible clips;
   otherwise `_GraphBuilder` writes, per clip, a video chain (seek, speed, fit to the canvas,
   `setsar`, `fps`, `format`, exact length, fades) and an audio chain (48 kHz stereo, volume,
   exact length, silence for a clip without sound), joins them with `concat`, draws captions with
   `drawtext` over their time range, and mixes sounds in with `amix=…:normalize=0`.
3. The preset (presets.py) decides the output size, frame rate and encoder options.

Captions go through `textfile=` files and the concat list through a list file: the plan names them
(`files`) and the caller writes them into `workdir` before running ffmpeg.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

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
    if chosen.video and can_stream_copy(timeline, full, Path(out_path)):
        return _copy_plan(timeline, Path(out_path), Path(workdir))
    return _GraphBuilder(timeline, output_canvas(full, chosen), chosen, Path(workdir)).plan(Path(out_path))


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
        pieces = [self._clip(i, clip) for i, clip in enumerate(clips)]
        video, audio = self._concat(pieces)
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

    def _concat(self, pieces: list[tuple[str | None, str | None]]) -> tuple[str | None, str | None]:
        labels = [label for pair in pieces for label in pair if label]
        v, a = int(self.with_video), int(self.with_audio)
        outs = (["vcat"] if v else []) + (["acat"] if a else [])
        self._chain(labels, [f"concat=n={len(pieces)}:v={v}:a={a}"], *outs)
        return ("vcat" if v else None), ("acat" if a else None)

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
        labels = [audio] + [self._sound(i, sound) for i, sound in enumerate(self.timeline.sounds)]
        return self._chain(labels, [f"amix=inputs={len(labels)}:duration=first:normalize=0"], "amixed")

    def _sound(self, i: int, sound: Sound) -> str:
        index = self._input("-ss", _s(sound.in_ms), "-t", _s(sound.dur_ms), "-i", str(sound.src["path"]))
        filters = ["asetpts=PTS-STARTPTS", *_mono_as_both(sound.src), AUDIO_FORMAT]
        filters += _level_and_length(sound.volume, sound.dur_ms, sound.fade_in_ms, sound.fade_out_ms)
        if sound.start_ms:
            filters.append(f"adelay={sound.start_ms}:all=1")
        return self._chain([f"{index}:a"], filters, f"s{i}")

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

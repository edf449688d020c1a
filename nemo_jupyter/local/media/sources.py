"""The per-source input stage of a render: how one clip's file enters the filter graph.

Pure (no ffmpeg runs here). For each clip of the main track:

- `input_args` opens the file: a still loops one picture at the canvas rate, an animated image (a
  GIF: type "image" with a length) plays with its own timing and loops (`-stream_loop`), a video
  seeks to its in-point;
- `video_filters` makes its picture upright (ffmpeg's autorotate follows the rotation side data),
  display-shaped (the sample aspect ratio is applied while fitting: contain / cover / stretch),
  on the canvas's frame grid (`fps`, yuv420p) and exactly `frames` long;
- `audio_filters` makes its sound 48 kHz stereo, exactly `samples` long (silence: `silence`).

Lengths are whole frames: a clip covers the canvas frames from `round(start × fps)` to
`round(end × fps)` (`frame_span`), and its sound the samples of exactly those frames, so joins
leave no gap and video and audio end together whatever the clips' lengths in ms.
"""

from __future__ import annotations

from collections.abc import Mapping

AUDIO_RATE = 48000
AUDIO_FORMAT = f"aresample={AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo"
# the display aspect ratio of the decoded picture (its sample aspect ratio applied)
_DAR = "(iw*sar/ih)"


def frame_span(start_ms: float, dur_ms: float, fps: float) -> tuple[int, int]:
    """(first frame, number of frames) of the canvas frame grid that a piece from start to end covers."""
    first = round(start_ms * fps / 1000)
    return first, max(1, round((start_ms + dur_ms) * fps / 1000) - first)


def exact_seconds(value: float) -> str:
    """Seconds to the microsecond, without trailing zeros: 2.0 -> '2', 1/30 -> '0.033333'."""
    return f"{value:.6f}".rstrip("0").rstrip(".") or "0"


def sample_count(first_frame: int, frames: int, fps: float) -> int:
    """The 48 kHz samples that play during those frames (sample boundaries follow frame boundaries)."""
    return round((first_frame + frames) * AUDIO_RATE / fps) - round(first_frame * AUDIO_RATE / fps)


# how an animated image loops: GIFs from the start of the file again; animated WebP by its own loop
# (its demuxer does not seek back)
_LOOPS = {"gif": ["-stream_loop", "-1"], "webp_anim": ["-ignore_loop", "0"]}


def is_animated(src: Mapping) -> bool:
    """An image with a length of its own (an animated GIF) or an animated codec plays as video."""
    return src.get("type") == "image" and (bool(src.get("d")) or src.get("vcodec") in _LOOPS)


def input_args(src: Mapping, in_ms: float, span_ms: float, fps: float) -> list[str]:
    """ffmpeg input options that open `src` from `in_ms` for at least `span_ms` of source time."""
    path = str(src["path"])
    if is_animated(src):
        start = in_ms % float(src["d"]) if src.get("d") else 0
        seek = ["-ss", seconds(start)] if start else []
        return [*_LOOPS.get(src.get("vcodec"), _LOOPS["gif"]), *seek, "-t", seconds(span_ms), "-i", path]
    if src.get("type") == "image":
        return ["-loop", "1", "-framerate", number(fps), "-t", seconds(span_ms), "-i", path]
    return ["-ss", seconds(in_ms), "-t", seconds(span_ms), "-i", path]


def video_filters(fit: str, speed: float, width: int, height: int, fps: float, frames: int) -> list[str]:
    """A source picture made upright, fit on a width × height canvas at `fps`, exactly `frames` long."""
    filters = [retime(speed), *fit_filters(fit, width, height)]
    filters += ["setsar=1", f"fps={number(fps)}", "format=yuv420p"]
    filters += [f"tpad=stop_mode=clone:stop_duration={exact_seconds(frames / fps)}", f"trim=end_frame={frames}"]
    return filters


def retime(speed: float) -> str:
    """A picture's time from 0, played `speed` times as fast."""
    return "setpts=PTS-STARTPTS" if speed == 1 else f"setpts=(PTS-STARTPTS)/{number(speed)}"


def fit_filters(fit: str, w: int, h: int) -> list[str]:
    """Scale (and pad or crop) a picture onto w × h by its display aspect ratio (SAR applied)."""
    if fit == "stretch":
        return [f"scale={w}:{h}"]
    wider = f"gt({_DAR},{w}/{h})"
    if fit == "cover":
        size = f"w='if({wider},2*ceil({h}*{_DAR}/2),{w})':h='if({wider},{h},2*ceil({w}/{_DAR}/2))'"
        return [f"scale={size}", f"crop={w}:{h}"]
    size = f"w='if({wider},{w},2*round({h}*{_DAR}/2))':h='if({wider},2*round({w}/{_DAR}/2),{h})'"
    return [f"scale={size}", f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=black"]


def audio_filters(src: Mapping, speed: float, samples: int) -> list[str]:
    """A source's sound as 48 kHz stereo, sped up like its picture, padded or cut to `samples`."""
    filters = ["asetpts=PTS-STARTPTS", *atempo(speed), *mono_as_both(src), AUDIO_FORMAT]
    return filters + ["apad", f"atrim=end_sample={samples}"]


def silence(samples: int) -> list[str]:
    return [f"anullsrc=r={AUDIO_RATE}:cl=stereo", f"atrim=end_sample={samples}"]


def atempo(speed: float) -> list[str]:
    """atempo takes 0.5..100 per instance: chain halves for slower speeds."""
    if speed == 1:
        return []
    steps = []
    while speed < 0.5:
        steps.append("atempo=0.5")
        speed /= 0.5
    return steps + [f"atempo={speed:g}"]


def mono_as_both(src: Mapping) -> list[str]:
    """Mono sound on both stereo channels at full level (the default upmix would lower it 3 dB)."""
    return ["pan=stereo|c0=c0|c1=c0"] if src.get("channels") == 1 else []


def seconds(ms: float) -> str:
    """Milliseconds as ffmpeg seconds text: 1500 -> '1.5'."""
    return f"{ms / 1000:.3f}".rstrip("0").rstrip(".") or "0"


def number(value: float) -> str:
    return f"{value:g}"

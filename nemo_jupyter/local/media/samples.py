"""Sample media made by ffmpeg's lavfi test sources: no binary media in the repo.

`make_clip` makes a short "AI-generated"-looking clip (moving test pattern or a solid colour, with a
tone), `make_tone` a music-like sine, `make_image` a still.
"""

from __future__ import annotations

from pathlib import Path

from .ffmpeg import filter_value, run
from .fonts import font_path

PATTERNS = ("testsrc2", "testsrc", "smptebars", "smptehdbars", "rgbtestsrc", "mandelbrot", "life", "cellauto")


def _video_source(pattern: str, color: str | None, size: tuple[int, int], fps: int, seconds: float) -> str:
    w, h = size
    if color is not None:
        return f"color=c={color}:s={w}x{h}:r={fps}:d={seconds}"
    if pattern not in PATTERNS:
        raise ValueError(f"unknown pattern {pattern!r}: use one of {', '.join(PATTERNS)} or color=")
    if pattern in ("life", "cellauto", "mandelbrot"):
        return f"{pattern}=s={w}x{h}:r={fps},trim=duration={seconds}"
    return f"{pattern}=s={w}x{h}:r={fps}:d={seconds}"


def _label_filter(label: str, height: int) -> str:
    return (
        f"drawtext=fontfile={filter_value(font_path())}:text={filter_value(label)}:expansion=none"
        f":fontsize={max(12, height // 8)}:fontcolor=white:borderw=2:bordercolor=black:x=(w-tw)/2:y=h-th-h/10"
    )


def make_clip(
    path: str | Path,
    seconds: float = 2.0,
    size: tuple[int, int] = (320, 240),
    pattern: str = "testsrc2",
    tone_hz: float = 440,
    audio: bool = True,
    fps: int = 30,
    *,
    color: str | None = None,
    label: str | None = None,
    gop: int | None = None,
    crf: int = 28,
) -> Path:
    """Write a clip of `seconds` at `size`/`fps`: H.264 + AAC in MP4/MOV/MKV, VP9 + Opus in WebM.

    `color` makes a solid-colour clip instead of `pattern`; `label` draws a caption on it;
    `gop` sets the keyframe interval (frames).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    args = ["-y", "-f", "lavfi", "-i", _video_source(pattern, color, tuple(size), fps, seconds)]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=f={tone_hz}:sample_rate=48000:d={seconds}"]
    if label:
        args += ["-vf", _label_filter(label, size[1])]
    if path.suffix.lower() == ".webm":
        args += ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k"]
        args += ["-c:a", "libopus"] if audio else []
    else:
        args += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", str(crf), "-pix_fmt", "yuv420p"]
        args += ["-c:a", "aac", "-b:a", "96k"] if audio else []
    args += ["-ac", "2"] if audio else []  # stereo, like the clips people upload
    if gop:
        args += ["-g", str(gop)]
    args += ["-t", str(seconds), str(path)]
    run(args, what=f"making sample clip {path.name}")
    return path


def make_tone(path: str | Path, seconds: float = 2.0, hz: float = 220, *, volume: float = 1.0) -> Path:
    """Write a sine tone (music stand-in) as m4a/aac/mp3/wav, chosen by the file extension."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    codec = {".wav": "pcm_s16le", ".mp3": "libmp3lame"}.get(path.suffix.lower(), "aac")
    source = f"sine=f={hz}:sample_rate=48000:d={seconds}"
    args = ["-y", "-f", "lavfi", "-i", source, "-ac", "2"]
    if volume != 1.0:
        args += ["-af", f"volume={volume}"]
    args += ["-c:a", codec, "-t", str(seconds), str(path)]
    run(args, what=f"making sample tone {path.name}")
    return path


def make_image(path: str | Path, size: tuple[int, int] = (320, 240), *, color: str | None = None) -> Path:
    """Write one still (PNG/JPEG/WebP by extension): a test pattern, or a solid `color`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    args = ["-y", "-f", "lavfi", "-i", _video_source("testsrc2", color, tuple(size), 1, 1)]
    args += ["-frames:v", "1", "-update", "1", str(path)]
    run(args, what=f"making sample image {path.name}")
    return path

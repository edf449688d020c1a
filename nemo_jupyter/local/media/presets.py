"""Output presets: what each `quality` means for size, frame rate and encoder settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .errors import DraftError

MAX_SIDE = 1920
DEFAULT_CANVAS = {"width": 1920, "height": 1080, "fps": 30}


@dataclass(frozen=True)
class Canvas:
    width: int
    height: int
    fps: float


@dataclass(frozen=True)
class Preset:
    name: str
    suffix: str  # the output container's usual extension
    max_side: int = MAX_SIDE  # the canvas is scaled down to fit this
    max_fps: float = 60
    video: tuple[str, ...] = ()  # encoder options; empty: no video stream
    audio: tuple[str, ...] = ()  # encoder options; empty: no audio stream
    gif: bool = False


_X264 = ("-c:v", "libx264", "-pix_fmt", "yuv420p")
PRESETS = {
    "draft": Preset(
        "draft", ".mp4", max_side=640, max_fps=30,
        video=_X264 + ("-preset", "ultrafast", "-crf", "30", "-tune", "fastdecode"), audio=("-c:a", "aac", "-b:a", "96k"),
    ),
    "high": Preset(
        "high", ".mp4", video=_X264 + ("-preset", "veryfast", "-crf", "20"), audio=("-c:a", "aac", "-b:a", "192k"),
    ),
    "audio": Preset("audio", ".m4a", audio=("-c:a", "aac", "-b:a", "192k")),
    "gif": Preset("gif", ".gif", max_side=480, max_fps=12, gif=True),
}


def preset(quality: str | Preset) -> Preset:
    """The preset named `quality`; a Preset itself is taken as is (frames.py builds its own)."""
    if isinstance(quality, Preset):
        return quality
    try:
        return PRESETS[quality]
    except KeyError:
        raise DraftError(f"unknown quality {quality!r}: use one of {', '.join(PRESETS)}") from None


def read_canvas(canvas: Mapping | None) -> Canvas:
    """The draft's canvas (16:9, 9:16, 1:1, anything up to 1920 px a side), validated."""
    canvas = {**DEFAULT_CANVAS, **{k: v for k, v in (canvas or {}).items() if v is not None}}
    try:
        width, height, fps = int(canvas["width"]), int(canvas["height"]), float(canvas["fps"])
    except (TypeError, ValueError):
        raise DraftError(f"canvas must have numeric width, height and fps, got {dict(canvas)!r}") from None
    if not (16 <= width <= MAX_SIDE and 16 <= height <= MAX_SIDE):
        raise DraftError(f"canvas {width}x{height} is out of range: each side must be 16 to {MAX_SIDE} px")
    if not 1 <= fps <= 120:
        raise DraftError(f"canvas frame rate {fps:g} is out of range (1 to 120)")
    return Canvas(_even(width), _even(height), fps)


def output_canvas(canvas: Canvas, chosen: Preset) -> Canvas:
    """The canvas scaled down (aspect kept, even sides) to the preset's size and frame-rate caps."""
    scale = min(1.0, chosen.max_side / max(canvas.width, canvas.height))
    fps = min(canvas.fps, chosen.max_fps)
    return Canvas(_even(round(canvas.width * scale)), _even(round(canvas.height * scale)), fps)


def _even(n: int) -> int:
    return max(2, n - n % 2)

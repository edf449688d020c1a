"""Frames out of media: one decoded frame, a poster per clip, a strip of frames per segment.

Posters and strips are cached on disk by source path + mtime + size + the request, so the timeline
widget can ask again for free.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

from PIL import Image

from .ffmpeg import run
from .errors import MediaError


def frame_at(path: str | Path, seconds: float, width: int | None = None) -> Image.Image:
    """The first frame at or after `seconds` (RGB), `width` px wide (aspect kept) when given."""
    args = ["-ss", f"{max(0.0, seconds):.3f}", "-i", str(path), "-frames:v", "1"]
    if width:
        args += ["-vf", f"scale={int(width)}:-2"]
    args += ["-f", "image2pipe", "-c:v", "png", "pipe:1"]
    done = run(args, what=f"reading a frame of {Path(path).name}", text=False)
    if not done.stdout:
        raise MediaError(f"{Path(path).name} has no frame at {seconds:.2f} s")
    return Image.open(io.BytesIO(done.stdout)).convert("RGB")


def poster(path: str | Path, cache_dir: str | Path, *, at_s: float | None = None, width: int = 320) -> Path:
    """A JPEG poster frame of a clip (by default a tenth of the way in), cached."""
    path = Path(path)
    target = _cached(path, cache_dir, f"poster-{at_s}-{width}", ".jpg")
    if not target.exists():
        from .probe import probe

        info = probe(path)
        seconds = at_s if at_s is not None else info["d"] / 10000.0
        _save(frame_at(path, seconds, width), target)
    return target


def strip(
    path: str | Path, cache_dir: str | Path, *, start_s: float, dur_s: float, frames: int = 8, height: int = 48
) -> Path:
    """One JPEG of `frames` frames side by side, evenly spread over [start_s, start_s + dur_s)."""
    path = Path(path)
    if frames < 1 or dur_s <= 0:
        raise MediaError("a frame strip needs at least one frame and a positive duration")
    target = _cached(path, cache_dir, f"strip-{start_s}-{dur_s}-{frames}-{height}", ".jpg")
    if not target.exists():
        step = dur_s / frames
        fps = 1.0 / step
        args = ["-ss", f"{start_s:.3f}", "-t", f"{dur_s:.3f}", "-i", str(path)]
        args += ["-vf", f"fps={fps:.6f}:start_time=0,scale=-2:{int(height)},tile={frames}x1", "-frames:v", "1"]
        args += ["-f", "image2pipe", "-c:v", "png", "pipe:1"]
        done = run(args, what=f"making a frame strip of {path.name}", text=False)
        if not done.stdout:
            raise MediaError(f"{path.name} has no frames between {start_s:.2f} s and {start_s + dur_s:.2f} s")
        _save(Image.open(io.BytesIO(done.stdout)).convert("RGB"), target)
    return target


def _cached(path: Path, cache_dir: str | Path, request: str, suffix: str) -> Path:
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise MediaError(f"no such media file: {path.name}") from None
    key = f"{path.resolve()}|{stat.st_mtime_ns}|{stat.st_size}|{request}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    folder = Path(cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{path.stem[:40]}-{digest}{suffix}"


def _save(image: Image.Image, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    image.save(partial, format="JPEG", quality=85)
    os.replace(partial, target)

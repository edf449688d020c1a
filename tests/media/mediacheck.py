"""Helpers for checking rendered media: colours of decoded frames, audio levels."""

from __future__ import annotations

import re

from nemo_jupyter.local.media.ffmpeg import run
from nemo_jupyter.local.media.probe import probe
from nemo_jupyter.local.media.thumbs import frame_at


def media_entry(path, **extra) -> dict:
    """A media-map entry for `render_draft`, as the backend would hold it."""
    return {**probe(path), "path": str(path), **extra}


def colour_at(path, seconds: float, xy=None) -> tuple[int, int, int]:
    """RGB of one pixel (default: the centre) of the frame at `seconds`."""
    image = frame_at(path, seconds)
    x, y = xy if xy is not None else (image.width // 2, image.height // 2)
    return image.getpixel((x, y))


def is_colour(rgb, name: str, tolerance: int = 60) -> bool:
    expected = {"red": (255, 0, 0), "green": (0, 128, 0), "blue": (0, 0, 255), "black": (0, 0, 0),
                "white": (255, 255, 255), "yellow": (255, 255, 0)}[name]
    return all(abs(a - b) <= tolerance for a, b in zip(rgb, expected))


def count_pixels(path, seconds: float, predicate, box=None) -> int:
    """How many pixels of the frame at `seconds` (inside `box`) satisfy `predicate(rgb)`."""
    image = frame_at(path, seconds)
    if box is not None:
        image = image.crop(box)
    data = image.tobytes()
    return sum(1 for i in range(0, len(data), 3) if predicate(tuple(data[i : i + 3])))


def mean_volume_db(path, start_s: float, dur_s: float) -> float:
    """Mean loudness (dBFS) of the audio between start_s and start_s + dur_s (volumedetect)."""
    done = run(["-ss", str(start_s), "-t", str(dur_s), "-i", str(path), "-vn", "-af", "volumedetect", "-f", "null", "-"])
    match = re.search(r"mean_volume: (-?[\d.]+|-inf) dB", done.stderr)
    assert match, "volumedetect printed no mean volume"
    return float(match[1]) if match[1] != "-inf" else float("-inf")

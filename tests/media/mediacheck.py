"""Helpers for checking rendered media: colours of decoded frames, audio levels."""

from __future__ import annotations

import re
import subprocess

from nemo_jupyter.local.media.ffmpeg import run
from nemo_jupyter.local.media.probe import probe
from nemo_jupyter.local.media.thumbs import frame_at


def media_entry(path, **extra) -> dict:
    """A media-map entry for `render_draft`, as the backend would hold it."""
    return {**probe(path, decode=True), "path": str(path), **extra}


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


def decoded_streams(path) -> dict:
    """Decode every frame of `path` (ffmpeg's framecrc, source time bases kept) and describe its streams.

    `{"errors": stderr of the decode (empty when clean), "video": {...}, "audio": {...}}`; each stream:
    `start_s`, `end_s` (last frame's end), `deltas` (the set of gaps between frame times, in its time
    base), plus `size` ("WxH") for video and `sample_rate`, `layout` for audio.
    """
    from nemo_jupyter.local.media.ffmpeg import base_args

    cmd = base_args() + ["-v", "error", "-i", str(path), "-fps_mode", "passthrough",
                         "-enc_time_base:v", "demux", "-f", "framecrc", "-"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    header: dict[tuple[str, int], str] = {}
    frames: dict[int, list[tuple[int, int]]] = {}
    for line in done.stdout.splitlines():
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            name, _, index = key.partition(" ")
            if index.isdigit():
                header[(name, int(index))] = value.strip()
            continue
        fields = [f.strip() for f in line.split(",")]
        frames.setdefault(int(fields[0]), []).append((int(fields[2]), int(fields[3])))
    streams = {"errors": done.stderr.strip()}
    for index, rows in frames.items():
        kind = header.get(("media_type", index))
        num, den = (int(x) for x in header[("tb", index)].split("/"))
        rows.sort()
        pts = [p for p, _ in rows]
        facts = {
            "start_s": pts[0] * num / den,
            "end_s": (rows[-1][0] + rows[-1][1]) * num / den,
            "deltas": {b - a for a, b in zip(pts, pts[1:])},
            "frames": len(rows),
        }
        if kind == "video":
            facts["size"] = header.get(("dimensions", index))
        else:
            facts["sample_rate"] = int(header.get(("sample_rate", index), 0))
            facts["layout"] = header.get(("channel_layout_name", index))
        streams[kind] = facts
    return streams


def silences(path, min_s: float = 0.002, floor_db: int = -60) -> list[tuple[float, float]]:
    """(start, end) of every stretch of silence at least `min_s` long in the audio of `path`."""
    done = run(["-i", str(path), "-vn", "-af", f"silencedetect=n={floor_db}dB:d={min_s}", "-f", "null", "-"])
    starts = [float(s) for s in re.findall(r"silence_start: (-?[\d.]+)", done.stderr)]
    ends = [float(s) for s in re.findall(r"silence_end: (-?[\d.]+)", done.stderr)]
    return list(zip(starts, ends + [float("inf")] * (len(starts) - len(ends))))

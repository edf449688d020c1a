"""What a media file is, from `ffmpeg -hide_banner -i FILE` (the static build ships no ffprobe).

`probe(path)` returns the [local] media fields of PROTOCOL.md (`type`, `d` in ms, `width`,
`height`, `fps`, `has_audio`) plus a few the renderer uses to decide on stream copy (`vcodec`,
`acodec`, `pix_fmt`, `sample_rate`, `channels`, `format`). Parsing is tolerant: a field ffmpeg does
not print is None.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from .errors import MediaError
from .ffmpeg import base_args, explain

_INPUT = re.compile(r"^Input #0, (?P<format>[^ ]+), from", re.M)
_DURATION = re.compile(r"Duration: (?P<h>\d+):(?P<m>\d+):(?P<s>\d+(?:\.\d+)?)")
_STREAM = re.compile(r"^\s*Stream #0:\d+\S*: (?P<kind>Video|Audio|Subtitle|Data): (?P<rest>.*)$", re.M)
_SIZE = re.compile(r", (?P<w>\d+)x(?P<h>\d+)[ ,\]]|, (?P<w2>\d+)x(?P<h2>\d+)$")
_FPS = re.compile(r"(?P<v>\d+(?:\.\d+)?)(?P<k>k?) (?:fps|tbr)")
_RATE = re.compile(r"(?P<hz>\d+) Hz")
_CHANNELS = re.compile(r"\d+ Hz, (?P<layout>[^,]+)")
_IMAGE_CODECS = {"png", "mjpeg", "webp", "bmp", "tiff", "gif"}
# the probed facts the stream-copy decision compares (graph.can_stream_copy); kept with uploaded media
STREAM_FACTS = ("vcodec", "pix_fmt", "acodec", "sample_rate", "channels")
_CHANNEL_COUNT = {"mono": 1, "stereo": 2, "2.1": 3, "quad": 4, "5.0": 5, "5.1": 6, "5.1(side)": 6, "7.1": 8}


def probe(path: str | Path) -> dict:
    """Describe a media file; raise MediaError (one line) if it is missing or not media."""
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"no such media file: {path.name}")
    try:
        done = subprocess.run(
            base_args() + ["-i", str(path)], capture_output=True, text=True, errors="replace", timeout=60
        )
    except subprocess.TimeoutExpired as exc:
        raise MediaError(f"probing {path.name} took longer than 60 s") from exc
    info = parse_probe_output(done.stderr)
    if info is None:
        raise MediaError(f"{path.name} is not a media file ffmpeg can read ({explain(done.stderr)})")
    return info


def parse_probe_output(stderr: str) -> dict | None:
    """The probe fields from ffmpeg's banner text, or None when it names no audio/video stream."""
    fmt = _INPUT.search(stderr)
    streams = [(m["kind"], m["rest"]) for m in _STREAM.finditer(stderr)]
    video = next((rest for kind, rest in streams if kind == "Video" and "(attached pic)" not in rest), None)
    audio = next((rest for kind, rest in streams if kind == "Audio"), None)
    if video is None and audio is None:
        return None
    duration = _DURATION.search(stderr)
    d_ms = round((int(duration["h"]) * 3600 + int(duration["m"]) * 60 + float(duration["s"])) * 1000) if duration else 0
    info = {
        "type": "audio",
        "d": d_ms,
        "width": None,
        "height": None,
        "fps": None,
        "has_audio": audio is not None,
        "format": fmt["format"] if fmt else None,
        "vcodec": None,
        "pix_fmt": None,
        "acodec": _codec(audio),
        "sample_rate": None,
        "channels": None,
    }
    if video is not None:
        info.update(_video_fields(video))
        info["type"] = "image" if _is_still(info, d_ms) else "video"
        if info["type"] == "image":
            info["d"], info["fps"] = 0, None
    if audio is not None:
        rate = _RATE.search(audio)
        layout = _CHANNELS.search(audio)
        info["sample_rate"] = int(rate["hz"]) if rate else None
        if layout:
            name = layout["layout"].strip()
            info["channels"] = _CHANNEL_COUNT.get(name, _leading_int(name))
    return info


def _codec(stream: str | None) -> str | None:
    return stream.split(None, 1)[0].rstrip(",") if stream else None


def _video_fields(stream: str) -> dict:
    size = _SIZE.search(stream)
    fps = _FPS.search(stream)
    width = height = None
    if size:
        width, height = int(size["w"] or size["w2"]), int(size["h"] or size["h2"])
    rate = None
    if fps:
        rate = float(fps["v"]) * (1000 if fps["k"] else 1)
        rate = int(rate) if rate.is_integer() else round(rate, 3)
    pix_fmt = stream.split(", ")[1].split("(")[0].strip() if ", " in stream else None
    return {"width": width, "height": height, "fps": rate, "vcodec": _codec(stream), "pix_fmt": pix_fmt}


def _is_still(info: dict, d_ms: int) -> bool:
    fmt = info["format"] or ""
    if fmt == "image2" or fmt.endswith("_pipe"):
        return True
    return info["vcodec"] in _IMAGE_CODECS and d_ms <= 100


def _leading_int(text: str) -> int | None:
    match = re.match(r"(\d+)", text)
    return int(match[1]) if match else None

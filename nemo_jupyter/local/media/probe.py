"""What a media file is, from `ffmpeg -hide_banner -i FILE` (the static build ships no ffprobe).

`probe(path)` returns the [local] media fields of PROTOCOL.md (`type`, `d` in ms, `width`,
`height`, `fps`, `has_audio`) plus a few the renderer uses to decide on stream copy (`vcodec`,
`profile`, `pix_fmt`, `time_base`, `rotation`, `sar`, `acodec`, `sample_rate`, `channels`,
`format`). `width` and `height` are the *display* size: the rotation side data (a phone's portrait
clip stored sideways) and the sample aspect ratio (anamorphic video) applied; `rotation` (degrees
clockwise: 0, 90, 180, 270) and `sar` ("4:3", None when square) say how the stored pixels differ.
Parsing is tolerant: a field ffmpeg does not print is None.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from .errors import MediaError, MediaInputError
from .ffmpeg import base_args, explain

_INPUT = re.compile(r"^Input #0, (?P<format>[^ ]+), from", re.M)
_DURATION = re.compile(r"Duration: (?P<h>\d+):(?P<m>\d+):(?P<s>\d+(?:\.\d+)?)")
_STREAM = re.compile(r"^\s*Stream #0:\d+\S*: (?P<kind>Video|Audio|Subtitle|Data): (?P<rest>.*)$", re.M)
_SIZE = re.compile(r", (?P<w>\d+)x(?P<h>\d+)[ ,\]]|, (?P<w2>\d+)x(?P<h2>\d+)$")
_FPS = re.compile(r"(?P<v>\d+(?:\.\d+)?)(?P<k>k?) (?:fps|tbr)")
_PROFILE = re.compile(r"^\S+ \((?P<profile>[^)/]+)\)")
_SAR = re.compile(r"\[SAR (?P<n>\d+):(?P<d>\d+) DAR")
_TBN = re.compile(r"(?P<v>\d+(?:\.\d+)?)(?P<k>k?) tbn")
_ROTATION = re.compile(r"(?:rotation of (?P<matrix>-?\d+(?:\.\d+)?) degrees|^\s*rotate\s*: (?P<tag>-?\d+))", re.M)
_RATE = re.compile(r"(?P<hz>\d+) Hz")
_CHANNELS = re.compile(r"\d+ Hz, (?P<layout>[^,]+)")
_IMAGE_CODECS = {"png", "mjpeg", "webp", "bmp", "tiff", "gif"}
# the probed facts the stream-copy decision compares (graph.can_stream_copy); kept with uploaded media
STREAM_FACTS = ("vcodec", "profile", "pix_fmt", "time_base", "rotation", "sar", "acodec", "sample_rate", "channels",
                "headers")
_EXTRADATA = re.compile(r"^#extradata \d+:\s*(.*)$", re.M)
_CHANNEL_COUNT = {"mono": 1, "stereo": 2, "2.1": 3, "quad": 4, "5.0": 5, "5.1": 6, "5.1(side)": 6, "7.1": 8}


def probe(path: str | Path, *, decode: bool = False) -> dict:
    """Describe a media file; raise MediaError (one line) if it is missing or not media.

    With `decode`, the same ffmpeg run also decodes the first picture and a moment of sound (a file
    whose header reads but which does not decode raises MediaInputError naming it) and reads the
    codec headers (H.264 SPS/PPS, AAC config) into `headers`, a fingerprint of sizes and CRCs: files
    with equal `headers` play through one decoder configuration (without `decode`: None)."""
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"no such media file: {path.name}")
    args = ["-i", str(path)]
    if decode:
        first = ["-map", "0:v:0?", "-map", "0:a:0?", "-frames:v", "1"]
        args += [*first, "-t", "0.2", "-f", "null", "-", *first, "-c", "copy", "-t", "0.05", "-f", "framecrc", "pipe:1"]
    try:
        done = subprocess.run(base_args() + args, capture_output=True, text=True, errors="replace", timeout=60)
    except subprocess.TimeoutExpired as exc:
        raise MediaError(f"probing {path.name} took longer than 60 s") from exc
    info = parse_probe_output(done.stderr)
    if info is None:
        raise MediaError(f"{path.name} is not a media file ffmpeg can read ({explain(done.stderr)})")
    if decode and done.returncode != 0:
        raise MediaInputError(f"{path.name} cannot be decoded: {explain(done.stderr)}")
    if decode:
        info["headers"] = " | ".join(_EXTRADATA.findall(done.stdout))
    return info


def parse_probe_output(stderr: str) -> dict | None:
    """The probe fields from ffmpeg's banner text, or None when it names no audio/video stream."""
    fmt = _INPUT.search(stderr)
    matches = list(_STREAM.finditer(stderr))
    # each stream's line and the indented lines under it (side data, metadata), up to the next stream
    blocks = [(m["kind"], m["rest"], stderr[m.end() : nxt.start() if nxt else len(stderr)])
              for m, nxt in zip(matches, matches[1:] + [None])]
    video = next((b for b in blocks if b[0] == "Video" and "(attached pic)" not in b[1]), None)
    audio = next((rest for kind, rest, _ in blocks if kind == "Audio"), None)
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
        "profile": None,
        "pix_fmt": None,
        "time_base": None,
        "rotation": 0,
        "sar": None,
        "acodec": _codec(audio),
        "sample_rate": None,
        "channels": None,
        "headers": None,
    }
    if video is not None:
        info.update(_video_fields(*video[1:]))
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


def _video_fields(stream: str, below: str) -> dict:
    """The video stream's facts from its line (`stream`) and the lines under it (`below`)."""
    size = _SIZE.search(stream)
    fps = _FPS.search(stream)
    width = height = None
    if size:
        width, height = int(size["w"] or size["w2"]), int(size["h"] or size["h2"])
    rate = _number(fps)
    pix_fmt = stream.split(", ")[1].split("(")[0].strip() if ", " in stream else None
    profile = _PROFILE.match(stream)
    sar = _SAR.search(stream)
    sar = None if not sar or sar["n"] == sar["d"] or "0" in (sar["n"], sar["d"]) else f"{sar['n']}:{sar['d']}"
    rotation = _rotation(below)
    if width and height and sar:
        num, den = (int(x) for x in sar.split(":"))
        width = max(2, round(width * num / den / 2) * 2)  # the square-pixel width, kept even
    if rotation in (90, 270) and width and height:
        width, height = height, width
    tbn = _number(_TBN.search(stream))
    return {"width": width, "height": height, "fps": rate, "vcodec": _codec(stream), "pix_fmt": pix_fmt,
            "profile": profile["profile"].strip() if profile else None, "time_base": tbn, "rotation": rotation,
            "sar": sar}


def _number(match: re.Match | None) -> int | float | None:
    """'29.97' -> 29.97, '30' -> 30, '90k' -> 90000 (from a match with groups v and k)."""
    if not match:
        return None
    value = float(match["v"]) * (1000 if match["k"] else 1)
    return int(value) if value.is_integer() else round(value, 3)


def _rotation(below: str) -> int:
    """Degrees clockwise to turn the stored picture upright: 0, 90, 180 or 270."""
    found = _ROTATION.search(below)
    if not found:
        return 0
    if found["matrix"] is not None:  # the display matrix turns counter-clockwise
        return round(-float(found["matrix"])) % 360
    return int(found["tag"]) % 360


def _is_still(info: dict, d_ms: int) -> bool:
    fmt = info["format"] or ""
    if fmt == "image2" or fmt.endswith("_pipe"):
        return True
    return info["vcodec"] in _IMAGE_CODECS and d_ms <= 100


def _leading_int(text: str) -> int | None:
    match = re.match(r"(\d+)", text)
    return int(match[1]) if match else None

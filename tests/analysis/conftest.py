"""Clips with faults placed at known times, made by ffmpeg's test sources (25 fps: times are whole frames)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nemo_jupyter.local.media.ffmpeg import run

FPS = 25


def _video_part(kind: str, seconds: float, size: tuple[int, int]) -> str:
    w, h = size
    if kind == "black":
        return f"color=c=black:s={w}x{h}:r={FPS}:d={seconds}"
    if kind == "negative":  # testsrc2 in negative colours: a third, clearly different shot
        return f"testsrc2=s={w}x{h}:r={FPS}:d={seconds},negate"
    return f"{kind}=s={w}x{h}:r={FPS}:d={seconds}"  # testsrc2, testsrc: moving patterns


def _audio_part(kind: str, seconds: float) -> str:
    if kind == "silence":
        return f"anullsrc=r=48000:cl=mono,atrim=duration={seconds}"
    return f"sine=f=440:sample_rate=48000:d={seconds}"


def build_clip(path: Path, video: list[tuple[str, float]], audio: list[tuple[str, float]] | None = None,
               size: tuple[int, int] = (320, 240)) -> Path:
    """Concatenate video parts ("testsrc2"/"testsrc"/"negative"/"black", seconds) and audio parts ("tone"/"silence").

    ("freeze", s) holds the previous part's last frame for s seconds (tpad clone).
    """
    graph, labels = [], []
    for kind, seconds in video:
        if kind == "freeze":
            graph[-1] += f",tpad=stop_mode=clone:stop_duration={seconds}"
            continue
        graph.append(_video_part(kind, seconds, size))
        labels.append(f"[v{len(labels)}]")
    chains = [f"{chain}{label}" for chain, label in zip(graph, labels)]
    chains.append(f"{''.join(labels)}concat=n={len(labels)}:v=1:a=0,format=yuv420p[v]")
    maps = ["-map", "[v]"]
    if audio:
        alabels = [f"[a{i}]" for i in range(len(audio))]
        chains += [f"{_audio_part(kind, s)}{label}" for (kind, s), label in zip(audio, alabels)]
        chains.append(f"{''.join(alabels)}concat=n={len(audio)}:v=0:a=1[a]")
        maps += ["-map", "[a]", "-c:a", "aac"]
    run(["-y", "-filter_complex", ";".join(chains), *maps, "-c:v", "libx264", "-preset", "ultrafast",
         "-g", str(FPS), str(path)], what=f"making fault clip {path.name}")
    return path


@pytest.fixture(scope="session")
def fault_clip(tmp_path_factory):
    """fault_clip(video_parts, audio_parts=None) -> Path (cached per spec for the whole run)."""
    folder = tmp_path_factory.mktemp("fault-clips")
    cache: dict = {}

    def make(video, audio=None):
        key = (tuple(video), tuple(audio or ()))
        if key not in cache:
            cache[key] = build_clip(folder / f"fault{len(cache)}.mp4", list(video), list(audio or []))
        return cache[key]

    return make

"""Render a draft to a file with one ffmpeg process: progress, cancel, no half files.

`render_draft(draft, media, canvas, out_path, quality="high", progress=None, cancel=None)`:
`media` maps media id -> {"path", "type", "d", "width", "height", "fps", "has_audio", ...};
`progress(percent)` is called while encoding; setting the `cancel` event ends ffmpeg, removes the
partial output and raises RenderCancelled; any failure raises RenderError with one line: a
MediaInputError (permanent) naming the file when a source is missing or cannot be decoded, a
DraftError (permanent) when the draft is wrong. The output is written beside `out_path` under a
temporary name and renamed only when complete.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from .errors import FFmpegError, MediaError, MediaInputError, RenderCancelled, RenderError
from .ffmpeg import run_with_progress
from .graph import RenderPlan, plan_render
from .probe import STREAM_FACTS, probe


def render_draft(
    draft: Mapping,
    media: Mapping[str, Mapping],
    canvas: Mapping | None,
    out_path: str | Path,
    quality: str = "high",
    progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
) -> Path:
    """Render `draft` to `out_path`; return the path."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(f".{out_path.stem}.partial{out_path.suffix}")
    with tempfile.TemporaryDirectory(prefix="nemo-render-") as work:
        plan = plan_render(draft, with_stream_facts(media), canvas, partial, quality=quality, workdir=work)
        missing = [Path(source).name for source in plan.sources if not Path(source).is_file()]
        if missing:
            raise MediaInputError(f"media file missing: {', '.join(sorted(set(missing)))}")
        write_plan_files(plan, Path(work))
        if cancel is not None and cancel.is_set():
            raise RenderCancelled("render cancelled")
        try:
            run_with_progress(
                plan.args, duration_s=plan.duration_s, out_path=partial, progress=progress, cancel=cancel
            )
        except FFmpegError as exc:
            raise blame(exc, plan.sources) from None
    os.replace(partial, out_path)
    return out_path


def blame(failure: FFmpegError, sources: list[str]) -> RenderError:
    """The error to raise for a failed ffmpeg run: a MediaInputError naming the first source file
    that does not decode, else a RenderError with ffmpeg's reason (perhaps passing: a retry may help)."""
    for source in dict.fromkeys(sources):
        if Path(source).is_file():
            try:
                probe(source, decode=True)
            except MediaError as exc:
                return MediaInputError(str(exc))
    return RenderError(str(failure))


def write_plan_files(plan: RenderPlan, workdir: Path) -> None:
    for name, text in plan.files.items():
        (workdir / name).write_text(text, encoding="utf-8")


def with_stream_facts(media: Mapping[str, Mapping]) -> dict[str, dict]:
    """The media map with codec facts filled in by probing local files that lack them.

    The stream-copy decision needs codecs, pixel formats and codec headers, which a backend's media
    records may not carry (probed with `decode`: a file that does not decode is named at once). A
    file that is missing is left alone: the graph names it in its error.
    """
    filled = {}
    for media_id, info in media.items():
        info = dict(info)
        path = info.get("path")
        lacking = any(k not in info for k in STREAM_FACTS)
        if path and info.get("type") in ("video", "image") and lacking and Path(path).is_file():
            try:
                facts = probe(path, decode=True)
            except MediaInputError:
                raise
            except MediaError as exc:
                raise MediaInputError(f"media {media_id}: {exc}") from None
            info.update({k: facts[k] for k in STREAM_FACTS})
        filled[media_id] = info
    return filled

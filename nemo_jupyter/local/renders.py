"""Render jobs of the local backend: queued per session, run by ffmpeg on background threads.

A job goes pending → processing (progress 0-100) → completed (its file served under an unguessable
`/cdn/<key>/<name>` URL) / failed (`error`, plus `permanent: true` when a retry cannot help: the
draft or a source file is wrong, and the error names what) / cancelled. One job runs at a time per session (the
others wait, still `pending`) and at most `MAX_PARALLEL` run at once on the machine.
"""

from __future__ import annotations

import re
import threading
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

from .. import protocol
from .faults import Faults
from .media.errors import one_line
from .responses import ApiError
from .state import file_url
from .store import Store
from .workers import Workers

MAX_PARALLEL = 2
RENDER_ID = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
MAX_ERROR_CHARS = 500  # of a failed job's `error`
WALL_TICK_S = 0.5  # how often a stretched render reports its progress
OUTPUT_EXTENSIONS = {"gif": ".gif", "audio": ".m4a"}  # every other quality is an MP4


class InjectedRenderFailure(RuntimeError):
    pass


class Renders:
    def __init__(self, store: Store, faults: Faults) -> None:
        self.store, self.faults = store, faults
        self._session_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._machine = threading.BoundedSemaphore(MAX_PARALLEL)
        self._workers = Workers("render")
        self._lock = threading.Lock()

    def submit(self, job: dict, draft: dict, canvas: dict, media_by_id: dict) -> None:
        with self._lock:
            session_lock = self._session_locks[job["session_id"]]
        self._workers.start(job["id"], lambda cancel: self._run(job, draft, canvas, media_by_id, cancel, session_lock))

    def cancel(self, render_id: str) -> None:
        job = self.store.render(render_id)
        if job is None or job["status"] in protocol.RENDER_TERMINAL:
            return
        self._workers.cancel(render_id)
        if job["status"] == protocol.RENDER_PENDING:
            self.store.update_render(render_id, status=protocol.RENDER_CANCELLED)

    def stop(self, timeout: float = 10.0) -> None:
        self._workers.stop(timeout)

    def _run(self, job: dict, draft: dict, canvas: dict, media_by_id: dict, cancel: threading.Event,
             session_lock: threading.Lock) -> None:
        render_id, session_id = job["id"], job["session_id"]
        wall_s = self.faults.for_session(session_id).render_wall_s
        with session_lock:
            with self._machine:
                if cancel.is_set():
                    self.store.update_render(render_id, status=protocol.RENDER_CANCELLED)
                    return
                started = time.monotonic()
                self.store.update_render(render_id, status=protocol.RENDER_PROCESSING, progress=0.0)
                out = self.store.renders_dir / f"{render_id}{OUTPUT_EXTENSIONS.get(job['quality'], '.mp4')}"
                try:
                    if self.faults.take_render_failure(session_id):
                        raise InjectedRenderFailure("the render failed (injected fault)")
                    if self.faults.for_session(session_id).render_never_completes:
                        self.store.update_render(render_id, progress=1.0)
                        cancel.wait()
                    else:
                        self._render(render_id, draft, canvas, media_by_id, out, job["quality"], cancel,
                                     started, wall_s)
                except Exception as exc:  # noqa: BLE001 - any failure of the renderer is the job's failure
                    if not cancel.is_set():
                        self.store.update_render(render_id, status=protocol.RENDER_FAILED, error=one_line(exc)[:MAX_ERROR_CHARS],
                                                 permanent=int(getattr(exc, "permanent", False)))
                        return
            if wall_s and not cancel.is_set():
                self._stretch(render_id, started, wall_s, cancel)  # outside the machine slot: no CPU
            if cancel.is_set():
                out.unlink(missing_ok=True)
                self.store.update_render(render_id, status=protocol.RENDER_CANCELLED)
            else:
                self.store.update_render(render_id, status=protocol.RENDER_COMPLETED, progress=100.0, path=out)

    def _render(self, render_id, draft, canvas, media_by_id, out: Path, quality: str, cancel,
                started: float, wall_s: float) -> None:
        from .media.render import render_draft

        def progress(percent: float) -> None:
            if wall_s:  # the fault's progress is the share of the wall time, like a cloud renderer's
                percent = 100.0 * (time.monotonic() - started) / wall_s
            self.store.update_render(render_id, progress=max(0.0, min(99.0, float(percent))))

        render_draft(draft, media_by_id, canvas, out, quality=quality, progress=progress, cancel=cancel)

    def _stretch(self, render_id: str, started: float, wall_s: float, cancel: threading.Event) -> None:
        """The `render_wall_s` fault: wait (no CPU) until `wall_s` after the start, progress linear in time."""
        while not cancel.is_set():
            elapsed = time.monotonic() - started
            if elapsed >= wall_s:
                return
            self.store.update_render(render_id, progress=min(99.0, 100.0 * elapsed / wall_s))
            cancel.wait(min(WALL_TICK_S, wall_s - elapsed))


# --- what the client is told -------------------------------------------------------------------
def media_for_draft(draft: dict, session_media: list[dict], store: Store) -> dict:
    """`{media id: media}` for every segment of `draft`; refuses a segment whose source is not this
    session's media or whose file lies outside the data dir."""
    owned = {m["id"]: m for m in session_media}
    needed: dict[str, dict] = {}
    for track in draft.get("t") or []:
        for segment in (track.get("sg") or []) if isinstance(track, dict) else []:
            src = segment.get("src") if isinstance(segment, dict) else None
            if src is None:
                continue  # a text segment has no source
            media = owned.get(src) if isinstance(src, str) else None
            if media is None or not store.inside(media["path"]):
                raise ApiError(422, f"segment {str(segment.get('id'))[:40]} points at media this session does not have")
            needed[src] = media
    return needed


def has_segments(draft: object) -> bool:
    """True when the draft has a track with at least one segment (ready to export)."""
    tracks = draft.get("t") if isinstance(draft, dict) else None
    return isinstance(tracks, list) and any(isinstance(t, dict) and t.get("sg") for t in tracks)


def render_answer(job: dict, base_url: str, shape: str) -> dict:
    """The job as PROTOCOL.md's shape (a), (b) or (c)."""
    url = file_url(base_url, job["cdn_key"], Path(job["path"]).name) if job.get("cdn_key") else None
    plain = {"id": job["id"], "status": job["status"], "progress": round(job["progress"], 1)}
    if url:
        plain["output"] = {"url": url, "format": Path(job["path"]).suffix.lstrip(".")}
    if job.get("error"):
        plain["error"] = job["error"]
        if job.get("permanent"):
            plain["permanent"] = True  # the failure cannot pass on a retry
    if shape == "c":
        return {"code": protocol.CODE_OK, "data": plain}
    if shape == "b":
        data = {**{k: plain[k] for k in ("id", "status", "progress")}, "outputUrl": url,
                "createdAt": _iso(job["created"]), "completedAt": _iso(job.get("completed"))}
        data.update({k: plain[k] for k in ("error", "permanent") if k in plain})
        return {"success": True, "data": data}
    return plain


def _iso(timestamp: float | None) -> str | None:
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat() if timestamp else None

"""The renders started from this machine, remembered in `<config_dir>/renders.jsonl` (mode 0600), so a
render outlives the kernel that asked for it: `Session.renders()` lists them, `Session.attach(id)`
polls or downloads one without rendering again.

One JSON object a line, appended and flushed: the first line of a render holds `id, session_id,
api_url, draft_hash, path, quality, started`; later lines add `status` (and `error`) when known. A
render is the merge of its lines. The token is never written; a torn last line (a killed process) is
skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from . import protocol
from .config import config_dir

FILE_NAME = "renders.jsonl"
DELIVERED = "delivered"  # the journal's own final status: the file was downloaded to `path`
NOT_STARTED = "not started"  # the server refused to start it (no credits, a bad draft…)
ENDED = (protocol.RENDER_FAILED, protocol.RENDER_CANCELLED, DELIVERED, NOT_STARTED)  # nothing left to fetch
FIELDS = ("id", "session_id", "api_url", "draft_hash", "path", "quality", "started", "status", "error", "renamed_to")


def draft_hash(draft: Any) -> str:
    """A short, stable fingerprint of a draft (keys sorted), to tell which timeline a render shows."""
    text = json.dumps(draft, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class RenderJournal:
    """`record(...)` a render when it is asked for, `update(id, status=…)` as it ends; `entries()` reads
    them back, merged, oldest first."""

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self._path = Path(path) if path is not None else None

    @property
    def path(self) -> Path:
        return self._path if self._path is not None else config_dir() / FILE_NAME  # read late: tests set the env

    def record(self, render_id: str, *, session_id: str | None, api_url: str, draft: Any, path: Path | None,
               quality: str) -> dict:
        entry = {"id": render_id, "session_id": session_id, "api_url": api_url, "draft_hash": draft_hash(draft),
                 "path": str(path) if path is not None else None, "quality": quality, "started": time.time()}
        self._append(entry)
        return entry

    def update(self, render_id: str, **values: Any) -> None:
        self._append({"id": render_id, **{k: v for k, v in values.items() if k in FIELDS}})

    def rename(self, render_id: str, server_id: str) -> None:
        """The server named the render `server_id` itself: the entry goes on under that id only (the
        client's id is not a render the server knows, so it is never listed or offered again)."""
        entry = next((e for e in self._merged().values() if e["id"] == render_id), {})
        self._append({**entry, "id": server_id})
        self.update(render_id, renamed_to=server_id)

    def entries(self, api_url: str | None = None) -> list[dict]:
        """Every render (for `api_url` only, if given), oldest first."""
        found = [e for e in self._merged().values() if "started" in e and "renamed_to" not in e
                 and (api_url is None or e.get("api_url") == api_url)]
        return sorted(found, key=lambda e: e["started"])

    def _merged(self) -> dict[str, dict]:
        merged: dict[str, dict] = {}
        for line in self._lines():
            merged.setdefault(line["id"], {}).update({k: v for k, v in line.items() if k in FIELDS})
        return merged

    def find(self, render_id: str) -> dict | None:
        return next((e for e in self.entries() if e["id"] == render_id), None)

    def newest(self, api_url: str, session_id: str | None = None) -> dict | None:
        """The newest render of this session that started; with none, the newest of this API that may
        still be fetched (running, or done and not downloaded)."""
        entries = [e for e in self.entries(api_url) if e.get("status") != NOT_STARTED]
        mine = [e for e in entries if session_id is not None and e.get("session_id") == session_id]
        pending = [e for e in entries if e.get("status") not in ENDED]
        return (mine or pending or [None])[-1]

    def _lines(self) -> list[dict]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        lines = []
        for raw in text.splitlines():
            try:
                line = json.loads(raw)
            except ValueError:
                continue  # a line cut by a killed process
            if isinstance(line, dict) and isinstance(line.get("id"), str):
                lines.append(line)
        return lines

    def _append(self, line: dict) -> None:
        path = self.path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, (json.dumps(line, separators=(",", ":")) + "\n").encode())
        finally:
            os.close(fd)


"""UploadWidget: files dropped in the browser reach the API through the session's upload.

Leg 1, browser → kernel: `begin`, then `chunk` messages of at most `chunk_bytes` (1 MiB) each with
its bytes as a binary buffer, each acknowledged (`ack`) before the next is sent, then `end`.
Leg 2, kernel → API: the session's streaming upload, on a worker thread so that `cancel` can
still arrive. The `files` trait holds one row per file with the progress of both legs.
What a saved notebook keeps is the list of files and how each ended, brought up to date each time
no file is in flight any more (`static_forms`).
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import traitlets as t

from .. import protocol, static_forms
from ._base import NemoWidget, blocking_session, bundle, stylesheet

CHUNK_BYTES = 1024 * 1024
IN_FLIGHT = ("sending", "uploading")
_PROGRESS_EVERY_S = 0.1  # at most this often, a progress update of the API leg


class UploadCancelled(Exception):
    """Raised inside the API leg's progress callback to stop a cancelled upload."""


@dataclass
class _Transfer:
    id: str
    path: Path
    size: int
    received: int = 0
    cancelled: threading.Event = field(default_factory=threading.Event)


def _safe_name(name: str) -> str:
    """The file's base name with nothing that could climb out of the upload folder."""
    base = re.split(r"[\\/]", str(name))[-1].strip().lstrip(".")
    return re.sub(r"[^\w.\- ]", "_", base)[:200] or "upload"


def refusal(name: str, size: int) -> str | None:
    """Why the API would refuse this file (checked again here: the browser check is a courtesy)."""
    from ..client.errors import file_too_large, unsupported_file

    if protocol.media_kind(name) is None:
        return str(unsupported_file(name))
    if size > protocol.MAX_UPLOAD_BYTES:
        return str(file_too_large(name, size))
    return None


class UploadWidget(NemoWidget):
    """`UploadWidget(session)`: drop zone + picker; `.results` holds each upload's answer by file id."""

    _esm = bundle("upload")
    _css = stylesheet("upload")

    accept = t.List(t.Unicode(), default_value=list(protocol.ACCEPTED_EXTENSIONS)).tag(sync=True)
    aliases = t.Dict(default_value=dict(protocol.EXTENSION_ALIASES)).tag(sync=True)
    max_bytes = t.Int(protocol.MAX_UPLOAD_BYTES).tag(sync=True)
    chunk_bytes = t.Int(CHUNK_BYTES).tag(sync=True)
    files = t.List(t.Dict()).tag(sync=True)

    _handlers = {"begin": "_on_begin", "chunk": "_on_chunk", "end": "_on_end", "cancel": "_on_cancel", "failed": "_on_failed"}

    def __init__(self, session: Any, *, on_upload: Callable[[dict, Any], None] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._session = blocking_session(session, "UploadWidget")
        self._on_upload = on_upload
        self._folder = tempfile.TemporaryDirectory(prefix="nemo-upload-")
        self._transfers: dict[str, _Transfer] = {}
        self._rows_lock = threading.Lock()
        self.results: dict[str, Any] = {}
        self.threads: list[threading.Thread] = []

    # --- what lasts -----------------------------------------------------------------------------
    def static_bundle(self) -> dict[str, str]:
        return {"text/html": static_forms.upload_html(self.files)}

    def static_text(self) -> str:
        return static_forms.upload_text(self.files)

    def _settled(self) -> None:
        """Once no file is in flight, the saved list shows how each ended (a redraw between
        transfers would restart the live view under a file still being sent)."""
        if self.files and not any(row.get("status") in IN_FLIGHT for row in self.files):
            self.refresh_static()

    # --- rows ---------------------------------------------------------------------------------
    def _update(self, file_id: str, **changes: Any) -> None:
        with self._rows_lock:
            self.files = [{**row, **changes} if row["id"] == file_id else row for row in self.files]
        if "status" in changes:
            self._settled()

    def _add(self, row: dict) -> None:
        with self._rows_lock:
            self.files = [*self.files, row]
        self._settled()

    def _reply(self, kind: str, file_id: str, **content: Any) -> None:
        self.send({"kind": kind, "id": file_id, **content})

    # --- leg 1: browser -> kernel -------------------------------------------------------------
    def _on_begin(self, content: dict, _buffers: list) -> None:
        file_id, name, size = str(content.get("id", "")), str(content.get("name", "")), int(content.get("size", 0))
        row = {"id": file_id, "name": name, "size": size, "received": 0, "uploaded": 0, "status": "sending", "error": ""}
        why = refusal(name, size) if file_id and file_id not in self._transfers else "Duplicate or missing file id."
        if why:
            self._add({**row, "status": "error", "error": why})
            return self._reply("refused", file_id, error=why)
        folder = Path(self._folder.name) / file_id
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / _safe_name(name)
        path.write_bytes(b"")
        self._transfers[file_id] = _Transfer(file_id, path, size)
        self._add(row)

    def _on_chunk(self, content: dict, buffers: list) -> None:
        transfer = self._transfers.get(str(content.get("id", "")))
        if transfer is None or transfer.cancelled.is_set():
            return
        data = bytes(buffers[0]) if buffers else b""
        if content.get("offset") != transfer.received or transfer.received + len(data) > transfer.size:
            return self._stop(transfer, "error", "The browser sent the file out of order; drop it again.")
        with transfer.path.open("ab") as out:
            out.write(data)
        transfer.received += len(data)
        self._reply("ack", transfer.id, received=transfer.received)
        self._update(transfer.id, received=transfer.received)

    def _on_end(self, content: dict, _buffers: list) -> None:
        transfer = self._transfers.get(str(content.get("id", "")))
        if transfer is None or transfer.cancelled.is_set():
            return
        if transfer.received != transfer.size:
            return self._stop(transfer, "error", f"Only {transfer.received} of {transfer.size} bytes arrived; drop it again.")
        self._update(transfer.id, status="uploading")
        worker = threading.Thread(target=self._send_to_api, args=(transfer,), name=f"nemo-upload-{transfer.id}", daemon=True)
        self.threads.append(worker)
        worker.start()

    def _on_cancel(self, content: dict, _buffers: list) -> None:
        transfer = self._transfers.get(str(content.get("id", "")))
        if transfer is not None:
            self._stop(transfer, "cancelled", "")

    def _on_failed(self, content: dict, _buffers: list) -> None:
        transfer = self._transfers.get(str(content.get("id", "")))
        if transfer is not None:
            self._stop(transfer, "error", str(content.get("error") or "The browser could not read the file."))

    def _stop(self, transfer: _Transfer, status: str, error: str) -> None:
        transfer.cancelled.set()
        self._transfers.pop(transfer.id, None)
        transfer.path.unlink(missing_ok=True)
        self._update(transfer.id, status=status, error=error)

    # --- leg 2: kernel -> API -----------------------------------------------------------------
    def _send_to_api(self, transfer: _Transfer) -> None:
        last = 0.0

        def progress(sent: int, total: int) -> None:
            nonlocal last
            if transfer.cancelled.is_set():
                raise UploadCancelled(transfer.id)
            now = time.monotonic()
            if now - last >= _PROGRESS_EVERY_S:
                last = now
                self._update(transfer.id, uploaded=min(transfer.size, int(sent * transfer.size / max(total, 1))))

        try:
            result = self._session.upload(transfer.path, progress=progress)
        except UploadCancelled:
            return
        except Exception as error:  # noqa: BLE001 - shown in the file's row as one line
            if not transfer.cancelled.is_set():
                self._stop(transfer, "error", str(error).splitlines()[0] if str(error) else type(error).__name__)
            return
        if transfer.cancelled.is_set():
            return
        self._transfers.pop(transfer.id, None)
        transfer.path.unlink(missing_ok=True)
        self.results[transfer.id] = result
        self._update(transfer.id, uploaded=transfer.size, status="done")
        if self._on_upload is not None:
            self._on_upload(next(row for row in self.files if row["id"] == transfer.id), result)

    def wait(self, timeout: float | None = None) -> None:
        """Block until every API upload started so far has finished (for scripts and tests)."""
        for worker in list(self.threads):
            worker.join(timeout)

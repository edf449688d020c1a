"""Uploads: files are checked before a byte is sent, then streamed from disk with progress.

The multipart body is httpx's own (`files=`), which reads each open file in 64 KiB chunks, so
memory does not grow with the file size; `ProgressStream` only counts the bytes going out.
"""

from __future__ import annotations

import mimetypes
import os
import re
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx

from .. import protocol
from .errors import file_too_large, unsupported_file

Progress = Callable[[int, int], None]
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")  # a URL of some scheme, not a path


@dataclass(frozen=True)
class UploadFile:
    path: Path
    size: int

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def mime(self) -> str:
        return mimetypes.guess_type(self.name)[0] or "application/octet-stream"


def check_files(paths: tuple[str | os.PathLike, ...]) -> list[UploadFile]:
    """Every file exists, has an accepted extension and is within the size limit, or raise."""
    if not paths:
        raise ValueError("upload() needs at least one file path.")
    checked = []
    for raw in paths:
        if _URL_SCHEME.match(str(raw)):
            raise ValueError(f"Only http:// and https:// URLs can be uploaded, not {str(raw)[:200]}")
        path = Path(raw).expanduser()
        if path.is_dir():
            raise ValueError(f"{path} is a folder: name the files in it to upload them.")
        if protocol.media_kind(path.name) is None:
            raise unsupported_file(path.name)
        if not path.is_file():
            raise FileNotFoundError(f"No such file to upload: {path}")
        size = path.stat().st_size
        if size > protocol.MAX_UPLOAD_BYTES:
            raise file_too_large(path.name, size)
        checked.append(UploadFile(path, size))
    return checked


def open_fields(files: list[UploadFile], stack: ExitStack) -> list[tuple[str, tuple]]:
    """The multipart `files` fields, with each file opened (and closed by `stack`)."""
    return [
        (protocol.UPLOAD_FIELD, (f.name, stack.enter_context(open(f.path, "rb")), f.mime)) for f in files
    ]


class ProgressStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """Wraps a request body and reports `progress(sent_bytes, total_bytes)` as chunks go out."""

    def __init__(self, inner, total: int, progress: Progress | None) -> None:
        self._inner = inner
        self._total = total
        self._progress = progress
        self._sent = 0

    def _count(self, chunk: bytes) -> bytes:
        self._sent += len(chunk)
        if self._progress is not None:
            self._progress(self._sent, self._total)
        return chunk

    def __iter__(self) -> Iterator[bytes]:
        self._sent = 0
        for chunk in self._inner:
            yield self._count(chunk)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self._sent = 0
        async for chunk in self._inner:
            yield self._count(chunk)


def with_progress(request: httpx.Request, progress: Progress | None) -> httpx.Request:
    """`request`, its body counted as it is sent (total = its Content-Length)."""
    total = int(request.headers.get("content-length") or 0)
    request.stream = ProgressStream(request.stream, total, progress)
    return request

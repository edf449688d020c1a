"""Uploads into a session: multipart files streamed to disk, or files fetched from http(s) URLs.

Every byte goes straight to `<data_dir>/media/<media id>/<safe name>`; the size limit is checked as
the bytes arrive (a body over the limit is cut off with 4002, not read to the end), the type by the
file name's extension before any byte of the file is written (4001), then ffmpeg probes the file.
"""

from __future__ import annotations

import copy
import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

import httpx
from python_multipart import MultipartParser
from python_multipart.multipart import parse_options_header
from starlette.requests import Request

from .. import protocol
from .agent import ops
from .responses import ApiError
from .store import Store

MAX_NAME_CHARS = 120
MAX_FILES_PER_REQUEST = 20
URL_FETCH_TIMEOUT_S = 60.0


def safe_name(raw: str) -> str:
    """A file name that cannot leave its folder: last path component, no control characters,
    no leading dots, at most MAX_NAME_CHARS characters (the extension kept)."""
    name = re.split(r"[\\/]", raw)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.strip().lstrip(".").strip() or "file"
    if len(name) > MAX_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:10] if dot else ""
        name = (stem if dot else name)[: MAX_NAME_CHARS - len(ext) - 1] + (f".{ext}" if ext else "")
    return name


def kind_or_refuse(name: str) -> str:
    kind = protocol.media_kind(name)
    if kind is None:
        raise ApiError(
            protocol.CODE_UNSUPPORTED_FILE,
            f"{name}: unsupported file type; accepted: {', '.join(protocol.ACCEPTED_EXTENSIONS)}",
        )
    return kind


def too_large(name: str, limit: int) -> ApiError:
    return ApiError(protocol.CODE_FILE_TOO_LARGE, f"{name} is larger than the {limit / 2**20:g} MB limit")


@dataclass
class Incoming:
    """One file being received: its media id, folder, safe name and byte count."""

    media_id: str
    folder: Path
    name: str
    kind: str
    size: int = 0
    handle: BinaryIO | None = field(default=None, repr=False)

    @property
    def path(self) -> Path:
        return self.folder / self.name

    def open(self) -> Incoming:
        self.handle = open(self.path, "wb")  # noqa: SIM115 - closed by close(), also on every refusal
        return self

    def write(self, data: bytes, limit: int) -> None:
        self.size += len(data)
        if self.size > limit:
            raise too_large(self.name, limit)
        self.handle.write(data)

    def close(self) -> None:
        if self.handle is not None and not self.handle.closed:
            self.handle.close()


class _MultipartFiles:
    """python-multipart callbacks that write each `files` part to its own media folder."""

    def __init__(self, store: Store, limit: int) -> None:
        self.store, self.limit = store, limit
        self.files: list[Incoming] = []
        self.current: Incoming | None = None
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""

    def on_part_begin(self) -> None:
        self.current, self._disposition = None, b""

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        if options.get(b"name") != protocol.UPLOAD_FIELD.encode() or b"filename" not in options:
            return  # other fields are ignored
        if len(self.files) >= MAX_FILES_PER_REQUEST:
            raise ApiError(422, f"at most {MAX_FILES_PER_REQUEST} files per upload")
        name = safe_name(options[b"filename"].decode("utf-8", "replace"))
        kind = kind_or_refuse(name)
        media_id, folder = self.store.new_media_slot()
        self.current = Incoming(media_id, folder, name, kind)
        self.files.append(self.current)
        self.current.open()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.current is not None:
            self.current.write(data[start:end], self.limit)

    def on_part_end(self) -> None:
        if self.current is not None:
            self.current.close()


async def receive_files(request: Request, store: Store, limit: int) -> list[Incoming]:
    """Stream a multipart body to disk; on any refusal nothing received is kept."""
    _, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if not boundary:
        raise ApiError(422, "expected multipart/form-data with a boundary")
    sink = _MultipartFiles(store, limit)
    callbacks = {name: getattr(sink, name) for name in (
        "on_part_begin", "on_header_field", "on_header_value", "on_header_end",
        "on_headers_finished", "on_part_data", "on_part_end")}
    parser = MultipartParser(boundary, callbacks)
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except BaseException as exc:
        discard(sink.files)
        if isinstance(exc, ApiError):
            raise
        if isinstance(exc, Exception):
            raise ApiError(422, f"could not read the multipart body ({type(exc).__name__})") from None
        raise
    if not sink.files:
        discard(sink.files)
        raise ApiError(422, f"no file in the multipart field '{protocol.UPLOAD_FIELD}'")
    return sink.files


async def fetch_urls(urls: object, store: Store, limit: int) -> list[Incoming]:
    """Download each http(s) URL into its own media folder (type checked before, size while)."""
    if not isinstance(urls, list) or not urls or not all(isinstance(u, str) for u in urls):
        raise ApiError(422, "'urls' must be a non-empty list of strings")
    if len(urls) > MAX_FILES_PER_REQUEST:
        raise ApiError(422, f"at most {MAX_FILES_PER_REQUEST} URLs per upload")
    for url in urls:
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
            raise ApiError(422, f"only http(s) URLs can be uploaded, not {url[:80]!r}")
    files: list[Incoming] = []
    try:
        async with httpx.AsyncClient(follow_redirects=True, timeout=URL_FETCH_TIMEOUT_S) as http:
            for url in urls:
                files.append(await _fetch_one(http, url, store, limit))
    except BaseException:
        discard(files)
        raise
    return files


async def _fetch_one(http: httpx.AsyncClient, url: str, store: Store, limit: int) -> Incoming:
    name = safe_name(unquote(urlsplit(url).path.rsplit("/", 1)[-1]))
    kind = kind_or_refuse(name)
    media_id, folder = store.new_media_slot()
    incoming = Incoming(media_id, folder, name, kind).open()
    try:
        async with http.stream("GET", url) as response:
            if response.status_code != 200:
                raise ApiError(422, f"could not fetch {name}: HTTP {response.status_code}")
            if int(response.headers.get("content-length") or 0) > limit:
                raise too_large(name, limit)
            async for chunk in response.aiter_bytes():
                incoming.write(chunk, limit)
        incoming.close()
    except httpx.HTTPError as exc:
        discard([incoming])
        raise ApiError(422, f"could not fetch {name}: {type(exc).__name__}") from None
    except BaseException:
        discard([incoming])
        raise
    return incoming


def discard(files: list[Incoming]) -> None:
    for incoming in files:
        incoming.close()
        shutil.rmtree(incoming.folder, ignore_errors=True)


def describe_upload(path: Path, kind: str) -> dict:
    """ffmpeg's description of an upload of `kind` (by its name): `probe` with display sizes; an
    animated image (a GIF) keeps its own length and rate. MediaError (one line) when ffmpeg cannot
    read it, MediaInputError when it reads but has no picture (sound) or does not decode."""
    from .media.errors import MediaInputError
    from .media.probe import probe

    info = probe(path, decode=True)
    if kind != "audio" and info.get("width") is None:
        raise MediaInputError(f"{Path(path).name} has no picture")
    if kind == "audio" and not info.get("has_audio"):
        raise MediaInputError(f"{Path(path).name} has no sound")
    if kind == "image" and not (info["type"] == "video" and info["d"]):
        info.update(d=0, fps=None)  # a still (or an animation of unknown length): as long as its segment
    return {**info, "type": kind}


def probe_or_refuse(incoming: Incoming) -> dict:
    """`describe_upload` of a received file; 4001 with one line when it cannot be rendered."""
    from .media.errors import MediaError, MediaInputError

    try:
        return describe_upload(incoming.path, incoming.kind)
    except MediaInputError as exc:
        raise ApiError(protocol.CODE_UNSUPPORTED_FILE, str(exc)) from None
    except MediaError:
        raise ApiError(protocol.CODE_UNSUPPORTED_FILE, f"{incoming.name} is not a {incoming.kind} file ffmpeg can read") from None


# --- the timeline ------------------------------------------------------------------------------
def append_to_video_track(draft: dict | None, media: dict) -> dict:
    """A copy of `draft` with `media` as the last scene of its video track (the agent's own rule).

    A clip with no playable length stays in `video_infos` but off the timeline; an animated image
    (a GIF) goes on with its own length, like a video."""
    placed = {**media, "type": "video"} if media.get("type") == "image" and media.get("d") else media
    try:
        return ops.insert_clip(draft, placed, len(ops.scenes(draft or {})) + 1)
    except ops.EditError:
        return copy.deepcopy(draft) if isinstance(draft, dict) else ops.empty_draft()

"""ASGI middleware of the local backend: counts every request and, when a fault says so, answers
wrongly before the route is reached (an error code, an HTML page, a cut JSON body, a stall) or cuts
the connection after some bytes. The test hooks (`/_local/`) are never broken; the file URLs
(`/cdn/`) only by a fault whose paths name them."""

from __future__ import annotations

import asyncio
import re

from starlette.responses import HTMLResponse, JSONResponse, Response

from .. import protocol
from .faults import Faults, FaultSettings, Stats, on_paths
from .responses import ApiError
from .turn import StreamDropped

SESSION_IN_PATH = re.compile(r"/(\d{6,})(?:/|$)")
CANNED_MESSAGES = {
    protocol.CODE_TOKEN_INVALID: "token invalid or expired",
    protocol.CODE_SESSION_NOT_FOUND: "session not found",
    protocol.CODE_OUT_OF_CREDITS: "out of credits",
    protocol.CODE_UNSUPPORTED_FILE: "unsupported file type",
    protocol.CODE_FILE_TOO_LARGE: "file too large",
    protocol.HTTP_EXPORT_BLOCKED: "export is not available on the free plan",
    protocol.HTTP_RATE_LIMITED: "rate limited: try again later",
}
HTML_ERROR_PAGE = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"


class InjectedFaults:
    """ASGI middleware: counts every request, and answers wrongly when a fault says so."""

    def __init__(self, app, faults: Faults, stats: Stats) -> None:
        self.app, self.faults, self.stats = app, faults, stats

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        self.stats.count_request(scope["method"], path)
        if path.startswith("/_local/"):
            return await self.app(scope, receive, send)
        files = path.startswith("/cdn/")  # the browser's file URLs: broken only when named
        match = None if files else SESSION_IN_PATH.search(path)
        session_id = match.group(1) if match else None
        settings = self.faults.for_session(session_id)
        if settings.stall_s and settings.stall_paths and on_paths(path, settings.stall_paths):
            await asyncio.sleep(settings.stall_s)
        wrong = self.faults.take_wrong_answer(path, session_id, named_only=files)
        if wrong is not None:
            if path == protocol.PATH_RUN_SSE and _only_malformed(wrong):
                scope["nemo_broken_frame"] = True  # a stream gets one broken frame, then goes on
            else:
                return await _wrong_answer(wrong)(scope, receive, send)
        if settings.drop_after_bytes is not None and on_paths(path, settings.drop_paths, named_only=files):
            return await ConnectionCutter(settings.drop_after_bytes).run(self.app, scope, receive, send)
        await self.app(scope, receive, send)


class ConnectionCutter:
    """Cuts the connection once `limit` body bytes (of the request, then of the answer) have passed.

    The server closes a connection whose answer was started but not finished, so the cut starts an
    answer (promising more bytes than it sends) when the request is cut before the route answered.
    """

    def __init__(self, limit: int) -> None:
        self.left = limit
        self.started = self.cut = False

    async def run(self, app, scope, receive, send) -> None:
        async def receive_counted():
            message = await receive()
            if message["type"] == "http.request":
                await self._count(len(message.get("body", b"")), send)
            return message

        async def send_counted(message) -> None:
            if self.cut:  # e.g. an error page the app tries to send after the cut
                raise StreamDropped("the connection is already cut (injected fault)")
            if message["type"] == "http.response.start":
                self.started = True
            elif message["type"] == "http.response.body":
                body = message.get("body", b"")
                if len(body) > self.left:
                    self.cut = True
                    await send({"type": "http.response.body", "body": body[: max(self.left, 0)], "more_body": True})
                    raise StreamDropped("connection cut after the allowed bytes (injected fault)")
                self.left -= len(body)
            await send(message)

        await app(scope, receive_counted, send_counted)  # StreamDropped: the server closes the connection

    async def _count(self, size: int, send) -> None:
        self.left -= size
        if self.left < 0:
            self.cut = True
            if not self.started:
                self.started = True
                await send({"type": "http.response.start", "status": 200,
                            "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000000")]})
            raise StreamDropped("connection cut while the request arrived (injected fault)")


def _only_malformed(settings: FaultSettings) -> bool:
    return settings.malformed_json and not settings.html_error and settings.error_code is None


def _wrong_answer(settings: FaultSettings) -> Response:
    if settings.html_error:
        return HTMLResponse(HTML_ERROR_PAGE, status_code=502)
    if settings.error_code is not None:
        error = ApiError(settings.error_code, CANNED_MESSAGES.get(settings.error_code, "injected error"))
        wait = settings.retry_after_s
        headers = {"Retry-After": f"{wait:g}"} if wait is not None and error.status == protocol.HTTP_RATE_LIMITED else None
        return JSONResponse(error.body(), status_code=error.status, headers=headers)
    return Response('{"code": 0, "data": {"session_', media_type="application/json")

"""ASGI middleware of the local backend: counts every request and, when a fault says so, answers
wrongly before the route is reached (an error code, an HTML page, a cut JSON body, a stall)."""

from __future__ import annotations

import asyncio
import re

from starlette.responses import HTMLResponse, JSONResponse, Response

from .. import protocol
from .faults import Faults, FaultSettings, Stats
from .responses import ApiError

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
        if not path.startswith(("/_local/", "/cdn/")):
            match = SESSION_IN_PATH.search(path)
            session_id = match.group(1) if match else None
            settings = self.faults.for_session(session_id)
            if settings.stall_s and settings.stall_paths and any(path.startswith(p) for p in settings.stall_paths):
                await asyncio.sleep(settings.stall_s)
            wrong = self.faults.take_wrong_answer(path, session_id)
            if wrong is not None:
                if path == protocol.PATH_RUN_SSE and _only_malformed(wrong):
                    scope["nemo_broken_frame"] = True  # a stream gets one broken frame, then goes on
                else:
                    return await _wrong_answer(wrong)(scope, receive, send)
        await self.app(scope, receive, send)


def _only_malformed(settings: FaultSettings) -> bool:
    return settings.malformed_json and not settings.html_error and settings.error_code is None


def _wrong_answer(settings: FaultSettings) -> Response:
    if settings.html_error:
        return HTMLResponse(HTML_ERROR_PAGE, status_code=502)
    if settings.error_code is not None:
        error = ApiError(settings.error_code, CANNED_MESSAGES.get(settings.error_code, "injected error"))
        return JSONResponse(error.body(), status_code=error.status)
    return Response('{"code": 0, "data": {"session_', media_type="application/json")

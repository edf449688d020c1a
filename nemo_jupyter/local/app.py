"""The local NemoVideo-compatible backend: every route of PROTOCOL.md, read top to bottom in `routes()`.

Every route but the anonymous token needs `Authorization: Bearer <token>`; a user sees only their own
sessions, media and renders (someone else's read as missing). Rendered files and uploaded media are
also reachable without the token at `/cdn/<128-bit random key>/<name>`, so that a browser `<video>`
can play them: whoever has such a URL can fetch that one file, and nothing else.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .. import protocol
from .analyses import Analyses
from .faults import Faults, Stats
from .media import thumbs
from .media.errors import MediaError
from .renders import RENDER_ID, Renders, has_segments, media_for_draft, render_answer
from .middleware import InjectedFaults
from .responses import ApiError, api_error_handler, json_body, ok
from .state import media_info, session_answer
from .store import CLAIM_TTL_S, Store
from .turn import Turn
from .uploads import append_to_video_track, discard, fetch_urls, probe_or_refuse, receive_files

FRAMES_NAME = re.compile(r"poster\.jpg|frame_(?P<at>\d{1,9})\.jpg|strip_(?P<start>\d{1,9})_(?P<dur>\d{1,9})\.jpg")
MAX_CLIENT_ID_CHARS = 200
# /cdn/ files are capability URLs (whoever has one may read it), so any page may draw them: the timeline
# widget paints thumbnails on a canvas it must still be able to read back
OPEN_FILE_HEADERS = {"Access-Control-Allow-Origin": "*"}
SERVICE = "nemo-jupyter-local"  # what GET /_local/identity answers, with the running instance's random id


class Backend:
    """The handlers, over one store; `routes()` is the whole API."""

    def __init__(self, store: Store, faults: Faults, stats: Stats, *, max_upload_bytes: int = protocol.MAX_UPLOAD_BYTES,
                 agent: Callable | None = None) -> None:
        self.store, self.faults, self.stats = store, faults, stats
        self.max_upload_bytes = max_upload_bytes
        self.agent = agent
        self.renders = Renders(store, faults)
        self.analyses = Analyses(store)
        self.turn_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self.instance = secrets.token_hex(8)  # tells this server from another on the same port (discovery)

    def routes(self) -> list[Route]:
        return [
            Route(protocol.PATH_ANON_TOKEN, self.anonymous_token, methods=["POST"]),
            Route(protocol.PATH_CREATE_SESSION, self.create_session, methods=["POST"]),
            Route(protocol.PATH_CLAIM_TOKEN, self.claim_token, methods=["POST"]),
            Route(protocol.PATH_RUN_SSE, self.run_sse, methods=["POST"]),
            Route(protocol.PATH_UPLOAD, self.upload, methods=["POST"]),
            Route(protocol.PATH_CREDITS, self.credits, methods=["GET"]),
            Route(protocol.PATH_STATE, self.state, methods=["GET"]),
            Route(protocol.PATH_RENDER, self.render_start, methods=["POST"]),
            Route(protocol.PATH_RENDER_STATUS, self.render_status, methods=["GET"]),
            Route(protocol.PATH_RENDER_CANCEL, self.render_cancel, methods=["POST"]),
            Route(protocol.PATH_RENDER_DOWNLOAD, self.render_download, methods=["GET"]),
            Route("/cdn/{key}/{name}", self.cdn_file, methods=["GET", "HEAD"]),
            Route("/cdn/{key}/frames/{frames}", self.cdn_frames, methods=["GET"]),
            Route("/_local/faults", self.local_faults, methods=["GET", "POST"]),
            Route("/_local/stats", self.local_stats, methods=["GET"]),
            Route("/_local/identity", self.local_identity, methods=["GET"]),
        ]

    def app(self) -> Starlette:
        return Starlette(
            routes=self.routes(),
            middleware=[Middleware(InjectedFaults, faults=self.faults, stats=self.stats)],
            exception_handlers={ApiError: api_error_handler},
        )

    def stop(self) -> None:
        self.renders.stop()
        self.analyses.stop()

    # --- who is asking ------------------------------------------------------------------------
    def user(self, request: Request) -> str:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(protocol.CODE_TOKEN_INVALID, "no bearer token: get one from POST /api/auth/anonymous-token")
        owner = self.store.token_owner(token.strip())
        if owner is None or self.faults.token_expired(owner[1]):
            raise ApiError(protocol.CODE_TOKEN_INVALID, "token invalid or expired")
        return owner[0]

    def owned_session(self, session_id: object, user_id: str) -> dict:
        session = self.store.session(session_id, user_id) if isinstance(session_id, str) else None
        if session is None:
            raise ApiError(protocol.CODE_SESSION_NOT_FOUND, f"session not found: {str(session_id)[:40]}")
        return session

    def owned_render(self, render_id: str, user_id: str) -> dict:
        job = self.store.render(render_id)
        if job is None or job["user_id"] != user_id:
            raise ApiError(404, f"render not found: {render_id[:100]}")
        return job

    # --- auth and sessions --------------------------------------------------------------------
    async def anonymous_token(self, request: Request) -> Response:
        client_id = request.headers.get(protocol.HEADER_CLIENT_ID, "").strip()
        if not client_id:
            raise ApiError(protocol.HTTP_MISSING_CLIENT_ID, f"the {protocol.HEADER_CLIENT_ID} header is required")
        if len(client_id) > MAX_CLIENT_ID_CHARS:
            raise ApiError(422, f"{protocol.HEADER_CLIENT_ID} is longer than {MAX_CLIENT_ID_CHARS} characters")
        token, info = self.store.issue_token(client_id)
        return ok({"token": token, "credits": info["credits"], "type": "anonymous",
                   "expires_at": info["expires_at"], "expires_in": int(info["expires_at"] - time.time())})

    async def create_session(self, request: Request) -> Response:
        user_id = self.user(request)
        body = await json_body(request) if await request.body() else {}
        task_name, language = body.get("task_name", "project"), body.get("language", "en")
        if not isinstance(task_name, str) or not isinstance(language, str) or len(task_name) > 200 or len(language) > 20:
            raise ApiError(422, "'task_name' and 'language' must be short strings")
        return ok(self.store.create_session(user_id, task_name, language))

    async def claim_token(self, request: Request) -> Response:
        user_id = self.user(request)
        body = await json_body(request)
        session = self.owned_session(body.get("session_id"), user_id)
        if body.get("task_id") not in (None, session["task_id"]):
            raise ApiError(protocol.CODE_SESSION_NOT_FOUND, "task not found for this session")
        return ok({"claim_token": self.store.create_claim(user_id, session["id"]), "expires_in": CLAIM_TTL_S})

    async def credits(self, request: Request) -> Response:
        available = self.store.credits(self.user(request))
        return ok({"available": available, "frozen": 0, "total": available})

    async def state(self, request: Request) -> Response:
        session = self.owned_session(request.path_params["session_id"], self.user(request))
        return ok(session_answer(self.store, session, str(request.base_url)))

    # --- the agent ----------------------------------------------------------------------------
    async def run_sse(self, request: Request) -> Response:
        user_id = self.user(request)
        try:
            body = await request.json()
        except ValueError:
            return _adk_invalid("body", "the body must be JSON")
        if not isinstance(body, dict):
            return _adk_invalid("body", "the body must be a JSON object")
        session_id = body.get("session_id", body.get("sessionId"))
        message = body.get("new_message", body.get("newMessage"))
        parts = message.get("parts") if isinstance(message, dict) else None
        if not isinstance(session_id, str):
            return _adk_invalid("session_id", "Field required")
        if not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts):
            return _adk_invalid("new_message", "Field required: {'parts': [{'text': …}]}")
        text = "".join(p["text"] for p in parts if isinstance(p.get("text"), str))
        session = self.store.session(session_id, user_id)
        if session is None:
            return JSONResponse({"detail": f"Session not found: {session_id[:40]}"}, status_code=404)
        self.stats.count_run_sse(session_id)
        if self.store.credits(user_id) <= 0:
            raise ApiError(protocol.CODE_OUT_OF_CREDITS, "out of credits: register or top up to keep editing")
        turn = Turn(self.store, session, user_id, text, streaming=body.get("streaming") is True,
                    settings=self.faults.for_session(session_id), agent=self.agent, base_url=str(request.base_url),
                    session_lock=self.turn_locks[session_id], broken_frame=request.scope.get("nemo_broken_frame", False))
        return StreamingResponse(turn.stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    # --- uploads ------------------------------------------------------------------------------
    async def upload(self, request: Request) -> Response:
        user_id = self.user(request)
        session = self.owned_session(request.path_params["session_id"], user_id)
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("multipart/form-data"):
            try:
                files = await receive_files(request, self.store, self.max_upload_bytes)
            except ApiError as refusal:
                refusal.close_connection = True
                raise
        elif content_type.startswith("application/json"):
            body = await json_body(request)
            files = await fetch_urls(body.get("urls"), self.store, self.max_upload_bytes)
        else:
            raise ApiError(422, "send multipart/form-data (field 'files') or JSON {\"urls\": [...]}")
        try:
            infos = [await asyncio.to_thread(probe_or_refuse, incoming) for incoming in files]
        except BaseException:
            discard(files)
            raise
        answers = []
        for incoming, info in zip(files, infos):
            media = self.store.add_media(incoming.media_id, user_id, session["id"], incoming.name, incoming.path, info)
            if media["type"] in ("video", "image"):
                self.store.update_state(session["id"], lambda s, m=media: {"draft": append_to_video_track(s.get("draft"), m)})
            if media["type"] == "video":
                self.analyses.start(media)
            answers.append(_upload_answer(media, str(request.base_url)))
        return ok({"files": answers, "session_state_applied": True})

    # --- renders ------------------------------------------------------------------------------
    async def render_start(self, request: Request) -> Response:
        user_id = self.user(request)
        if not request.headers.get(protocol.HEADER_SKILL_SOURCE):
            raise ApiError(protocol.HTTP_EXPORT_BLOCKED, f"export blocked: the {protocol.HEADER_SKILL_SOURCE} header is missing")
        body = await json_body(request)
        session = self.owned_session(body.get("sessionId", body.get("session_id")), user_id)
        render_id = body.get("id") or f"render_{int(time.time() * 1000)}"
        if not isinstance(render_id, str) or not RENDER_ID.match(render_id):
            raise ApiError(422, "'id' must be 1-100 letters, digits, '_', '-' or '.'")
        output = body.get("output") if isinstance(body.get("output"), dict) else {}
        quality = output.get("quality", "high")
        if quality not in protocol.QUALITIES:
            raise ApiError(422, f"'output.quality' must be one of {', '.join(protocol.QUALITIES)}")
        draft = body.get("draft")
        if not has_segments(draft):
            raise ApiError(422, "the draft has no segment to render")
        media = media_for_draft(draft, self.store.session_media(session["id"]), self.store)
        job = self.store.create_render(render_id, user_id, session["id"], quality)
        if job is None:
            job = self.store.render(render_id)
            if job["user_id"] != user_id or job["session_id"] != session["id"]:
                raise ApiError(409, f"render id {render_id} is already used")
        else:
            self.renders.submit(job, draft, session["state"].get("canvas_config") or {}, media)
        return self._render_answer(request, job["id"])

    async def render_status(self, request: Request) -> Response:
        job = self.owned_render(request.path_params["render_id"], self.user(request))
        return self._render_answer(request, job["id"])

    async def render_cancel(self, request: Request) -> Response:
        job = self.owned_render(request.path_params["render_id"], self.user(request))
        self.renders.cancel(job["id"])
        return self._render_answer(request, job["id"])

    async def render_download(self, request: Request) -> Response:
        job = self.owned_render(request.path_params["render_id"], self.user(request))
        if job["status"] != protocol.RENDER_COMPLETED or not self.store.inside(job["path"]):
            raise ApiError(409, f"render {job['id']} is {job['status']}, not completed")
        return FileResponse(job["path"], filename=f"{job['id']}{Path(job['path']).suffix}")

    def _render_answer(self, request: Request, render_id: str) -> Response:
        job = self.store.render(render_id)
        shape = self.faults.for_session(job["session_id"]).render_shape
        return JSONResponse(render_answer(job, str(request.base_url), shape))

    # --- files for the browser ----------------------------------------------------------------
    async def cdn_file(self, request: Request) -> Response:
        path = self.store.file_for_key(request.path_params["key"])
        if path is None or path.name != request.path_params["name"] or not self.store.inside(path) or not path.is_file():
            return JSONResponse({"message": "not found"}, status_code=404)
        return FileResponse(path, headers=OPEN_FILE_HEADERS)

    async def cdn_frames(self, request: Request) -> Response:
        """A clip's poster (`poster.jpg`), one frame (`frame_<ms>.jpg`) or a strip of its frames
        (`strip_<in ms>_<duration ms>.jpg`), made on first request and cached: the widgets' thumbnails."""
        path = self.store.file_for_key(request.path_params["key"])
        wanted = FRAMES_NAME.fullmatch(request.path_params["frames"])
        if path is None or wanted is None or not self.store.inside(path) or not path.is_file():
            return JSONResponse({"message": "not found"}, status_code=404)
        cache = self.store.thumbs_dir
        if wanted["start"] is not None:
            make = partial(thumbs.strip, path, cache, start_s=int(wanted["start"]) / 1000,
                           dur_s=max(1, int(wanted["dur"])) / 1000)
        else:  # poster.jpg, or frame_<ms>.jpg: a poster at that time
            make = partial(thumbs.poster, path, cache, at_s=int(wanted["at"]) / 1000 if wanted["at"] else None)
        try:
            image = await asyncio.to_thread(make)
        except MediaError as exc:
            return JSONResponse({"message": str(exc)}, status_code=404)
        return FileResponse(image, media_type="image/jpeg", headers=OPEN_FILE_HEADERS)

    # --- test hooks ---------------------------------------------------------------------------
    def tester(self, request: Request) -> None:
        """The test hooks break the server for everyone and list every session: this machine only."""
        from .server import is_loopback  # server imports this module

        self.user(request)
        if request.client is None or not is_loopback(request.client.host):
            raise ApiError(403, "the /_local/ test hooks answer only on this machine")

    async def local_faults(self, request: Request) -> Response:
        self.tester(request)
        if request.method == "POST":
            body = await json_body(request)
            if body.pop("reset", False):
                self.faults.reset()
            try:
                self.faults.set(**body)
            except (TypeError, ValueError) as exc:
                raise ApiError(422, str(exc)) from None
        return ok(self.faults.to_dict())

    async def local_stats(self, request: Request) -> Response:
        self.tester(request)
        return ok(self.stats.to_dict())

    async def local_identity(self, request: Request) -> Response:
        """Who listens on this port, asked without a token by `discovery` (a kernel that has none yet)
        to tell its server from a stranger; it says nothing private."""
        return JSONResponse({"service": SERVICE, "instance": self.instance})


def _adk_invalid(field: str, message: str) -> JSONResponse:
    """A 422 like ADK's (FastAPI's) request validation answer."""
    return JSONResponse({"detail": [{"type": "invalid", "loc": ["body", field], "msg": message}]}, status_code=422)


def _upload_answer(media: dict, base_url: str) -> dict:
    info = media_info(media, base_url)
    return {"filename": media["name"], "file_type": media["type"], "cdn_url": info["url"],
            "duration": media["d"] / 1000, "width": media["width"], "height": media["height"],
            "fps": media["fps"], "media_id": media["id"]}

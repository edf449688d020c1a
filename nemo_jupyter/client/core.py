"""The request core shared by `NemoClient` and `AsyncNemoClient` (sans-IO).

Each API call is a generator: it yields `Send(request)` (or `Wait(seconds)`) and receives the
`httpx.Response`; its return value is the call's result. The faces in `sync.py` / `aio.py`
only drive these generators, so every rule lives here once: headers, the token (argument,
NEMO_TOKEN, cache, anonymous), re-authentication once on 1001, one wait-and-retry on 429 (the wait
`Retry-After` asks for, shared by every call on the client through its `RateGate`), the envelope,
the error mapping, the URLs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Generator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urljoin, urlsplit

import httpx

from .. import config, protocol
from .._version import __version__
from . import errors
from .download import FileSink
from .errors import Answer, Context, NemoError
from .events import EventParser
from .render import RenderJob
from .upload import Progress, check_files, open_fields, with_progress

T = TypeVar("T")
ANONYMOUS_TOKEN_TTL_S = 7 * 86400.0  # when the answer does not say
USER_AGENT = f"{protocol.SKILL_SOURCE}/{__version__}"
RETRY_AFTER_MAX_S = 300.0  # a longer Retry-After fails the call at once (its message names the wait)
TOKEN_FETCH_POLL_S = 0.02  # how often a call waiting for another call's token fetch looks again


@dataclass(frozen=True)
class Send:
    """Send `request`; if `keep_open(response)` is true, hand the response back unread."""

    request: httpx.Request
    keep_open: Callable[[httpx.Response], bool] | None = None

    def wants_body(self, response: httpx.Response) -> bool:
        return self.keep_open is None or not self.keep_open(response)


@dataclass(frozen=True)
class Wait:
    seconds: float


Call = Generator["Send | Wait", "httpx.Response | None", T]


def _is_event_stream(response: httpx.Response) -> bool:
    return response.is_success and "text/event-stream" in response.headers.get("content-type", "")


def _is_file(response: httpx.Response) -> bool:
    return response.is_success and "json" not in response.headers.get("content-type", "")


def answer_of(response: httpx.Response) -> Answer:
    """The parts of a read response that the error mapping looks at."""
    try:
        payload = response.json()
    except ValueError:
        payload = errors.NOT_JSON
    text = response.text[:200] if payload is errors.NOT_JSON else ""
    retry_after = errors.parse_retry_after(response.headers.get("retry-after")) if response.status_code == 429 else None
    return Answer(response.status_code, payload, response.headers.get("content-type", ""), text, retry_after)


def envelope_data(payload: Any) -> Any:
    """`data` of `{"code": 0, "data": …}` or `{"success": true, "data": …}`; else the payload."""
    if isinstance(payload, dict) and "data" in payload and ("code" in payload or "success" in payload):
        return payload["data"]
    return payload


class RateGate:
    """One backoff for everything sent through one client: a 429 closes the gate for the wait the
    server asked for, and every request (of every session, row or task on this client) waits for
    it to open before it is sent. Calls waiting here have not used their one retry."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.open_at = 0.0

    def wait_s(self) -> float:
        return max(0.0, self.open_at - self.clock())

    def close_for(self, seconds: float) -> None:
        self.open_at = max(self.open_at, self.clock() + seconds)


class ClientCore:
    """Everything a NemoVideo client knows, without doing any network I/O itself."""

    def __init__(
        self,
        api_url: str | None = None,
        token: str | None = None,
        client_id: str | None = None,
        web_url: str | None = None,
        *,
        language: str = "en",
        streaming: bool = True,
        retry_wait: float = 30.0,
        heartbeat_timeout: float = protocol.HEARTBEAT_TIMEOUT_S,
        read_timeout: float = protocol.HEARTBEAT_TIMEOUT_S,
        token_cache: config.TokenCache | None = None,
        timeout: float = 60.0,
    ) -> None:
        settings = config.Settings.from_env()
        self.api_url = config.normalize_url(api_url or settings.api_url)
        if urlsplit(self.api_url).scheme not in ("http", "https") or not urlsplit(self.api_url).netloc:
            raise ValueError(f"The NemoVideo API URL must be an http:// or https:// address, not {self.api_url[:200]!r}.")
        self.web_url = config.normalize_url(web_url or settings.web_url)
        self.client_id = client_id or config.client_id()  # NEMO_CLIENT_ID, else the persisted one
        self.platform = settings.platform
        self.language = language
        self.streaming = streaming
        self.retry_wait = retry_wait
        self.heartbeat_timeout = heartbeat_timeout
        self.read_timeout = read_timeout
        self.timeout = timeout  # each request; a stream's reads wait read_timeout
        self._cache = token_cache or config.TokenCache()
        self._given_token = token or settings.token  # a token the user chose is never replaced
        self._token = self._given_token
        self._fetching_token = False  # one anonymous-token request at a time (tokens are rate limited)
        self.rate_gate = RateGate()  # shared by every call on this client

    def __repr__(self) -> str:  # the token and the client id stay out
        return f"ClientCore(api_url={self.api_url!r})"

    # --- URLs and requests --------------------------------------------------------------------

    def register_url(self) -> str:
        return self.web_url + protocol.WEB_BIND_PATH.format(client_id=quote(self.client_id, safe=""))

    def _url(self, path: str) -> str:
        return self.api_url + path

    def _headers(self, auth: bool) -> dict[str, str]:
        headers = {
            "User-Agent": USER_AGENT,
            protocol.HEADER_SKILL_SOURCE: protocol.SKILL_SOURCE,
            protocol.HEADER_SKILL_VERSION: __version__,
            protocol.HEADER_SKILL_PLATFORM: self.platform,
            protocol.HEADER_CLIENT_ID: self.client_id,
        }
        if auth and self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def _same_origin(self, url: str) -> bool:
        mine, theirs = urlsplit(self.api_url), urlsplit(url)
        return (mine.scheme, mine.netloc) == (theirs.scheme, theirs.netloc)

    def _context(self, call: str, session_id: str | None = None, file_name: str | None = None) -> Context:
        return Context(call, self.register_url(), session_id, file_name)

    def transport_error(self, exc: httpx.HTTPError) -> NemoError:
        """A failure below HTTP as one line naming the API URL: not reached (refused, DNS, connect
        timeout), no answer in time, or a connection that broke off (reset, cut body)."""
        reason = str(exc) or type(exc).__name__
        if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
            return errors.connection_failed(self.api_url, "timed out" if isinstance(exc, httpx.TimeoutException) else reason)
        if isinstance(exc, httpx.TimeoutException):
            return errors.no_answer(self.api_url)
        return errors.connection_broken(self.api_url, reason)

    # --- the exchange: token, 1001, 429, errors ------------------------------------------------

    def _exchange(
        self,
        build: Callable[[], httpx.Request],
        context: Context,
        *,
        auth: bool = True,
        keep_open: Callable[[httpx.Response], bool] | None = None,
    ) -> Call[httpx.Response]:
        """Send `build()` until it succeeds or fails for good; return the (read or open) response."""
        reauthenticated = waited = False
        while True:
            if auth and not self._token:
                yield from self._anonymous_token()
            sent_with = self._token
            while self.rate_gate.wait_s() > 0:  # a 429 seen by any call pauses this one too
                yield Wait(self.rate_gate.wait_s())
            send = Send(build(), keep_open)
            response = yield send
            if not send.wants_body(response):
                return response
            error = errors.error_for(answer_of(response), context)
            if error is None and keep_open is not None:
                error = errors.BackendError(f"The NemoVideo API answered {context.call} with an unexpected body.")
            if error is None:
                return response
            if isinstance(error, errors.AuthError) and auth and self._given_token is None and not reauthenticated:
                reauthenticated = True
                if self._token == sent_with:  # not already replaced by a concurrent call
                    self.logout()
                continue
            if isinstance(error, errors.RateLimited) and not waited:
                wait = self.retry_wait if error.retry_after is None else error.retry_after
                if wait > RETRY_AFTER_MAX_S:  # not worth blocking for: say when to come back
                    raise error
                waited = True
                self.rate_gate.close_for(wait)
                continue
            raise error

    def _json(self, method: str, path: str, context: Context, *, auth: bool = True, **body: Any) -> Call[Any]:
        def build() -> httpx.Request:
            return httpx.Request(method, self._url(path), headers=self._headers(auth), **body)

        response = yield from self._exchange(build, context, auth=auth)
        return envelope_data(answer_of(response).payload)

    def _anonymous_token(self) -> Call[str]:
        """The cached anonymous token, else a new one; concurrent calls wait for one fetch."""
        while self._fetching_token:
            yield Wait(TOKEN_FETCH_POLL_S)
        if self._token:
            return self._token
        cached = self._cache.load(self.api_url)
        if cached is not None:
            self._token = cached[0]
            return self._token
        self._fetching_token = True
        try:
            data = yield from self._token_request()
        except errors.BackendError as refused:
            # PROTOCOL: HTTP 400 here means the client id is missing or unusable: make one, retry once
            if refused.status != protocol.HTTP_MISSING_CLIENT_ID:
                raise
            self.client_id = config.new_client_id()
            data = yield from self._token_request()
        finally:
            self._fetching_token = False
        token = data.get("token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise errors.BackendError("The NemoVideo API gave no token for this client: try again later.")
        self._token = token
        self._cache.save(token, _expiry(data), self.api_url)
        return token

    def _token_request(self) -> Call[dict]:
        return (yield from self._json("POST", protocol.PATH_ANON_TOKEN, self._context("the anonymous token"), auth=False))

    def logout(self) -> None:
        """Forget the cached anonymous token (the next call gets a new one)."""
        self._cache.clear()
        self._token = self._given_token

    # --- the API ------------------------------------------------------------------------------

    def create_session(self, language: str | None = None, task_name: str = "project") -> Call[dict]:
        body = {"task_name": task_name, "language": language or self.language}
        return (yield from self._json("POST", protocol.PATH_CREATE_SESSION, self._context("creating a session"), json=body))

    def claim_link(self, task_id: str, session_id: str) -> Call[str]:
        body = {"task_id": task_id, "session_id": session_id}
        data = yield from self._json("POST", protocol.PATH_CLAIM_TOKEN, self._context("the claim link", session_id), json=body)
        claim = data.get("claim_token") if isinstance(data, dict) else None
        if not isinstance(claim, str) or not claim:
            raise errors.BackendError("The NemoVideo API gave no claim token for this session.")
        return self.web_url + protocol.WEB_CLAIM_PATH.format(claim_token=quote(claim, safe=""))

    def credits(self) -> Call[dict]:
        return (yield from self._json("GET", protocol.PATH_CREDITS, self._context("the credits balance")))

    def state(self, session_id: str) -> Call[dict]:
        path = protocol.PATH_STATE.format(session_id=quote(session_id, safe=""))
        return (yield from self._json("GET", path, self._context("the session state", session_id)))

    def start_stream(self, session_id: str, text: str) -> Call[httpx.Response]:
        """POST the instruction; return the open event-stream response (never sent twice once accepted)."""
        body = {
            "app_name": protocol.APP_NAME,
            "user_id": protocol.USER_ID,
            "session_id": session_id,
            "new_message": {"parts": [{"text": text}]},
        }
        if self.streaming:
            body["streaming"] = True
        timeout = httpx.Timeout(self.timeout, read=self.read_timeout)

        def build() -> httpx.Request:
            headers = {**self._headers(True), "Accept": "text/event-stream", "Cache-Control": "no-store"}
            return httpx.Request(
                "POST", self._url(protocol.PATH_RUN_SSE), headers=headers, json=body,
                extensions={"timeout": timeout.as_dict()},
            )

        context = self._context("the instruction", session_id)
        return (yield from self._exchange(build, context, keep_open=_is_event_stream))

    def event_parser(self) -> EventParser:
        return EventParser(self.heartbeat_timeout)

    def stream_failure(self, parser: EventParser, exc: httpx.HTTPError) -> errors.StreamError:
        """A stream that stalled or broke off, keeping the text received so far."""
        if isinstance(exc, httpx.TimeoutException):
            return parser.timed_out(self.read_timeout)
        return parser.broken(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)

    def upload(self, session_id: str, *paths: str | Path, progress: Progress | None = None) -> Call[dict]:
        files = check_files(paths)  # before any byte is sent
        path = self._url(protocol.PATH_UPLOAD.format(session_id=quote(session_id, safe="")))
        context = self._context("the upload", session_id, ", ".join(f.name for f in files))
        with ExitStack() as stack:
            fields = open_fields(files, stack)

            def build() -> httpx.Request:
                request = httpx.Request("POST", path, headers=self._headers(True), files=fields)
                return with_progress(request, progress)

            response = yield from self._exchange(build, context)
        return envelope_data(answer_of(response).payload)

    def upload_urls(self, session_id: str, urls: list[str] | tuple[str, ...]) -> Call[dict]:
        path = protocol.PATH_UPLOAD.format(session_id=quote(session_id, safe=""))
        body = {"urls": list(urls), "source_type": "url"}
        return (yield from self._json("POST", path, self._context("the upload by URL", session_id), json=body))

    def render(self, session_id: str, draft: Any, quality: str = "high", render_id: str | None = None) -> Call[RenderJob]:
        render_id = render_id or f"render_{int(time.time() * 1000)}"
        body = {
            "id": render_id,
            "sessionId": session_id,
            "draft": draft,
            "output": {"format": "mp4", "quality": quality},
        }
        context = self._context("starting the render", session_id)
        answer = yield from self._json("POST", protocol.PATH_RENDER, context, json=body)
        return RenderJob.from_answer(answer, render_id)

    def render_status(self, render_id: str) -> Call[RenderJob]:
        path = protocol.PATH_RENDER_STATUS.format(render_id=quote(render_id, safe=""))
        answer = yield from self._json("GET", path, self._context(f"the status of render {render_id}"))
        return RenderJob.from_answer(answer, render_id)

    def render_cancel(self, render_id: str) -> Call[None]:
        path = protocol.PATH_RENDER_CANCEL.format(render_id=quote(render_id, safe=""))
        yield from self._json("POST", path, self._context(f"cancelling render {render_id}"))

    def start_download(self, job_or_url: RenderJob | str) -> Call[httpx.Response]:
        """The open response with the file: the job's URL, else (or if that fails) the proxy download."""
        job = job_or_url if isinstance(job_or_url, RenderJob) else None
        url = job.url if job is not None else str(job_or_url)
        context = self._context("the download")
        if url:
            target = urljoin(self.api_url + "/", url)
            send_token = self._same_origin(target)  # never hand the token to another host (a CDN)

            def build_url() -> httpx.Request:
                headers = self._headers(True) if send_token else {"User-Agent": USER_AGENT}
                return httpx.Request("GET", target, headers=headers)

            try:
                return (yield from self._exchange(build_url, context, auth=send_token, keep_open=_is_file))
            except errors.NemoError:
                if job is None or not job.id:
                    raise
        if job is None or not job.id:
            raise ValueError("download() needs a completed RenderJob or a URL.")
        path = protocol.PATH_RENDER_DOWNLOAD.format(render_id=quote(job.id, safe=""))

        def build_proxy() -> httpx.Request:
            return httpx.Request("GET", self._url(path), headers=self._headers(True))

        return (yield from self._exchange(build_proxy, context, keep_open=_is_file))

    def file_sink(self, path: str | Path, response: httpx.Response, job_or_url: RenderJob | str,
                  progress: Progress | None = None) -> FileSink:
        """Where the bytes of an open download response go (a folder gets a file named after the job)."""
        total = int(response.headers.get("content-length") or 0)
        return FileSink(_download_target(path, response, job_or_url), total, progress)


def _expiry(data: dict) -> float:
    """When an anonymous token expires: `expires_at` (epoch s or ms), `expires_in` (s), else in 7 days."""
    now = time.time()
    for key in ("expires_at", "expiresAt"):
        value = _positive_seconds(data.get(key))
        if value is not None:
            return value / 1000.0 if value > 1e11 else value
    for key in ("expires_in", "expiresIn"):
        value = _positive_seconds(data.get(key))
        if value is not None:
            return now + value
    return now + ANONYMOUS_TOKEN_TTL_S


def _positive_seconds(value: Any) -> float | None:
    """A JSON number > 0 that a float can hold; None for anything else (a bool, a string, 1e400, NaN)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) and number > 0 else None


def _download_target(path: str | Path, response: httpx.Response, job_or_url: RenderJob | str) -> Path:
    """Where a download goes: `path`, or a file inside it named after the render, if it is a folder."""
    target = Path(path).expanduser()
    if not target.is_dir():
        return target
    job_id = job_or_url.id if isinstance(job_or_url, RenderJob) else None
    name = Path(urlsplit(str(response.url)).path).name
    return target / (f"{job_id}.mp4" if job_id else name or "render.mp4")

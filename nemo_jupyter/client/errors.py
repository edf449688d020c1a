"""Typed errors of the NemoVideo API, each with one human line that says what to do.

`error_for(answer, context)` is the one place that maps an HTTP status and an envelope `code`
(PROTOCOL.md's table) to an exception. Every message passes through `redact`, so a token that a
server echoes back can never reach a message, a repr or a log line.
"""

from __future__ import annotations

import datetime
import email.utils
import math
import re
import time
from dataclasses import dataclass
from typing import Any

from .. import protocol

_TOKEN = re.compile(re.escape(protocol.TOKEN_PREFIX) + r"[^\s\"'&,;)\]}]*")
_DETAIL_CHARS = 200


def redact(text: str) -> str:
    """`text` on one line, with anything that looks like a token masked."""
    return _TOKEN.sub(protocol.TOKEN_PREFIX + "***", " ".join(str(text).split()))


class NemoError(Exception):
    """Base of every error the client raises; `str()` is one line naming what to do."""

    def __init__(self, message: str, code: int | None = None, status: int | None = None) -> None:
        self.message = redact(message)
        self.code = code
        self.status = status
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code!r}, status={self.status!r})"


class AuthError(NemoError):
    """1001: the token is invalid or expired (and a fresh anonymous one did not help)."""


class SessionNotFound(NemoError):
    """1002: the session is gone; start a new one."""


class OutOfCredits(NemoError):
    """2001: no credits left; `.register_url` is where an anonymous user gets more."""

    def __init__(self, message: str, register_url: str, code: int | None = None, status: int | None = None):
        super().__init__(message, code, status)
        self.register_url = register_url


class UnsupportedFile(NemoError):
    """4001: a file type the API does not take (checked before uploading, too)."""


class FileTooLarge(NemoError):
    """4002: a file over 500 MB (checked before uploading, too)."""


class ExportBlocked(NemoError):
    """HTTP 402: export is not allowed on the free plan (not a credits problem)."""


class RateLimited(NemoError):
    """HTTP 429, still after waiting and retrying once; `.retry_after`: the seconds the server asked
    to wait (its `Retry-After` header, seconds or an HTTP date), or None when it did not say."""

    def __init__(self, message: str, code: int | None = None, status: int | None = None,
                 retry_after: float | None = None):
        super().__init__(message, code, status)
        self.retry_after = retry_after


class BackendError(NemoError):
    """Anything else the server got wrong: 5xx, an unknown code, HTML or non-JSON answers."""


class ConnectionFailed(NemoError):
    """The API could not be reached at all: refused, DNS, network down, timeouts."""


class StreamError(NemoError):
    """The reply stream failed or broke off; `.partial_text` is the text received before that.

    `.dropped` is True when the connection broke or timed out (the edit may still be applied on the
    server) and False when the agent itself sent an error frame (the turn definitely ended there).
    """

    def __init__(self, message: str, partial_text: str = "", code: int | None = None, status: int | None = None,
                 *, dropped: bool = True):
        super().__init__(message, code, status)
        self.partial_text = partial_text
        self.dropped = dropped


class StreamTimeout(StreamError):
    """Only heartbeats (or nothing at all) for longer than the timeout."""


# --- messages ---------------------------------------------------------------------------------

ACCEPTED = ", ".join(protocol.ACCEPTED_EXTENSIONS)
MAX_MB = protocol.MAX_UPLOAD_BYTES // (1024 * 1024)


def auth_error(status: int | None = None) -> AuthError:
    return AuthError(
        "The NemoVideo token was rejected as invalid or expired: set a valid NEMO_TOKEN "
        "(or unset it to get an anonymous one) and try again.",
        protocol.CODE_TOKEN_INVALID,
        status,
    )


def session_not_found(session_id: str | None, status: int | None = None) -> SessionNotFound:
    which = f"Session {session_id}" if session_id else "The session"
    return SessionNotFound(
        f"{which} no longer exists on the server: start a new session (the old one is gone).",
        protocol.CODE_SESSION_NOT_FOUND,
        status,
    )


def out_of_credits(register_url: str, status: int | None = None) -> OutOfCredits:
    return OutOfCredits(
        f"Out of credits: register at {register_url} to get more (or top up if you are registered).",
        register_url,
        protocol.CODE_OUT_OF_CREDITS,
        status,
    )


def unsupported_file(name: str | None, status: int | None = None) -> UnsupportedFile:
    what = f"{name}: unsupported file type" if name else "Unsupported file type"
    return UnsupportedFile(f"{what}; accepted formats: {ACCEPTED}.", protocol.CODE_UNSUPPORTED_FILE, status)


def file_too_large(name: str | None, size: int | None = None, status: int | None = None) -> FileTooLarge:
    what = name or "The file"
    if size is not None:
        what += f" is {size / (1024 * 1024):.0f} MB, which"
    return FileTooLarge(
        f"{what} is over the {MAX_MB} MB upload limit: trim or compress it first.",
        protocol.CODE_FILE_TOO_LARGE,
        status,
    )


def export_blocked(register_url: str, status: int | None = None) -> ExportBlocked:
    return ExportBlocked(
        f"Export is blocked on the free plan (this is not about credits): register at {register_url} to export.",
        None,
        status,
    )


def rate_limited(status: int | None = None, retry_after: float | None = None) -> RateLimited:
    wait = "a minute" if retry_after is None else f"{math.ceil(retry_after):.0f} s"
    return RateLimited(
        "The NemoVideo API is rate limiting this client (HTTP 429), still after one retry: "
        f"wait {wait} and try again.",
        None,
        status,
        retry_after,
    )


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delay-seconds or an HTTP date (RFC 9110);
    None when absent or unreadable. Never negative."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.timezone.utc)
        seconds = when.timestamp() - (time.time() if now is None else now)
    return max(0.0, seconds) if math.isfinite(seconds) else None


def connection_failed(api_url: str, reason: str) -> ConnectionFailed:
    return ConnectionFailed(
        f"Cannot reach the NemoVideo API at {api_url} ({reason}): check NEMO_API_URL and the "
        "network, or start a local backend with `nemo-jupyter serve`."
    )


def no_answer(api_url: str) -> ConnectionFailed:
    return ConnectionFailed(
        f"The NemoVideo API at {api_url} did not answer in time: try again (check the session's state "
        "first, as the server may have done the work)."
    )


def connection_broken(api_url: str, reason: str) -> ConnectionFailed:
    return ConnectionFailed(
        f"The connection to the NemoVideo API at {api_url} broke off ({reason}): try again (check the "
        "session's state first, as the server may have done the work)."
    )


# --- mapping an answer to an error --------------------------------------------------------------

NOT_JSON = object()  # marker: the body could not be parsed as JSON


@dataclass(frozen=True)
class Answer:
    """What the error mapping needs from a response: status, parsed JSON (or NOT_JSON), a text peek."""

    status: int
    payload: Any
    content_type: str = ""
    text: str = ""
    retry_after: float | None = None  # seconds, from a Retry-After header


@dataclass(frozen=True)
class Context:
    """What the messages name: the call, the session, the file, where to register."""

    call: str
    register_url: str
    session_id: str | None = None
    file_name: str | None = None


def error_for(answer: Answer, context: Context) -> NemoError | None:
    """The error `answer` means (PROTOCOL.md's table), or None when it is a success."""
    payload = answer.payload if isinstance(answer.payload, dict) else {}
    code = _int_or_none(payload.get("code"))
    status = answer.status
    if code == protocol.CODE_OK and status < 400:
        return None
    if code == protocol.CODE_TOKEN_INVALID or (code is None and status == 401):
        return auth_error(status)
    if code == protocol.CODE_SESSION_NOT_FOUND or _is_session_not_found(status, payload):
        return session_not_found(context.session_id, status)
    if code == protocol.CODE_OUT_OF_CREDITS:
        return out_of_credits(context.register_url, status)
    if code == protocol.CODE_UNSUPPORTED_FILE or (code is None and status == 415):
        return unsupported_file(context.file_name, status)
    if code == protocol.CODE_FILE_TOO_LARGE or (code is None and status == 413):
        return file_too_large(context.file_name, status=status)
    if status == protocol.HTTP_EXPORT_BLOCKED:
        return export_blocked(context.register_url, status)
    if status == protocol.HTTP_RATE_LIMITED:
        return rate_limited(status, answer.retry_after)
    if code is not None or status >= 400 or payload.get("success") is False:
        return BackendError(f"The NemoVideo API failed on {context.call} ({_describe(answer)}).", code, status)
    if answer.payload is NOT_JSON:
        return BackendError(f"The NemoVideo API answered {context.call} with {_describe(answer)}.", None, status)
    return None


def _is_session_not_found(status: int, payload: dict) -> bool:
    detail = payload.get("detail")
    return status == 404 and isinstance(detail, str) and detail.lower().startswith("session not found")


def _describe(answer: Answer) -> str:
    """A short account of a failed answer: its status and the server's own words, if any."""
    where = f"HTTP {answer.status}"
    if answer.payload is NOT_JSON:
        html = "html" in answer.content_type.lower() or answer.text.lstrip().startswith("<")
        kind = "an HTML page" if html else "a body that is not JSON"
        return f"{where}, {kind} instead of JSON: is NEMO_API_URL right?"
    payload = answer.payload if isinstance(answer.payload, dict) else {}
    words = payload.get("message") or payload.get("detail") or payload.get("error") or ""
    if not isinstance(words, str):
        words = str(words)
    words = redact(words)[:_DETAIL_CHARS]
    code = payload.get("code")
    label = f"{where}, code {code}" if code not in (None, 0) else where
    return f"{label}: {words}" if words else label


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None

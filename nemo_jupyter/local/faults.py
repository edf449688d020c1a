"""Fault injection and counters for the local backend.

Tests break the backend on purpose through `Faults` (in Python: `backend.faults.drop_after_events = 2`;
over HTTP: `POST /_local/faults {"drop_after_events": 2}`), either for the whole server or for one
session (`backend.faults.set(session_id="…", silent_share=1.0)`). A session's settings override the
server's key by key. `Stats` counts what the backend was asked, so a test can prove that an
instruction was not sent twice.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, fields, replace


@dataclass
class FaultSettings:
    """Everything that can be broken. The defaults break nothing."""

    # the event stream (/run_sse)
    drop_after_events: int | None = None  # cut the connection after N events (no clean end)
    silent_share: float = 0.0  # share of replies (0..1) that carry no text at all
    event_delay_s: float = 0.0  # pause before each event
    stall_s: float = 0.0  # send the headers, then no byte at all for S seconds
    heartbeats_only_s: float = 0.0  # only `: ping` comment lines for S seconds, then the reply
    bench_events: int = 0  # stream N tiny text chunks quickly instead of asking the agent
    heartbeat_s: float = 15.0  # not a fault: how often `: ping` is sent while the agent works
    # any API path: answer wrongly, `error_times` times (None: every time) on `error_paths`
    error_code: int | None = None  # 1001/1002/2001/4001/4002 in the envelope, or a bare HTTP status
    error_paths: list[str] | None = None  # path prefixes; None: every API path
    error_times: int | None = None
    retry_after_s: float | None = None  # with error_code 429: the Retry-After header (seconds)
    malformed_json: bool = False  # a JSON body cut in half (in a stream: one broken frame)
    html_error: bool = False  # an HTML 502 page instead of JSON
    stall_paths: list[str] | None = None  # other paths that stall `stall_s` before answering
    drop_after_bytes: int | None = None  # cut the connection once N body bytes passed (request or answer)
    drop_paths: list[str] | None = None  # path prefixes for `drop_after_bytes`; None: every API path
    # tokens
    expire_tokens: bool = False  # every token issued before this was set is expired
    # renders
    render_shape: str = "a"  # "a" | "b" | "c" (see PROTOCOL.md)
    render_fail_times: int = 0  # the next N renders fail
    render_never_completes: bool = False  # renders stay "processing" until cancelled
    render_wall_s: float = 0.0  # a render takes at least S seconds of wall time (cloud-like: no CPU
    #                             while it waits, progress reported linearly in time, not holding a
    #                             machine render slot while it waits)

    def validate(self) -> None:
        if self.render_shape not in ("a", "b", "c"):
            raise ValueError("render_shape must be 'a', 'b' or 'c'")
        if not 0.0 <= self.silent_share <= 1.0:
            raise ValueError("silent_share must be between 0 and 1")
        if self.retry_after_s is not None and self.retry_after_s < 0:
            raise ValueError("retry_after_s must not be negative")
        if self.render_wall_s < 0:
            raise ValueError("render_wall_s must not be negative")
        if self.heartbeat_s <= 0:
            raise ValueError("heartbeat_s must be positive")

    @property
    def answers_wrongly(self) -> bool:
        return self.error_code is not None or self.malformed_json or self.html_error


FAULT_NAMES = frozenset(f.name for f in fields(FaultSettings))


def on_paths(path: str, prefixes: list[str] | None, named_only: bool = False) -> bool:
    """Whether a fault limited to `prefixes` (None: every path, unless `named_only`) applies to `path`."""
    if prefixes is None:
        return not named_only
    return any(path.startswith(prefix) for prefix in prefixes)


class Faults:
    """The server's fault settings plus per-session overrides; thread-safe."""

    def __init__(self) -> None:
        object.__setattr__(self, "_lock", threading.RLock())
        self.reset()

    def reset(self) -> None:
        with self._lock:
            object.__setattr__(self, "_server", FaultSettings())
            object.__setattr__(self, "_sessions", {})
            object.__setattr__(self, "tokens_expired_at", None)

    # attribute access forwards to the server-wide settings: `faults.silent_share = 1.0`
    def __getattr__(self, name: str):
        if name in FAULT_NAMES:
            return getattr(self._server, name)
        raise AttributeError(name)

    def __setattr__(self, name: str, value) -> None:
        self.set(**{name: value})

    def set(self, session_id: str | None = None, **values) -> None:
        """Change settings for the server, or for one session when `session_id` is given."""
        unknown = set(values) - FAULT_NAMES
        if unknown:
            raise ValueError(f"unknown fault(s): {', '.join(sorted(unknown))}")
        with self._lock:
            if session_id is None:
                candidate = replace(self._server, **values)
                candidate.validate()
                object.__setattr__(self, "_server", candidate)
            else:
                overrides = {**self._sessions.get(session_id, {}), **values}
                replace(self._server, **overrides).validate()
                self._sessions[session_id] = overrides
            if values.get("expire_tokens"):
                object.__setattr__(self, "tokens_expired_at", time.time())

    def for_session(self, session_id: str | None) -> FaultSettings:
        """The settings in force for a session (a copy: changing it changes nothing)."""
        with self._lock:
            overrides = self._sessions.get(session_id, {}) if session_id else {}
            return replace(self._server, **overrides)

    def token_expired(self, issued_at: float) -> bool:
        cutoff = self.tokens_expired_at
        return cutoff is not None and issued_at <= cutoff

    def take_wrong_answer(self, path: str, session_id: str | None = None, *,
                          named_only: bool = False) -> FaultSettings | None:
        """If `path` must be answered wrongly now, count one use and return the settings.
        `named_only`: the path is hit only when `error_paths` names it (file URLs)."""
        with self._lock:
            settings = self.for_session(session_id)
            if not settings.answers_wrongly or not on_paths(path, settings.error_paths, named_only):
                return None
            if settings.error_times is not None:
                if settings.error_times <= 0:
                    return None
                self._decrement(session_id, "error_times")
            return settings

    def take_render_failure(self, session_id: str) -> bool:
        with self._lock:
            if self.for_session(session_id).render_fail_times <= 0:
                return False
            self._decrement(session_id, "render_fail_times")
            return True

    def _decrement(self, session_id: str | None, name: str) -> None:
        overrides = self._sessions.get(session_id) if session_id else None
        if overrides is not None and name in overrides:
            overrides[name] -= 1
        else:
            object.__setattr__(self, "_server", replace(self._server, **{name: getattr(self._server, name) - 1}))

    def to_dict(self) -> dict:
        with self._lock:
            return {"server": asdict(self._server), "sessions": {k: dict(v) for k, v in self._sessions.items()}}


class Stats:
    """Counters of what the backend was asked; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.requests: Counter[str] = Counter()  # "POST /run_sse" -> count
            self.run_sse_by_session: Counter[str] = Counter()

    def count_request(self, method: str, path: str) -> None:
        with self._lock:
            self.requests[f"{method} {path}"] += 1

    def count_run_sse(self, session_id: str) -> None:
        with self._lock:
            self.run_sse_by_session[session_id] += 1

    @property
    def run_sse_posts(self) -> int:
        with self._lock:
            return self.requests["POST /run_sse"]

    def to_dict(self) -> dict:
        with self._lock:
            return {
                "run_sse_posts": self.requests["POST /run_sse"],
                "run_sse_by_session": dict(self.run_sse_by_session),
                "requests": dict(self.requests),
            }

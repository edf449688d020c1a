"""The cells of the fault matrix: which fault settings break which operation, and what must follow.

An operation's fault is aimed at the paths that operation uses, so the state read that starts an
edit or an export is not what breaks. "poll" is an export whose render started well and whose status
polls break; "download" one whose render went well and whose file transfer (the CDN URL, then the
proxy fallback) breaks. "refused" while polling is not a cell: the local backend cannot be
unreachable and still rendering (a restarted one has lost its running renders).
"""

from __future__ import annotations

from fault_world import STALL_S

from nemo_jupyter import protocol

OPERATIONS = {
    "edit": [protocol.PATH_RUN_SSE],
    "upload": ["/api/upload-video/"],
    "state": ["/api/state/"],
    "export": [protocol.PATH_RENDER],  # starting the render (and polling its status)
    "poll": [protocol.PATH_RENDER + "/"],  # only polling the status of a render that was started
    "download": ["/cdn/", "/api/render/proxy/render_"],  # the file URL, then the fallback download
}
REFUSED = "refused"


def fault_settings(fault: str, operation: str) -> dict | None:
    """The `Faults.set` values of one cell, or None where the fault means nothing for the operation."""
    paths = OPERATIONS[operation]
    stream = operation == "edit"
    once = {"error_paths": paths, "error_times": 1}
    table = {
        REFUSED: {} if operation != "poll" else None,
        "drop": {"drop_after_events": 1} if stream else {"drop_after_bytes": 64, "drop_paths": paths},
        "stall": {"stall_s": STALL_S} if stream else {"stall_s": STALL_S, "stall_paths": paths},
        "heartbeats only": {"heartbeats_only_s": STALL_S, "heartbeat_s": 0.05} if stream else None,
        "1001 expired": {"expire_tokens": True},
        "1002": {"error_code": protocol.CODE_SESSION_NOT_FOUND, **once},
        "2001": {"error_code": protocol.CODE_OUT_OF_CREDITS, **once},
        "429 twice": {"error_code": protocol.HTTP_RATE_LIMITED, "error_paths": paths, "error_times": 2},
        "5xx": {"error_code": 503, **once},
        "malformed JSON": {"malformed_json": True, **once},
        "HTML page": {"html_error": True, **once},
        "render fails once": {"render_fail_times": 1} if operation == "export" else None,
        "render never ends": {"render_never_completes": True} if operation == "export" else None,
    }
    return table[fault]


FAULTS = ["refused", "drop", "stall", "heartbeats only", "1001 expired", "1002", "2001", "429 twice", "5xx",
          "malformed JSON", "HTML page", "render fails once", "render never ends"]

CELLS = [(fault, op) for fault in FAULTS for op in OPERATIONS if fault_settings(fault, op) is not None]

# What the faulty call itself gives: "ok" (handled without bothering the user), "recovered" (an edit
# whose stream broke, found applied by polling the state), or the error class the user sees.
_FAILS = {"refused": "ConnectionFailed", "2001": "OutOfCredits", "1002": "SessionReplaced",
          "5xx": "BackendError", "HTML page": "BackendError", "malformed JSON": "BackendError",
          "drop": "ConnectionFailed", "stall": "ConnectionFailed", "429 twice": "RateLimited"}
_EXCEPTIONS = {
    ("drop", "edit"): "recovered",
    ("stall", "edit"): "EditNotConfirmed",
    ("heartbeats only", "edit"): "EditNotConfirmed",
    ("malformed JSON", "edit"): "ok",  # one broken frame is skipped, the reply goes on
    ("render fails once", "export"): "ok",  # retried once with a new id
    ("render never ends", "export"): "RenderFailed",  # bounded by render_timeout_s, then cancelled
    # a status poll that fails once is polled again (the render goes on); one that always fails, not forever
    **{(fault, "poll"): "ok" for fault in ("5xx", "HTML page", "malformed JSON", "429 twice")},
    # the file URL failing once falls back to the proxy download
    **{(fault, "download"): "ok" for fault in ("1002", "2001", "5xx", "HTML page", "malformed JSON", "429 twice")},
}


def expected(fault: str, operation: str) -> str:
    if (fault, operation) in _EXCEPTIONS:
        return _EXCEPTIONS[(fault, operation)]
    if fault == "1001 expired":
        return "ok"  # a new anonymous token for the same client id, the call sent again once
    return _FAILS[fault]


def posts_allowed(fault: str) -> int:
    """POSTs to /run_sse one edit may make: one, or two when the first was refused before any event for a
    reason the client handles by sending it again (a new token after 1001, one wait after 429)."""
    return 2 if fault in ("1001 expired", "429 twice") else 1

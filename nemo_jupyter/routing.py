"""Pure text rules of PROTOCOL.md: where a user's words go, and how the agent's GUI-speak reads in a notebook.

- `route(text)`: "export" / "credits" / "status" / "upload" skip `/run_sse`; anything else is "edit".
- The agent's GUI-speak ("click Export", "drag the clip") is read sentence by sentence in `gui_speak.py`.
- `clean_reply(text)`: drop a trailing "I encountered a temporary issue" after normal text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .protocol import TEMPORARY_ISSUE_TEXT, media_kind

EXPORT, CREDITS, STATUS, UPLOAD, EDIT = "export", "credits", "status", "upload", "edit"

# English words match whole words, Chinese ones anywhere (no spaces between Chinese words).
ROUTE_WORDS = {
    EXPORT: (["export", "download", "send me the video", "render it"], ["导出", "下载"]),
    CREDITS: (["credits", "credit balance", "balance"], ["积分", "余额"]),
    STATUS: (["status", "show tracks", "show the tracks", "show timeline", "show the timeline"], ["状态"]),
    UPLOAD: (["upload"], ["上传"]),
}
# A routed message is a short command; a long sentence that mentions "export" is an edit instruction.
ROUTE_MAX_WORDS = 6
ROUTE_MAX_CHARS = 40

_PATTERNS = {
    intent: re.compile("|".join([rf"\b{re.escape(word)}\b" for word in english] + [re.escape(w) for w in chinese]),
                       re.IGNORECASE)
    for intent, (english, chinese) in ROUTE_WORDS.items()
}
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|'[^']*'")
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)


@dataclass(frozen=True)
class Route:
    intent: str  # export | credits | status | upload | edit
    text: str
    targets: tuple[str, ...] = ()  # files or URLs for an upload


def upload_targets(text: str) -> tuple[str, ...]:
    """The files / URLs when a message is nothing but them, after an optional "upload" / "上传".

    Without the word, a bare path must exist (so that an instruction is never taken for a file).
    """
    rest, said_upload = re.subn(r"^\s*(?:upload|上传)\s*", "", text, flags=re.IGNORECASE)
    tokens = tuple(token.strip("\"'") for token in rest.split())
    if not tokens:
        return ()
    for token in tokens:
        is_file = media_kind(token) is not None and (said_upload or _is_file(token))
        if not (_URL.match(token) or is_file):
            return ()
    return tokens


def _is_file(token: str) -> bool:
    """An existing file; False for a word that cannot be a path at all (too long for the file system)."""
    try:
        return Path(token).expanduser().is_file()
    except OSError:
        return False


def route(text: str) -> Route:
    """Decide where a message goes before anything is sent to the agent."""
    stripped = text.strip()
    targets = upload_targets(stripped)
    if targets:
        return Route(UPLOAD, stripped, targets)
    short = len(stripped.split()) <= ROUTE_MAX_WORDS and len(stripped) <= ROUTE_MAX_CHARS
    if short:
        unquoted = _QUOTED.sub(" ", stripped)  # add title "status" is an edit
        for intent in (EXPORT, CREDITS, STATUS, UPLOAD):
            if _PATTERNS[intent].search(unquoted):
                return Route(intent, stripped)
    return Route(EDIT, stripped)


def clean_reply(text: str) -> str:
    """Drop a trailing "I encountered a temporary issue…" when normal text came before it."""
    at = text.find(TEMPORARY_ISSUE_TEXT)
    if at > 0 and text[:at].strip():
        return text[:at].rstrip()
    return text

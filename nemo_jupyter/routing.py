"""Pure text rules of PROTOCOL.md: where a user's words go, and how the agent's GUI-speak reads in a notebook.

- `route(text)`: "export" / "credits" / "status" / "upload" skip `/run_sse`; anything else is "edit".
- `translate_gui(text)`: the agent talks as if the user had its web GUI ("click Export", "open the
  panel", "drag the clip"); rewrite those phrases into what works here and name the action to take.
- `clean_reply(text)`: drop a trailing "I encountered a temporary issue" after normal text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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


# --- the agent's GUI-speak --------------------------------------------------------------------
@dataclass(frozen=True)
class GuiPhrase:
    pattern: re.Pattern
    replacement: str
    action: str | None  # what the notebook does instead: export | status | credits | None


def _phrase(regex: str, replacement: str, action: str | None) -> GuiPhrase:
    return GuiPhrase(re.compile(regex, re.IGNORECASE), replacement, action)


GUI_PHRASES = [
    _phrase(r"(?:click|press|tap|hit)(?: on)?(?: the)? \[?\"?export\"?\]?(?: button)?|(?:the )?\[?export\]? button",
            "run `%nemo export`", EXPORT),
    _phrase(r"(?:check|open|visit|go to)(?: your)?(?: the)? (?:account|billing|credits?|balance)(?: page| panel| settings)?",
            "run `%nemo credits`", CREDITS),
    _phrase(r"preview (?:it |this |the (?:video|result) )?in the timeline", "see the timeline summary (`%nemo status`)",
            STATUS),
    _phrase(r"open(?: the)? \[?[\w ]{1,30}?\]? (?:panel|tab|view|window)", "run `%nemo status`", STATUS),
    _phrase(r"drag(?:ging)?(?: and drop)?(?: it| the \w+)?(?: (?:to|into|onto) the \w+)?|drop it (?:on|into|onto) the \w+",
            "describe the move in your next instruction", None),
    _phrase(r"(?:click|press|tap)(?: on)?(?: the)? \[([^\]]{1,30})\](?: button)?",
            r"ask me to \1", None),
]


@dataclass(frozen=True)
class Translation:
    text: str
    actions: tuple[str, ...] = field(default_factory=tuple)


def translate_gui(text: str) -> Translation:
    """Rewrite GUI instructions into notebook ones; the actions say what the notebook can do itself."""
    actions: list[str] = []
    for phrase in GUI_PHRASES:
        text, count = phrase.pattern.subn(lambda match: _same_case(match, phrase.replacement), text)
        if count and phrase.action and phrase.action not in actions:
            actions.append(phrase.action)
    return Translation(text, tuple(actions))


def _same_case(match: re.Match, replacement: str) -> str:
    text = match.expand(replacement)
    return text[:1].upper() + text[1:] if match.group(0)[:1].isupper() else text


def clean_reply(text: str) -> str:
    """Drop a trailing "I encountered a temporary issue…" when normal text came before it."""
    at = text.find(TEMPORARY_ISSUE_TEXT)
    if at > 0 and text[:at].strip():
        return text[:at].rstrip()
    return text

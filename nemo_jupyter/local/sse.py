"""ADK event encoding for `/run_sse`: camelCase events as `data: <json>` frames (see PROTOCOL.md).

Each event carries `id`, `invocationId`, `author`, `timestamp`, `content`, `actions` (every key
present, empty dicts kept) and `nodeInfo`, like an ADK 2.x server. Streamed text is sent as
`partial` chunks sharing one event id, then one final event with the same id and the whole text.
"""

from __future__ import annotations

import json
import re
import time
import uuid

from .. import protocol

PING = ": ping\n\n"
WORDS_PER_CHUNK = 3


def frame(payload: dict) -> str:
    return "data: " + json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n\n"


def error_frame(exc: BaseException) -> str:
    """The last frame of a stream that failed after it started."""
    kind = type(exc).__name__
    return frame({
        "error": f"{kind}: {exc}",
        "error_details": {"error_type": kind, "error_message": str(exc), "timestamp": time.time()},
    })


def text_chunks(text: str, words_per_chunk: int = WORDS_PER_CHUNK) -> list[str]:
    """`text` cut into pieces of a few words that join back to exactly `text`."""
    words = re.findall(r"\s*\S+\s*", text) or [text]
    return ["".join(words[i:i + words_per_chunk]) for i in range(0, len(words), words_per_chunk)]


class Invocation:
    """The events of one turn, all sharing one `invocationId`."""

    def __init__(self, author: str = protocol.APP_NAME) -> None:
        self.id = f"e-{uuid.uuid4()}"
        self.author = author

    def event(self, parts: list[dict], *, role: str = "model", state_delta: dict | None = None,
              partial: bool = False, event_id: str | None = None) -> dict:
        event = {
            "content": {"parts": parts, "role": role},
            "invocationId": self.id,
            "author": self.author,
            "actions": {
                "stateDelta": state_delta or {},
                "artifactDelta": {},
                "requestedAuthConfigs": {},
                "requestedToolConfirmations": {},
            },
            "nodeInfo": {"path": ""},
            "id": event_id or str(uuid.uuid4()),
            "timestamp": time.time(),
        }
        if partial:
            event["partial"] = True
        return event

    def tool_events(self, name: str, args: dict, response: dict, state_delta: dict) -> list[dict]:
        """A functionCall (role model) and its functionResponse (role user, carrying the state change)."""
        call_id = f"adk-{uuid.uuid4()}"
        return [
            self.event([{"functionCall": {"id": call_id, "name": name, "args": args}}]),
            self.event([{"functionResponse": {"id": call_id, "name": name, "response": response}}],
                       role="user", state_delta=state_delta),
        ]

    def text_events(self, text: str, *, streaming: bool) -> list[dict]:
        """Partial chunks then the whole text (streaming), or only the whole text."""
        event_id = str(uuid.uuid4())
        final = self.event([{"text": text}], event_id=event_id)
        if not streaming:
            return [final]
        partials = [self.event([{"text": piece}], partial=True, event_id=event_id) for piece in text_chunks(text)]
        return [*partials, final]

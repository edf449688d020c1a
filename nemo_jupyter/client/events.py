"""The ADK event stream of `/run_sse`, parsed into a few typed events (sans-IO).

`EventParser.feed(text)` takes decoded text as it arrives and yields the events it completes;
`finish()` ends the turn. The SSE framing is httpx-sse's (its line splitter and decoder); the only
thing read here before it are comment lines, which httpx-sse drops but which are heartbeats.

Rules (PROTOCOL.md, "The event stream"):
- partial chunks come out as `TextChunk`s as they arrive; each run of text also ends in exactly one
  `Text` with the whole text. `Text.streamed` is True when its text was already given as chunks:
  a live view shows chunks and skips streamed `Text`s, and nothing is shown twice.
- comment lines, empty `data:` and `{"type": "heartbeat"}` are `Heartbeat`s; after
  `heartbeat_timeout` seconds with nothing else, `StreamTimeout`.
- non-JSON and content-less frames are skipped; `type`-style frames are read too.
- a top-level `error` frame (or an ADK `errorCode` without content) raises `StreamError` keeping
  the text received so far.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from httpx_sse._decoders import SSEDecoder, SSELineDecoder  # the framing of httpx-sse, fed line by line

from .errors import StreamError, StreamTimeout


@dataclass(frozen=True)
class TextChunk:
    """A partial piece of the reply, to show at once."""

    text: str
    kind: ClassVar[str] = "text_chunk"


@dataclass(frozen=True)
class Text:
    """A whole text; `streamed` means it repeats the chunks just given (do not show it again)."""

    text: str
    streamed: bool = False
    kind: ClassVar[str] = "text"


@dataclass(frozen=True)
class ToolCall:
    name: str
    args: dict = field(default_factory=dict)
    id: str | None = None
    kind: ClassVar[str] = "tool_call"


@dataclass(frozen=True)
class ToolResult:
    name: str
    response: Any = None
    state_delta: dict = field(default_factory=dict)
    id: str | None = None
    kind: ClassVar[str] = "tool_result"


@dataclass(frozen=True)
class Heartbeat:
    """The server is still working; `idle_s` is how long nothing but heartbeats has come."""

    idle_s: float = 0.0
    kind: ClassVar[str] = "heartbeat"


Event = TextChunk | Text | ToolCall | ToolResult | Heartbeat

_HEARTBEAT_TYPES = {"heartbeat", "ping", "keepalive"}
_TEXT_TYPES = {"text", "text_chunk", "message", "delta"}


class EventParser:
    """Turns the text of one `/run_sse` answer into events; knows nothing of sockets."""

    def __init__(self, heartbeat_timeout: float = 600.0, clock: Callable[[], float] = time.monotonic):
        self._lines = SSELineDecoder()
        self._frames = SSEDecoder()
        self._heartbeat_timeout = heartbeat_timeout
        self._clock = clock
        self._last_content = clock()
        self._pending: list[str] = []  # chunks of the text run in progress
        self._texts: list[str] = []  # whole texts of this turn

    # --- feeding ----------------------------------------------------------------------------

    def feed(self, text: str) -> Iterator[Event]:
        """The events `text` completes, one by one (so those before an error frame still come out)."""
        for line in self._lines.decode(text):
            yield from self._line(line)

    def finish(self) -> Iterator[Event]:
        """The stream has ended: complete a last unterminated frame, close the open text run."""
        for line in [*self._lines.flush(), ""]:
            yield from self._line(line)
        yield from self._close_run()

    @property
    def partial_text(self) -> str:
        """All the text received in this turn so far, chunks of an unfinished run included."""
        return "\n".join([*self._texts, *(["".join(self._pending)] if self._pending else [])])

    def broken(self, reason: str) -> StreamError:
        return StreamError(
            f"The reply stream broke off ({reason}); the instruction was not re-sent: "
            "check the session state before trying again.",
            self.partial_text,
        )

    def timed_out(self, seconds: float | None = None) -> StreamTimeout:
        """Only heartbeats for the heartbeat timeout, or (given `seconds`) no byte at all for that long."""
        if seconds is None:
            waited, what = self._heartbeat_timeout, "the server only said it was still working"
        else:
            waited, what = seconds, "nothing arrived"
        return StreamTimeout(
            f"No reply for {waited:g} s ({what}): check the session state later; the instruction was not re-sent.",
            self.partial_text,
        )

    # --- lines and frames -------------------------------------------------------------------

    def _line(self, line: str) -> list[Event]:
        if line.startswith(":"):
            return [self._heartbeat()]
        frame = self._frames.decode(line)
        return [] if frame is None else self._frame(frame.data)

    def _frame(self, data: str) -> list[Event]:
        if not data.strip():
            return [self._heartbeat()]
        try:
            obj = json.loads(data)
        except ValueError:
            return []
        if not isinstance(obj, dict):
            return []
        if obj.get("error") and "content" not in obj:  # an empty `"error": null` is no failure
            raise self._failed(obj["error"])
        if isinstance(obj.get("type"), str) and not isinstance(obj.get("content"), dict):
            return self._typed_frame(obj)
        return self._adk_event(obj)

    def _typed_frame(self, obj: dict) -> list[Event]:
        kind = obj["type"].lower()
        if kind in _HEARTBEAT_TYPES:
            return [self._heartbeat()]
        if kind == "error":
            raise self._failed(obj.get("message") or obj.get("content") or "error")
        text = obj.get("content", obj.get("text"))
        if kind in _TEXT_TYPES and isinstance(text, str) and text:
            return self._chunk(text)
        return []

    def _adk_event(self, obj: dict) -> list[Event]:
        content = obj.get("content") if isinstance(obj.get("content"), dict) else {}
        parts = [p for p in content.get("parts") or [] if isinstance(p, dict)]
        if obj.get("errorCode") and not parts:
            raise self._failed(f"{obj['errorCode']}: {obj.get('errorMessage') or ''}".rstrip(": "))
        text = "".join(p["text"] for p in parts if isinstance(p.get("text"), str) and not p.get("thought"))
        tools = [tool for p in parts if (tool := self._tool(p, obj)) is not None]
        events: list[Event] = []
        if text:
            events += self._chunk(text) if obj.get("partial") is True else self._whole(text)
        elif tools:
            events += self._close_run()
        events += tools
        if events:
            self._last_content = self._clock()
        return events

    @staticmethod
    def _tool(part: dict, event: dict) -> ToolCall | ToolResult | None:
        call, result = part.get("functionCall"), part.get("functionResponse")
        if isinstance(call, dict):
            args = call.get("args") if isinstance(call.get("args"), dict) else {}
            return ToolCall(str(call.get("name") or ""), args, call.get("id"))
        if isinstance(result, dict):
            actions = event.get("actions") if isinstance(event.get("actions"), dict) else {}
            delta = actions.get("stateDelta") if isinstance(actions.get("stateDelta"), dict) else {}
            return ToolResult(str(result.get("name") or ""), result.get("response"), delta, result.get("id"))
        return None

    # --- text runs --------------------------------------------------------------------------

    def _chunk(self, text: str) -> list[Event]:
        self._pending.append(text)
        self._last_content = self._clock()
        return [TextChunk(text)]

    def _whole(self, text: str) -> list[Event]:
        """A final text: if it repeats the chunks, only their missing tail is new."""
        streamed = "".join(self._pending)
        self._pending.clear()
        self._texts.append(text)
        if streamed and text.startswith(streamed):
            tail = text[len(streamed) :]
            return [*([TextChunk(tail)] if tail else []), Text(text, streamed=True)]
        return [Text(text)]

    def _close_run(self) -> list[Event]:
        """Chunks that no final text followed become one streamed `Text`."""
        if not self._pending:
            return []
        text = "".join(self._pending)
        self._pending.clear()
        self._texts.append(text)
        return [Text(text, streamed=True)]

    def _heartbeat(self) -> Heartbeat:
        idle = self._clock() - self._last_content
        if idle > self._heartbeat_timeout:
            raise self.timed_out()
        return Heartbeat(idle)

    def _failed(self, error: Any) -> StreamError:
        return StreamError(
            f"The agent failed mid-reply ({error if isinstance(error, str) else json.dumps(error)}); "
            "the instruction was not re-sent: check the session state before trying again.",
            self.partial_text,
            dropped=False,
        )

"""StreamView: the live reply of a `%%nemo` cell as a widget.

The same protocol as the views in `nemo_jupyter/views.py`: `start()`, `event(ev)`, `finish(result)`,
`fail(message)`. Its mime bundle carries a `text/markdown` copy of the final reply, and `finish`
refreshes the displayed output, so a notebook saved and opened without a kernel still shows it.
"""

from __future__ import annotations

from typing import Any

import traitlets as t

from ..protocol import STILL_WORKING_AFTER_S
from ._base import NemoWidget, bundle, stylesheet

_DETAIL_CHARS = 60


def _tool_detail(args: Any) -> str:
    if not isinstance(args, dict) or not args:
        return ""
    text = ", ".join(f"{key}={value}" for key, value in args.items())
    return text if len(text) <= _DETAIL_CHARS else text[: _DETAIL_CHARS - 1] + "…"


class StreamView(NemoWidget):
    """Shows one reply: Markdown text growing chunk by chunk, tool chips, changes and summary."""

    _esm = bundle("stream_view")
    _css = stylesheet("stream_view")

    text = t.Unicode("").tag(sync=True)
    tools = t.List(t.Dict()).tag(sync=True)
    status = t.Unicode("idle").tag(sync=True)  # idle | working | still_working | done | error
    changes = t.List(t.Unicode()).tag(sync=True)
    summary = t.Unicode("").tag(sync=True)
    error = t.Unicode("").tag(sync=True)

    def __init__(self, *, display: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._display_wanted = display
        self._handle: Any = None
        self._done = ""  # whole messages so far
        self._partial = ""  # chunks of the message being streamed

    # --- the view protocol ----------------------------------------------------------------------
    def start(self) -> None:
        self._done = self._partial = ""
        self.text, self.tools, self.changes, self.summary, self.error = "", [], [], "", ""
        self.status = "working"
        if self._display_wanted and self._handle is None:
            from IPython.display import display

            self._handle = display(self, display_id=True)

    def event(self, ev: Any) -> None:
        kind = getattr(ev, "kind", None)
        if kind == "text_chunk":
            self._partial += ev.text
        elif kind == "text":
            if not getattr(ev, "streamed", False) or not self._partial:
                self._done = _join(self._done, ev.text)
            else:
                self._done = _join(self._done, self._partial)
            self._partial = ""
        elif kind == "tool_call":
            self.tools = [*self.tools, {"name": str(ev.name), "detail": _tool_detail(getattr(ev, "args", None))}]
        elif kind == "heartbeat":
            if getattr(ev, "idle_s", 0.0) >= STILL_WORKING_AFTER_S:
                self.status = "still_working"
            return
        else:
            return
        self.status = "working"
        self.text = _join(self._done, self._partial)

    def finish(self, result: Any = None) -> None:
        reply = getattr(result, "text", None)
        if reply and not self.text:
            self.text = str(reply)
        self.changes = [str(change) for change in (getattr(result, "changes", None) or [])]
        self.summary = str(getattr(result, "summary", "") or "")
        self.status = "done"
        self._refresh_display()

    def fail(self, message: str) -> None:
        self.error = str(message).splitlines()[0] if message else "Failed."
        self.status = "error"
        self._refresh_display()

    # --- saved notebooks ----------------------------------------------------------------------
    def markdown(self) -> str:
        """The reply as Markdown: text, changes, summary, error."""
        parts = [self.text.strip()] if self.text.strip() else []
        if self.changes:
            parts.append("\n".join(f"- {change}" for change in self.changes))
        if self.summary:
            parts.append(f"`{self.summary}`")
        if self.error:
            parts.append(f"**Error:** {self.error}")
        return "\n\n".join(parts)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle_ = super()._repr_mimebundle_(**kwargs)
        data, metadata = bundle_ if isinstance(bundle_, tuple) else (bundle_ or {}, {})
        data = {**data, "text/markdown": self.markdown() or "_(working…)_"}
        return data, metadata

    def _refresh_display(self) -> None:
        if self._handle is not None:
            self._handle.update(self)


def _join(before: str, after: str) -> str:
    if not before:
        return after
    if not after:
        return before
    return before + ("" if before.endswith("\n") else "\n\n") + after

"""StreamView: the live reply of a `%%nemo` cell as a widget.

The same protocol as the views in `nemo_jupyter/views.py` (`start()`, `event(ev)`,
`finish(result)`, `fail(message)`), and the same rules: what counts as new text, when to say
"Still working…", how the final reply reads come from there. Its static form is the reply as
`text/markdown`, refreshed by `finish`: a saved notebook keeps it (see `static_forms`).
"""

from __future__ import annotations

import time
from typing import Any, Callable

import traitlets as t

from ..views import Pace, Transcript, change_lines, final_markdown, retold
from ._base import NemoWidget, bundle, stylesheet


class StreamView(NemoWidget):
    """Shows one reply: Markdown text growing chunk by chunk, tool chips, changes and summary."""

    _esm = bundle("stream_view")
    _css = stylesheet("stream_view")

    text = t.Unicode("").tag(sync=True)
    tools = t.List(t.Unicode()).tag(sync=True)  # one compact marker per tool call
    status = t.Unicode("idle").tag(sync=True)  # idle | working | still_working | done | error
    changes = t.List(t.Unicode()).tag(sync=True)
    summary = t.Unicode("").tag(sync=True)
    error = t.Unicode("").tag(sync=True)

    def __init__(self, *, display: bool = True, clock: Callable[[], float] = time.monotonic, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._display_wanted = display
        self._clock = clock
        self._transcript = Transcript(clock)
        self._final = ""
        self._pace = Pace(clock)

    # --- the view protocol ----------------------------------------------------------------------
    def start(self) -> None:
        self._transcript, self._final, self._pace.pending = Transcript(self._clock), "", False
        self.text, self.tools, self.changes, self.summary, self.error = "", [], [], "", ""
        self.status = "working"
        if self._display_wanted and not self._shown:
            self._ipython_display_()

    def event(self, ev: Any) -> None:
        self._pace.pending |= self._transcript.add(ev)
        self.tick()

    def tick(self) -> None:
        """Send what changed, at the views' Pace (each update carries the whole text)."""
        self._pace.pending |= self._transcript.tick()
        if self._pace.pending and self._pace.due():
            self._sync()

    def _sync(self) -> None:
        parts = self._transcript.parts
        with self.hold_sync():
            self.text = "\n\n".join(content for kind, content in parts if kind == "text")
            self.tools = [content for kind, content in parts if kind == "tool"]
            self.status = "still_working" if self._transcript.still_working else "working"
        self._pace.sent()

    def finish(self, result: Any) -> None:
        self._transcript.close()
        self._sync()
        text = str(getattr(result, "text", "") or "")
        if text and (retold(result) or not self.text):
            self.text = text
        self.changes = change_lines(result)
        self.summary = str(getattr(result, "summary", "") or "")
        self._final = final_markdown(result)
        self.status = "done"
        self._refresh_display()

    def fail(self, message: str) -> None:
        self._transcript.close()  # a sentence still held (unfinished) is kept, as the Markdown view keeps it
        self._sync()
        self.error = str(message).splitlines()[0] if message else "Failed."
        self.status = "error"
        self._refresh_display()

    # --- saved notebooks ----------------------------------------------------------------------
    def markdown(self) -> str:
        """The reply as Markdown: the final reply once finished, else the transcript so far."""
        body = self._final or self._transcript.markdown()
        return f"{body}\n\n**{self.error}**" if self.error else body

    def static_bundle(self) -> dict[str, str]:
        return {"text/markdown": self.markdown()}

    def static_text(self) -> str:
        return self.markdown()

    def _refresh_display(self) -> None:
        self.refresh_static()

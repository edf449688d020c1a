"""How a streaming reply is shown: one Markdown output updated in place, or plain text in a terminal.

A view has four methods, called from the cell's own thread: `start()`, `event(ev)` for each client
event, `finish(result)` with the `EditResult`, `fail(message)`. `tick()` (optional) lets a view
flush a throttled update while no event arrives. Widgets (`nemo_jupyter.widgets.StreamView`) follow
the same protocol.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Callable, Protocol, TextIO

from .gui_speak import LiveTranslation, translate_gui
from .protocol import STILL_WORKING_AFTER_S

STILL_WORKING = "Still working…"
UPDATES_PER_SECOND = 10
_ARGS_CHARS = 60
_ASKED_KEYS = ("instruction", "text", "query", "prompt", "message")


class StreamViewProtocol(Protocol):
    def start(self) -> None: ...
    def event(self, ev: Any) -> None: ...
    def finish(self, result: Any) -> None: ...
    def fail(self, message: str) -> None: ...


def tool_marker(ev: Any) -> str:
    """A tool call as a person reads it: `edit_draft · reorder scenes 2,1`: the tool's name, then
    what it was asked (its instruction-like argument, else its plain arguments as `key=value`), cut
    to a line. The Markdown and text views and the StreamView widget's chips all show this."""
    args = getattr(ev, "args", None) or {}
    said = next((args[key] for key in _ASKED_KEYS if isinstance(args.get(key), str) and args[key].strip()), None)
    if said is None:
        said = ", ".join(f"{key}={value}" for key, value in args.items() if isinstance(value, (str, int, float, bool)))
    said = " ".join(str(said).split())
    if len(said) > _ARGS_CHARS:
        said = said[: _ARGS_CHARS - 1] + "…"
    return f"{ev.name} · {said}" if said else str(ev.name)


def change_lines(result: Any) -> list[str]:
    return [change.description for change in getattr(result, "changes", [])]


class Transcript:
    """What a reply looks like so far: tool markers and text, each text shown once and translated.

    Every view shows the text through here: GUI-speak is read sentence by sentence as it streams
    (`gui_speak.LiveTranslation`), so no view ever shows a raw GUI sentence. With `growing=False`
    (a terminal, which cannot take text back) only whole sentences are shown.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, growing: bool = True) -> None:
        self.clock, self.growing = clock, growing
        self.parts: list[tuple[str, str]] = []  # ("text" | "tool", content as shown)
        self.last_news = clock()
        self.still_working = False
        self._live: LiveTranslation | None = None  # the text part still streaming

    def add(self, ev: Any) -> bool:
        """Take an event; True when the transcript changed."""
        kind = getattr(ev, "kind", None)
        if kind == "heartbeat":
            idle = max(getattr(ev, "idle_s", 0.0) or 0.0, self.clock() - self.last_news)
            if idle >= STILL_WORKING_AFTER_S and not self.still_working:
                self.still_working = True
                return True
            return False
        self.last_news, self.still_working = self.clock(), False
        before = list(self.parts)
        if kind == "text_chunk":
            self._append_text(ev.text)
        elif kind == "text" and not getattr(ev, "streamed", False):
            self.close()
            self._append_text(ev.text)
            self.close()
        elif kind == "text":  # the whole text of the chunks so far: their last sentence is complete
            self.close()
        elif kind == "tool_call":
            self.close()
            self.parts.append(("tool", tool_marker(ev)))
        else:
            return False
        return self.parts != before

    def _append_text(self, text: str) -> None:
        if self._live is None:
            self._live = LiveTranslation(self.clock)
            self.parts.append(("text", ""))
        self._live.feed(text)
        self._show_live()

    def _show_live(self) -> None:
        if self._live is not None:
            self.parts[-1] = ("text", self._live.shown() if self.growing else self._live.settled())

    def tick(self) -> bool:
        """Show a sentence that has grown for `gui_speak.HOLD_S` (when harmless); True when that changed anything."""
        before = self.parts[-1] if self.parts else None
        self._show_live()
        return bool(self.parts) and self.parts[-1] != before

    def close(self) -> bool:
        """The streaming text part is whole (a tool call, the final text or the end came): show all of it."""
        if self._live is None:
            return False
        before = self.parts[-1]
        self._live.close()
        self._show_live()
        self._live = None
        return self.parts[-1] != before

    def markdown(self) -> str:
        lines = [f"`{content}`" if kind == "tool" else content for kind, content in self.parts if content]
        if self.still_working:
            lines.append(f"*{STILL_WORKING}*")
        return "\n\n".join(lines) or "*…*"


def retold(result: Any) -> bool:
    """The final reply is not the streamed one: the agent was silent, the stream dropped, or a line was dropped."""
    if getattr(result, "silent", False) or getattr(result, "recovered", False):
        return True
    return result.text != translate_gui(str(getattr(result, "raw_text", result.text)).strip()).text


def final_markdown(result: Any) -> str:
    changes = change_lines(result)
    listed = "\n".join(f"- {line}" for line in changes) if changes else "- no change to the timeline"
    return f"{result.text}\n\n**What changed**\n{listed}\n\n`{result.summary}`"


class Pace:
    """The rule of live updates: at most UPDATES_PER_SECOND a second, the first at once.

    `pending` says there is news not yet shown; `due()` whether an update may go out now; `sent()`
    records one that did.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.sent_at: float | None = None
        self.pending = False

    def due(self) -> bool:
        return self.sent_at is None or self.clock() - self.sent_at >= 1.0 / UPDATES_PER_SECOND

    def sent(self) -> None:
        self.sent_at, self.pending = self.clock(), False


class MarkdownStreamView:
    """One display-handle Markdown output, updated in place at most ~10 times a second."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.transcript = Transcript(clock)
        self.handle = None
        self.pace = Pace(clock)

    def _show(self, text: str) -> None:
        from IPython.display import Markdown, display

        if self.handle is None:
            self.handle = display(Markdown(text), display_id=True)
        else:
            self.handle.update(Markdown(text))
        self.pace.sent()

    def start(self) -> None:
        self._show("*…*")

    def event(self, ev: Any) -> None:
        self.pace.pending |= self.transcript.add(ev)
        self.tick()

    def tick(self) -> None:
        self.pace.pending |= self.transcript.tick()
        if self.pace.pending and self.pace.due():
            self._show(self.transcript.markdown())

    def finish(self, result: Any) -> None:
        self._show(final_markdown(result))

    def fail(self, message: str) -> None:
        self.transcript.close()
        self._show(f"{self.transcript.markdown()}\n\n**{message}**")


class TextStreamView:
    """A terminal: print text as it arrives, markers on their own lines, then the changes."""

    def __init__(self, out: TextIO | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.out = out or sys.stdout
        self.transcript = Transcript(clock, growing=False)
        self._printed = 0  # how many characters of the current part are out

    def _write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def start(self) -> None:
        pass

    def event(self, ev: Any) -> None:
        count = len(self.transcript.parts)
        if not self.transcript.add(ev):
            return
        if self.transcript.still_working and getattr(ev, "kind", None) == "heartbeat":
            self._write(f"\n{STILL_WORKING}\n")
            return
        self._print_from(count)

    def _print_from(self, count: int) -> None:
        """Print what grew in part `count - 1` (a text part ends when the next part comes), then the new parts."""
        parts = self.transcript.parts
        if count:
            self._print_rest(parts[count - 1])
        for index in range(count, len(parts)):
            self._write("\n" if index else "")
            self._printed = 0
            self._print_rest(parts[index])

    def _print_rest(self, part: tuple[str, str]) -> None:
        kind, content = part
        if kind == "tool" and not self._printed:
            self._write(f"[{content}]\n")
        elif kind == "text":
            self._write(content[self._printed:])
        self._printed = len(content)

    def finish(self, result: Any) -> None:
        count = len(self.transcript.parts)
        self.transcript.close()
        self._print_from(count)
        self._write("\n\n" if self.transcript.parts else "")
        if retold(result):
            self._write(result.text + "\n")
        changes = change_lines(result) or ["no change to the timeline"]
        self._write("What changed:\n" + "".join(f"- {line}\n" for line in changes) + result.summary + "\n")

    def fail(self, message: str) -> None:
        self._write(f"\n{message}\n")


def in_notebook(shell: Any = None) -> bool:
    """True inside a Jupyter kernel (display updates render), False in a terminal or plain shell."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    return getattr(shell, "kernel", None) is not None


def default_view(shell: Any = None) -> StreamViewProtocol:
    """Markdown in a notebook kernel, text in a terminal or a plain shell."""
    return MarkdownStreamView() if in_notebook(shell) else TextStreamView()


class ProgressBar:
    """One progress line updated in place: an HTML <progress> in a notebook, `\\r` text elsewhere."""

    def __init__(self, label: str, notebook: bool, out: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label, self.notebook = label, notebook
        self.out = out or sys.stdout
        self.handle = None
        self.pace = Pace(clock)
        self.percent = 0.0

    def _markup(self, note: str) -> str:
        import html

        return (f"<div>{html.escape(self.label)} <progress value='{self.percent:.0f}' max='100'></progress> "
                f"{self.percent:.0f}% {html.escape(note)}</div>")

    def _show(self, note: str = "", final: bool = False) -> None:
        if self.notebook:
            from IPython.display import display

            bundle = {"text/html": self._markup(note), "text/plain": f"{self.label}: {self.percent:.0f}% {note}".rstrip()}
            if self.handle is None:
                self.handle = display(bundle, raw=True, display_id=True)
            else:
                self.handle.update(bundle, raw=True)
        else:
            self.out.write(f"\r{self.label}: {self.percent:5.1f}% {note}" + ("\n" if final else ""))
            self.out.flush()
        self.pace.sent()

    def update(self, percent: float, note: str = "") -> None:
        self.percent = max(0.0, min(100.0, float(percent)))
        if self.pace.due():
            self._show(note)

    def close(self, note: str = "done") -> None:
        self._show(note, final=True)

    def fail(self, note: str = "stopped") -> None:
        """End the line of a bar that was shown, so that the error after it starts a line of its own."""
        if self.pace.sent_at is not None:
            self._show(note, final=True)

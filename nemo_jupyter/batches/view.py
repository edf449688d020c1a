"""How a running batch is shown.

In a notebook: one HTML output, updated through one display handle (at most every `every_s`), with
overall progress and an ETA, the rows in flight and the most recent finished ones (status, the
reply's first line or the failure's reason, a link to the output). Its last state is plain HTML, so
it stays in the saved notebook. In a terminal: one compact line per finished row, then a summary.
Rows taken from the journal are counted, not listed.
"""

from __future__ import annotations

import html
import sys
import time
from collections import OrderedDict, deque
from pathlib import Path
from typing import Callable, TextIO

from ..static_forms import notebook_relative
from .rows import CANCELLED, NOT_RUN, OK, BatchRow

RECENT_ROWS = 8
TEXT_CHARS = 90


def first_line(text: str | None, limit: int = TEXT_CHARS) -> str:
    line = next((part.strip() for part in str(text or "").splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _short_instruction(row_or_result: BatchRow | dict) -> str:
    value = row_or_result.instruction if isinstance(row_or_result, BatchRow) else row_or_result.get("instruction")
    steps = [value] if isinstance(value, str) else list(value or [])
    text = " → ".join(str(step) for step in steps)
    return first_line(text, 60)


def _clip_name(clip: str) -> str:
    return Path(str(clip).split("?")[0]).name or str(clip)


def _link(output: str | None) -> str:
    """A link a notebook can follow: the output relative to the cwd when it is under it."""
    if not output:
        return ""
    path = Path(output)
    href = notebook_relative(path) or path.as_posix()
    return f'<a href="{html.escape(href)}" target="_blank">{html.escape(path.name)}</a>'


def _clock_text(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class BatchView:
    """`start(number, row)`, `done(number, result, journaled)`, `notice(text)`, `tick()`,
    `close(note=None)`; all called from one thread (the cell's)."""

    def __init__(self, total: int | None, notebook: bool, out: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic, every_s: float = 0.5) -> None:
        self.total, self.notebook = total, notebook
        self.out = out or sys.stdout
        self.clock, self.every_s = clock, every_s
        self.started_at = clock()
        self.shown_at: float | None = None
        self.handle = None
        self.running: OrderedDict[int, BatchRow] = OrderedDict()
        self.recent: deque[tuple[int, dict]] = deque(maxlen=RECENT_ROWS)
        self.done_count = self.failed = self.journaled = self.not_run = self.cancelled = self.ran = 0
        self.notices: list[str] = []

    # --- what happens ------------------------------------------------------------------------
    def start(self, number: int, row: BatchRow) -> None:
        self.running[number] = row
        self._refresh()

    def done(self, number: int, result: dict, journaled: bool = False) -> None:
        self.running.pop(number, None)
        cancelled = result.get("status") == CANCELLED
        self.cancelled += cancelled
        self.done_count += not cancelled
        self.failed += result.get("status") not in (OK, CANCELLED)
        if journaled:
            self.journaled += 1
        elif result.get("status") == NOT_RUN:  # counted, not listed: after out of credits there may be thousands
            self.not_run += 1
        else:
            self.ran += 1
            self.recent.append((number, result))
            if not self.notebook:
                self._write(self._line(number, result))
        self._refresh()

    def notice(self, text: str) -> None:
        self.notices.append(text)
        if not self.notebook:
            self._write(text)
        self._refresh(force=True)

    def hear(self, kind: str, number: int, payload) -> None:
        """One event of `abatch`'s `report`: ("start", row), ("done", (result, journaled)), ("notice", text)."""
        if kind == "start":
            self.start(number, payload)
        elif kind == "done":
            self.done(number, *payload)
        else:
            self.notice(payload)

    def tick(self) -> None:
        """Between events: keep the elapsed time and the ETA moving (throttled like every update)."""
        self._refresh()

    def close(self, note: str | None = None) -> None:
        """The final state: the summary (and `note`, e.g. why it stopped)."""
        self.running.clear()
        if note:
            self.notices.append(note)
        if self.notebook:
            self._refresh(force=True)
        else:
            if note:
                self._write(note)
            self._write(f"Batch: {self.summary()}")

    # --- the words -----------------------------------------------------------------------------
    def summary(self) -> str:
        total = self.total if self.total is not None else self.done_count + len(self.running)
        text = f"{self.done_count}/{total} done, {self.failed} failed"
        counted = [f"{self.journaled} from the journal"] if self.journaled else []
        counted += [f"{self.not_run} not run"] if self.not_run else []
        counted += [f"{self.cancelled} cancelled"] if self.cancelled else []
        if counted:
            text += f" ({', '.join(counted)})"
        return text + f", {_clock_text(self.clock() - self.started_at)} elapsed"

    def eta(self) -> str:
        if self.total is None or self.done_count >= self.total:
            return ""
        if not self.ran:
            return "ETA after the first row"
        per_row = (self.clock() - self.started_at) / self.ran
        return f"ETA {_clock_text(per_row * (self.total - self.done_count))}"

    def _line(self, number: int, result: dict) -> str:
        width = len(str(self.total)) if self.total else 1
        where = f"[{number:>{width}}/{self.total}]" if self.total else f"[{number}]"
        status = result.get("status", "")
        what = first_line(result.get("error")) if status != OK else first_line(result.get("reply"))
        output = f" -> {result['output']}" if status == OK and result.get("output") else ""
        return f"{where} {status:<6} {_clip_name(result.get('clip', ''))}: {what}{output}"

    # --- the notebook output ----------------------------------------------------------------------
    def _refresh(self, force: bool = False) -> None:
        if not self.notebook:
            return
        now = self.clock()
        if not force and self.shown_at is not None and now - self.shown_at < self.every_s:
            return
        from IPython.display import HTML, display

        markup = HTML(self.markup())
        if self.handle is None:
            self.handle = display(markup, display_id=True)
        else:
            self.handle.update(markup)
        self.shown_at = now

    def markup(self) -> str:
        percent = 100.0 * self.done_count / self.total if self.total else 0.0
        head = (f"<div><b>Batch</b> <progress value='{percent:.0f}' max='100'></progress> "
                f"{html.escape(self.summary())}{html.escape(' · ' + self.eta() if self.eta() else '')}</div>")
        notes = "".join(f"<div>{html.escape(note)}</div>" for note in self.notices)
        rows = [self._cells(number, "running", _clip_name(row.clip), _short_instruction(row), "", "")
                for number, row in self.running.items()]
        for number, result in reversed(self.recent):
            status = result.get("status", "")
            said = result.get("reply") if status == OK else result.get("error")
            rows.append(self._cells(number, status, _clip_name(result.get("clip", "")), _short_instruction(result),
                                    first_line(said), _link(result.get("output")) if status == OK else ""))
        table = ""
        if rows:
            header = "".join(f"<th>{name}</th>" for name in ("row", "status", "clip", "instruction", "reply / reason", "output"))
            table = f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        return f"<div class='nemo-batch'>{head}{notes}{table}</div>"

    @staticmethod
    def _cells(number: int, status: str, clip: str, instruction: str, said: str, output_link: str) -> str:
        cells = [str(number), status, clip, instruction, said]
        return ("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in cells) + f"<td>{output_link}</td></tr>")

    def _write(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()

"""Many clips × instructions, each row in its own session, a few at a time, resumable from a journal.

    results = nemo_jupyter.batch(rows, concurrency=4, journal="edits.jsonl")

A row is a clip path (or URL), an instruction (or a list of them, applied in order in one session)
and optionally an output path or template (`"out/{stem}_edited.mp4"`: then the result is exported
there); other columns pass through to the result. One failure does not stop the others: its row
says `failed` and why. With a journal, each finished row is recorded at once, and a rerun skips the
rows already `ok` (never sending their instructions again) and reruns the failed ones (unless
`retry_failed=False`). Modules: `rows` (reading rows), `journal`, `runner` (the workers), `view`.
"""

from __future__ import annotations

import asyncio
import os
import queue
from typing import Any

import pandas as pd

from ..background import BackgroundLoop
from ..session import Settings
from ..views import in_notebook
from .journal import Journal
from .rows import BatchRow, count, read_rows
from .runner import COLUMNS, BatchResult, BatchRun, Report
from .view import BatchView

__all__ = ["batch", "abatch", "read_rows", "BatchRow", "BatchResult", "Journal", "COLUMNS"]


async def abatch(rows: Any, concurrency: int = 4, client: Any = None, *, journal: str | os.PathLike | None = None,
                 retry_failed: bool = True, output: str | None = None, api_url: str | None = None,
                 quality: str = "high", settings: Settings | None = None, progress: bool = False,
                 report: Report | None = None) -> pd.DataFrame:
    """The awaitable batch: one session per row, at most `concurrency` at a time, on one async client.

    `journal`: a JSON Lines path (see `batch`); `output`: a path template for rows that name none;
    `progress`: show the batch (a notebook's live table, else a line per row) from this loop's thread;
    `report(kind, number, payload)` hears each row start ("start", row) and finish ("done",
    (result, journaled)), and notices ("notice", text).
    """
    from ..client import AsyncNemoClient

    view = BatchView(count(rows), in_notebook()) if progress else None
    hearers = [hear for hear in (report, view.hear if view is not None else None) if hear is not None]
    own = client is None
    client = client if client is not None else AsyncNemoClient(api_url=api_url)
    book = Journal(journal).open() if journal is not None else None
    note = None

    def tell(*event: Any) -> None:
        for hear in hearers:
            hear(*event)

    try:
        run = BatchRun(rows, client, settings=settings or Settings(), quality=quality, journal=book,
                       retry_failed=retry_failed, output=output, report=tell)
        return await run.run(concurrency)
    except (asyncio.CancelledError, KeyboardInterrupt):
        note = interrupted_note(journal)
        raise
    finally:
        if book is not None:
            book.close()
        if own:
            await client.close()
        if view is not None:
            view.close(note)


def interrupted_note(journal: str | os.PathLike | None) -> str:
    kept = f"; the journal {journal} keeps the finished ones." if journal is not None else "."
    return "Interrupted: the rows in flight were cancelled" + kept


def batch(rows: Any, concurrency: int = 4, client: Any = None, progress: bool = True, *,
          journal: str | os.PathLike | None = None, retry_failed: bool = True, output: str | None = None,
          api_url: str | None = None, quality: str = "high", settings: Settings | None = None) -> pd.DataFrame:
    """Run `abatch` from ordinary code or a notebook cell (on a loop of its own), showing each row.

    `journal`: a JSON Lines file; every finished row is appended as soon as it finishes, and a rerun
    with the same rows and journal skips the rows already `ok` (matched by clip, instruction and
    output), reruns failed ones unless `retry_failed=False`, and returns every row in input order.
    """
    view = BatchView(count(rows), in_notebook()) if progress else None
    inbox: queue.SimpleQueue = queue.SimpleQueue()

    def show() -> None:  # on the cell's thread: display updates belong there
        while True:
            try:
                event = inbox.get_nowait()
            except queue.Empty:
                if view is not None:
                    view.tick()
                return
            if view is not None:
                view.hear(*event)

    loop = BackgroundLoop(name="nemo-jupyter-batch")
    note = None
    try:
        return loop.run(abatch(rows, concurrency, client, journal=journal, retry_failed=retry_failed, output=output,
                               api_url=api_url, quality=quality, settings=settings,
                               report=lambda *event: inbox.put(event)), while_waiting=show)
    except KeyboardInterrupt:
        note = interrupted_note(journal)
        raise
    finally:
        loop.stop()
        show()
        if view is not None:
            view.close(note)

"""Many clips × instructions, each in its own session, with bounded concurrency on the async client.

    results = nemo_jupyter.batch(pd.DataFrame({"clip": [...], "instruction": [...], "output": [...]}))

A row is a clip path (or URL), an instruction and optionally an output path (then the result is
exported there). One failure does not stop the others: its row says `failed` and why.
"""

from __future__ import annotations

import asyncio
import queue
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterable, Mapping

import pandas as pd

from .background import BackgroundLoop
from .session import AsyncSession, Settings
from .views import ProgressBar, in_notebook

CLIP_KEYS = ("clip", "path", "file", "video")
OUTPUT_KEYS = ("output", "out", "output_path")


@dataclass
class BatchRow:
    clip: str
    instruction: str
    output: str | None = None


@dataclass
class BatchResult:
    clip: str
    instruction: str
    status: str  # ok | failed
    reply: str | None = None
    changes: int | None = None
    output: str | None = None
    error: str | None = None
    session_id: str | None = None


def _first(row: Mapping, keys: tuple[str, ...]) -> Any:
    return next((row[key] for key in keys if key in row and not pd.isna(row[key])), None)


def read_rows(rows: Any) -> list[BatchRow]:
    """A DataFrame, or any iterable of dicts, (clip, instruction[, output]) tuples or BatchRows, as BatchRows."""
    records: Iterable = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else rows
    read = []
    for number, record in enumerate(records, start=1):
        if isinstance(record, BatchRow):
            read.append(record)
            continue
        if isinstance(record, Mapping):
            clip, instruction, output = _first(record, CLIP_KEYS), record.get("instruction"), _first(record, OUTPUT_KEYS)
        else:
            clip, instruction, output = (list(record) + [None, None])[:3]
        if clip is None or not instruction:
            raise ValueError(f"Row {number} needs a clip ({' / '.join(CLIP_KEYS)}) and an instruction.")
        read.append(BatchRow(str(clip), str(instruction), None if output is None else str(output)))
    return read


async def _one(row: BatchRow, client: Any, settings: Settings, quality: str) -> BatchResult:
    session = AsyncSession(client, settings=settings)
    try:
        await session.upload(row.clip)
        edit = await session.edit(row.instruction)
        output = None
        if row.output:
            output = str((await session.export(row.output, quality=quality)).path)
        return BatchResult(row.clip, row.instruction, "ok", edit.text, len(edit.changes), output,
                           session_id=session.session_id)
    except Exception as error:  # noqa: BLE001 - one failed row must not stop the others
        return BatchResult(row.clip, row.instruction, "failed", error=str(error) or type(error).__name__,
                           session_id=session.session_id)


async def abatch(rows: Any, concurrency: int = 4, client: Any = None, *, api_url: str | None = None,
                 quality: str = "high", settings: Settings | None = None,
                 on_done: Callable[[BatchResult], None] | None = None) -> pd.DataFrame:
    """The awaitable batch: one session per row, at most `concurrency` at a time."""
    from .client import AsyncNemoClient

    work = read_rows(rows)
    own = client is None
    client = client if client is not None else AsyncNemoClient(api_url=api_url)
    gate = asyncio.Semaphore(max(1, concurrency))
    settings = settings or Settings()

    async def guarded(row: BatchRow) -> BatchResult:
        async with gate:
            result = await _one(row, client, settings, quality)
        if on_done is not None:
            on_done(result)
        return result

    try:
        results = await asyncio.gather(*(guarded(row) for row in work))
    finally:
        if own:
            await client.close()
    return pd.DataFrame([asdict(result) for result in results], columns=list(BatchResult.__dataclass_fields__))


def batch(rows: Any, concurrency: int = 4, client: Any = None, progress: bool = True, *,
          api_url: str | None = None, quality: str = "high", settings: Settings | None = None) -> pd.DataFrame:
    """Run `abatch` from ordinary code or a notebook cell (on a loop of its own), with one progress bar."""
    rows = read_rows(rows)  # once: an iterator of rows can be read only once
    total = len(rows)
    bar = ProgressBar("Batch", in_notebook()) if progress else None
    inbox: queue.SimpleQueue = queue.SimpleQueue()
    counts = {"done": 0, "failed": 0}

    def show() -> None:
        while True:
            try:
                result = inbox.get_nowait()
            except queue.Empty:
                return
            counts["done"] += 1
            counts["failed"] += result.status != "ok"
            if bar is not None:
                bar.update(100.0 * counts["done"] / max(total, 1), f"{counts['done']}/{total}, {counts['failed']} failed")

    loop = BackgroundLoop(name="nemo-jupyter-batch")
    try:
        frame = loop.run(abatch(rows, concurrency, client, api_url=api_url, quality=quality, settings=settings,
                                on_done=inbox.put), while_waiting=show)
    finally:
        loop.stop()
    if bar is not None:
        bar.close(f"{counts['done']}/{total} done, {counts['failed']} failed")
    return frame


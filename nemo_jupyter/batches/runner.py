"""Running a batch: `concurrency` workers share one async client and take rows one at a time.

A worker reads the next row only when it is free, so at most `concurrency` sessions, uploads and
open files exist at once, whatever the number of rows. A row the journal holds as `ok` is taken from
it without a request (and a failed one too, with `retry_failed=False`). Each finished row is appended
to the journal at once. Out of credits (2001) stops new rows from starting; the rows in flight
finish. Cancelling (Ctrl-C) cancels the rows in flight, and with them their renders on the server;
they are journaled as `cancelled` (a rerun does them again).

One client means one rate gate (`client.core.RateGate`): a 429 on any row pauses the requests of
every row for the server's `Retry-After`, once.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from typing import Any, Callable

import pandas as pd

from ..client.errors import OutOfCredits, StreamError
from ..session import AsyncSession, Settings
from .journal import Journal
from .rows import CANCELLED, FAILED, NOT_RUN, OK, BatchRow, describe, iter_records, read_row


@dataclass
class BatchResult:
    clip: str
    instruction: Any  # a string, or the list of instructions
    status: str  # ok | failed | cancelled | not run
    reply: str | None = None
    changes: int | None = None
    output: str | None = None
    error: str | None = None
    session_id: str | None = None


COLUMNS = list(BatchResult.__dataclass_fields__)
Report = Callable[[str, int, Any], None]  # ("start", number, row) | ("done", number, (result, journaled)) | ("notice", 0, text)


def _instruction_value(row: BatchRow) -> Any:
    return row.instruction if isinstance(row.instruction, str) else list(row.instruction)


class BatchRun:
    def __init__(self, rows: Any, client: Any, *, settings: Settings, quality: str, journal: Journal | None,
                 retry_failed: bool, output: str | None, report: Report | None) -> None:
        self.records = enumerate(iter_records(rows), start=1)
        self.client, self.settings, self.quality = client, settings, quality
        self.journal, self.retry_failed, self.output = journal, retry_failed, output
        self.report = report or (lambda kind, number, payload: None)
        self.done_before = journal.read() if journal is not None else {}
        self.results: dict[int, dict] = {}
        self.stopped: str | None = None  # why no new row starts (out of credits)

    async def run(self, concurrency: int) -> pd.DataFrame:
        workers = [asyncio.ensure_future(self._worker()) for _ in range(max(1, concurrency))]
        try:
            await asyncio.gather(*workers)
        finally:
            for worker in workers:
                worker.cancel()  # Ctrl-C, or one worker's own failure: stop the rest, let them tidy up
            await asyncio.gather(*workers, return_exceptions=True)
        return self.frame()

    def frame(self) -> pd.DataFrame:
        ordered = [self.results[number] for number in sorted(self.results)]
        extra = list(dict.fromkeys(key for result in ordered for key in result if key not in COLUMNS))
        return pd.DataFrame(ordered, columns=COLUMNS + extra)

    # --- one worker --------------------------------------------------------------------------
    async def _worker(self) -> None:
        while True:
            taken = self._next_to_run()
            if taken is None:
                return
            await self._run_row(*taken)

    def _next_to_run(self) -> tuple[int, BatchRow] | None:
        """The next row that needs running; rows that do not (journaled, unreadable, not started
        after the credits ran out) get their result on the way."""
        for number, record in self.records:
            try:
                row = read_row(number, record, self.output)
            except ValueError as bad:
                clip, instruction = describe(record)
                self._finish(number, None, BatchResult(clip, instruction, FAILED, error=str(bad)), journal=False)
                continue
            before = self.done_before.get(row.key)
            if before is not None and (before.get("status") == OK or (before.get("status") == FAILED and not self.retry_failed)):
                result = BatchResult(**{name: before.get(name) for name in COLUMNS})
                self._finish(number, row, result, journal=False, journaled=True)
                continue
            if self.stopped is not None:
                result = BatchResult(row.clip, _instruction_value(row), NOT_RUN, error=f"Not started: {self.stopped}.")
                self._finish(number, row, result, journal=False)
                continue
            return number, row
        return None

    async def _run_row(self, number: int, row: BatchRow) -> None:
        self.report("start", number, row)
        session = AsyncSession(self.client, settings=self.settings)
        replies: list[str] = []
        changes = 0
        steps = row.instructions
        try:
            await session.upload(row.clip)
            for step, text in enumerate(steps, start=1):
                try:
                    edit = await session.edit(text)
                except Exception as error:
                    if len(steps) > 1:  # say which one failed; the rest were not sent
                        raise _StepFailed(f"Instruction {step} of {len(steps)} failed: {_reason(error)}") from error
                    raise
                replies.append(edit.text)
                changes += len(edit.changes)
            output = None
            if row.output:
                output = str((await session.export(row.output, quality=self.quality)).path)
            result = BatchResult(row.clip, _instruction_value(row), OK, "\n".join(replies), changes, output,
                                 session_id=session.session_id)
        except asyncio.CancelledError:
            result = BatchResult(row.clip, _instruction_value(row), CANCELLED, "\n".join(replies) or None, changes,
                                 error="Interrupted: the row was cancelled before it finished (a rerun does it again).",
                                 session_id=session.session_id)
            self._finish(number, row, result)
            raise
        except Exception as error:  # noqa: BLE001 - one failed row must not stop the others
            cause = error.__cause__ if isinstance(error, _StepFailed) else error
            if _out_of_credits(cause):
                self._stop("out of credits", str(cause))
            result = BatchResult(row.clip, _instruction_value(row), FAILED, "\n".join(replies) or None, changes,
                                 error=_reason(error), session_id=session.session_id)
        self._finish(number, row, result)

    # --- results -----------------------------------------------------------------------------
    def _finish(self, number: int, row: BatchRow | None, result: BatchResult, journal: bool = True,
                journaled: bool = False) -> None:
        record = asdict(result)
        if journal and self.journal is not None and row is not None:
            self.journal.append({"key": row.key, **record})
        if row is not None:
            record.update({k: v for k, v in row.extra.items() if k not in record})
        self.results[number] = record
        self.report("done", number, (record, journaled))

    def _stop(self, reason: str, message: str) -> None:
        """No new row starts from now on; said once."""
        if self.stopped is None:
            self.stopped = reason
            self.report("notice", 0, f"{message} No new rows are started; the rows in flight finish.")


def _out_of_credits(error: BaseException | None) -> bool:
    """2001 before the turn, or an agent that ran out mid-turn (its error frame says so: two rows in
    flight both passed the check before either was charged)."""
    if isinstance(error, OutOfCredits):
        return True
    return isinstance(error, StreamError) and not error.dropped and "out of credits" in str(error).lower()


class _StepFailed(Exception):
    """One instruction of several failed (its message says which)."""


def _reason(error: BaseException) -> str:
    return str(error) or type(error).__name__

"""The batch journal: a JSON Lines file with one line per finished row, appended and flushed as soon
as the row finishes, so that killing the process loses at most the rows in flight.

Each line: `key` (the row's identity: clip, instructions, output), `clip`, `instruction`, `status`
(ok | failed | cancelled), `reply`, `changes`, `output`, `error`, `session_id`, `finished_at` (UTC).
Reading keeps the last line of each key and skips a line that does not parse (a line half written
when the process was killed).
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any


class Journal:
    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path).expanduser()
        self._file: IO[str] | None = None

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    def read(self) -> dict[str, dict]:
        """The last record of each row key; {} when there is no journal yet."""
        records: dict[str, dict] = {}
        try:
            lines = self.path.open("rb")
        except FileNotFoundError:
            return records
        with lines:
            for line in lines:
                try:
                    record = json.loads(line)
                except ValueError:  # half written: the process died while writing it
                    continue
                if isinstance(record, dict) and isinstance(record.get("key"), str):
                    records[record["key"]] = record
        return records

    def open(self) -> Journal:
        """Open for appending; a last line left without its newline is ended first."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        broken_end = self.path.exists() and self.path.stat().st_size > 0 and _last_byte(self.path) != b"\n"
        self._file = self.path.open("a", encoding="utf-8")
        if broken_end:
            self._file.write("\n")
        return self

    def append(self, record: dict[str, Any]) -> None:
        """Write one record as one line and flush it to the OS (it survives the process being killed)."""
        if self._file is None:
            self.open()
        line = json.dumps({**record, "finished_at": _now()}, ensure_ascii=False, default=str)
        self._file.write(line + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _last_byte(path: Path) -> bytes:
    with path.open("rb") as file:
        file.seek(-1, os.SEEK_END)
        return file.read(1)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")

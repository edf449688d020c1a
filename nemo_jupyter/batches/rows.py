"""The rows of a batch, read one at a time: a clip, one instruction or several, an output path or
template, and any other columns (passed through to the result).

A DataFrame, or any iterable of dicts, `(clip, instruction[, output])` tuples or `BatchRow`s. Rows are
read lazily (`iter_records`), so a batch of 10 000 rows holds only the rows it is working on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from string import Formatter
from typing import Any, Iterable, Iterator, Mapping

import pandas as pd

CLIP_KEYS = ("clip", "path", "file", "video")
INSTRUCTION_KEY = "instruction"
OUTPUT_KEYS = ("output", "out", "output_path")
KNOWN_KEYS = frozenset((*CLIP_KEYS, INSTRUCTION_KEY, *OUTPUT_KEYS))
OK, FAILED, CANCELLED, NOT_RUN = "ok", "failed", "cancelled", "not run"  # a row's status in results and journal


@dataclass
class BatchRow:
    clip: str
    instruction: str | tuple[str, ...]  # several: applied in order in one session
    output: str | None = None
    extra: dict = field(default_factory=dict)  # the other columns, passed through to the result

    @property
    def instructions(self) -> tuple[str, ...]:
        return (self.instruction,) if isinstance(self.instruction, str) else tuple(self.instruction)

    @property
    def key(self) -> str:
        """The row's identity in a journal: clip, instructions and output."""
        return json.dumps([self.clip, list(self.instructions), self.output], ensure_ascii=False)


def iter_records(rows: Any) -> Iterator[Any]:
    """The raw records of `rows`, one at a time (a DataFrame's rows are made into dicts as they are read)."""
    if isinstance(rows, pd.DataFrame):
        columns = [str(column) for column in rows.columns]
        return (dict(zip(columns, values)) for values in rows.itertuples(index=False, name=None))
    return iter(rows)


def count(rows: Any) -> int | None:
    """How many rows there are, when that is known without reading them (not for a generator)."""
    try:
        return len(rows)
    except TypeError:
        return None


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, (list, tuple, str, Path)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _first(record: Mapping, keys: tuple[str, ...]) -> Any:
    return next((record[key] for key in keys if key in record and not _missing(record[key])), None)


def _instruction(value: Any) -> str | tuple[str, ...] | None:
    if _missing(value):
        return None
    if isinstance(value, (list, tuple)):
        steps = tuple(str(step) for step in value if not _missing(step) and str(step).strip())
        return steps or None
    return str(value) if str(value).strip() else None


def fill_template(template: str, clip: str, number: int, columns: Mapping) -> str:
    """`"out/{stem}_edited.mp4"` for one row: `{stem}`, `{name}`, `{suffix}`, `{parent}` of the clip,
    `{clip}`, `{row}` (its number from 1) and any column of the row."""
    if "{" not in template:
        return template
    path = Path(clip.split("?")[0])
    fields = {**{str(k): v for k, v in columns.items()}, "clip": clip, "stem": path.stem, "name": path.name,
              "suffix": path.suffix, "parent": str(path.parent), "row": number}
    unknown = [name for _, name, _, _ in Formatter().parse(template) if name and name.split(".")[0] not in fields]
    if unknown:
        raise ValueError(f"Row {number}: the output template {template!r} names {{{unknown[0]}}}, which is not "
                         "stem, name, suffix, parent, clip, row or a column.")
    try:
        return template.format_map(fields)
    except (ValueError, IndexError, AttributeError, KeyError) as bad:
        raise ValueError(f"Row {number}: the output template {template!r} cannot be filled ({bad}).") from None


def read_row(number: int, record: Any, output: str | None = None) -> BatchRow:
    """One record as a BatchRow (`output`: a template for rows that name none); ValueError, naming the row,
    for a row without a clip or an instruction."""
    if isinstance(record, BatchRow):
        return record
    extra: dict = {}
    if isinstance(record, (str, bytes, Path)):  # a bare clip: the tuple reading would split its characters
        raise ValueError(f"Row {number} is only {str(record)[:80]!r}: give a clip and an instruction, "
                         "e.g. (clip, instruction) or a dict.")
    if isinstance(record, Mapping):
        clip, instruction, target = _first(record, CLIP_KEYS), record.get(INSTRUCTION_KEY), _first(record, OUTPUT_KEYS)
        extra = {str(k): v for k, v in record.items() if k not in KNOWN_KEYS}
    else:
        clip, instruction, target = (list(record) + [None, None])[:3]
    instruction = _instruction(instruction)
    if _missing(clip) or instruction is None:
        raise ValueError(f"Row {number} needs a clip ({' / '.join(CLIP_KEYS)}) and an instruction.")
    clip = str(clip)
    target = output if _missing(target) else target
    if not _missing(target):
        target = fill_template(str(target), clip, number, {**extra, "instruction": instruction})
    return BatchRow(clip, instruction, None if _missing(target) else str(target), extra)


def read_rows(rows: Iterable, output: str | None = None) -> list[BatchRow]:
    """Every row at once, as BatchRows (the batch itself reads them one at a time)."""
    return [read_row(number, record, output) for number, record in enumerate(iter_records(rows), start=1)]


def describe(record: Any) -> tuple[str, str]:
    """A bad record's clip and instruction, as far as they can be read (for its failed result)."""
    if isinstance(record, Mapping):
        clip, instruction = _first(record, CLIP_KEYS), record.get(INSTRUCTION_KEY)
    elif isinstance(record, (str, bytes, Path)):
        clip, instruction = record, None
    else:
        try:
            clip, instruction = (list(record) + [None, None])[:2]
        except TypeError:
            clip, instruction = record, None
    return ("" if _missing(clip) else str(clip)), ("" if _missing(instruction) else str(instruction))

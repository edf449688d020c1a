"""Render jobs, read from any of the three answer shapes PROTOCOL.md lists.

(a) `{"status", "progress", "output": {"url"}}` with no envelope; (b) `{"success": true, "data":
{"id", "status", "progress", "outputUrl", ...}}`; (c) `{"code": 0, "data": ...}` around either.
Missing keys are tolerated: a job is whatever could be read, with `raw` keeping the answer.
A failure is `permanent` (a retry cannot help) when the server says so (`"permanent": true` next to
`"error"`) or when its error text plainly blames the input (a corrupt or unsupported file).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from .. import protocol

_URL_KEYS = ("url", "outputUrl", "output_url", "downloadUrl", "download_url", "cdn_url")
# error texts that blame the input itself; narrow on purpose: an unknown text is never read as permanent
_BAD_INPUT = re.compile(r"\b(corrupt(ed)?|invalid data found when processing input|unsupported (file|format|codec))\b",
                        re.IGNORECASE)


@dataclass(frozen=True)
class RenderJob:
    id: str | None
    status: str
    progress: float = 0.0
    url: str | None = None
    error: str | None = None
    permanent: bool = False  # failed for a reason a retry cannot change (bad input)
    raw: Any = field(default=None, repr=False, compare=False)

    @property
    def done(self) -> bool:
        """Completed, failed or cancelled: polling can stop."""
        return self.status in protocol.RENDER_TERMINAL

    @property
    def ok(self) -> bool:
        return self.status == protocol.RENDER_COMPLETED

    @classmethod
    def from_answer(cls, answer: Any, render_id: str | None = None) -> RenderJob:
        """The job an answer describes; `render_id` fills in an id the answer leaves out."""
        job = _unwrap(answer)
        output = job.get("output") if isinstance(job.get("output"), dict) else {}
        status = str(job.get("status") or protocol.RENDER_PENDING).lower()
        url = _first_str(output, _URL_KEYS) or _first_str(job, _URL_KEYS)
        progress = 100.0 if status == protocol.RENDER_COMPLETED else _progress(job.get("progress"))
        error = _error_text(job.get("error") or job.get("errorMessage"))
        return cls(
            id=_str_or_none(job.get("id") or job.get("render_id") or job.get("renderId")) or render_id,
            status=status,
            progress=progress,
            url=url,
            error=error,
            permanent=status == protocol.RENDER_FAILED and (job.get("permanent") is True
                                                            or bool(error and _BAD_INPUT.search(error))),
            raw=answer,
        )


def _unwrap(answer: Any) -> dict:
    """Peel the `{code, data}` and `{success, data}` envelopes (shapes b and c, in any nesting)."""
    while isinstance(answer, dict) and isinstance(answer.get("data"), dict) and "status" not in answer:
        answer = answer["data"]
    return answer if isinstance(answer, dict) else {}


def _first_str(mapping: dict, keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = mapping.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _progress(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return 0.0
    return 0.0 if math.isnan(number) else min(max(number, 0.0), 100.0)  # NaN would pass the clamp


def _error_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        return str(value.get("message") or value.get("error") or value)
    return str(value)


def _str_or_none(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None

"""What the agent reads from `video_analyses` (see `local/media/analysis.py`), tolerantly.

An entry is `{"status": "running"|"done"|"failed", "findings": [{"kind", "start_s", "end_s", …}],
"cuts": [seconds], "duration_s", …}`; a bare list of findings is read too. Times come back in ms.
"""

from __future__ import annotations

NOT_ANALYSED, RUNNING, FAILED, DONE = "not analysed", "running", "failed", "done"


def status(analyses: dict, media_id: str) -> str:
    entry = (analyses or {}).get(media_id)
    if entry is None:
        return NOT_ANALYSED
    if isinstance(entry, list):
        return DONE
    if not isinstance(entry, dict):
        return FAILED
    return {"running": RUNNING, "pending": RUNNING, "failed": FAILED}.get(str(entry.get("status")), DONE)


def _entries(analyses: dict, media_id: str) -> list[dict]:
    entry = (analyses or {}).get(media_id)
    listed = entry if isinstance(entry, list) else (entry or {}).get("findings") if isinstance(entry, dict) else None
    return [f for f in listed or [] if isinstance(f, dict)]


def _ms(value) -> int | None:
    try:
        return round(float(value) * 1000)
    except (TypeError, ValueError):
        return None


def ranges(analyses: dict, media_id: str, kind: str) -> list[tuple[int, int]]:
    """(start_ms, end_ms) in the source of every finding of `kind` ("freeze", "black", "silence")."""
    found = []
    for finding in _entries(analyses, media_id):
        start, end = _ms(finding.get("start_s")), _ms(finding.get("end_s"))
        if (finding.get("kind") or finding.get("type")) == kind and start is not None and end is not None and end > start:
            found.append((start, end))
    return sorted(found)


def cuts(analyses: dict, media_id: str) -> list[int]:
    """Scene-cut times (ms in the source): the `cuts` list, else the starts of the scene findings."""
    entry = (analyses or {}).get(media_id)
    listed = entry.get("cuts") if isinstance(entry, dict) else None
    if isinstance(listed, list):
        times = [_ms(t) for t in listed]
    else:
        times = [_ms(f.get("start_s")) for f in _entries(analyses, media_id) if f.get("kind") == "scene"]
    return sorted({t for t in times if t})

"""The timeline model: a tolerant reading of any draft JSON, as a DataFrame, a summary and a diff.

Pure: no I/O. A draft from the real cloud may have any shape, so nothing here trusts a key or a
type: missing values become NaN, strings that hold numbers are read as numbers, unknown keys are
kept (as extra DataFrame columns, and untouched in `Draft.raw`).
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field
from typing import Any, Iterable

import pandas as pd

from .protocol import TRACK_TYPE_NAMES

COLUMNS = ["track", "track_type", "segment", "start_s", "end_s", "duration_s", "name", "text", "source", "volume"]
_ROW_COLUMNS = [name for name in COLUMNS if name != "end_s"] + ["track_id", "track_name", "in_s"]
_NUMERIC = ["start_s", "duration_s", "volume", "in_s"]
_KNOWN_SEGMENT_KEYS = {"id", "st", "d", "src", "in", "m"}
_KNOWN_META_KEYS = {"name", "text", "volume"}
_TRACK_LABELS = {"video": "Video", "audio": "Audio", "text": "Text"}
_HTML_ROWS = 20
_SUMMARY_NAMES = 3  # segment names listed per track before "and N more"


def _as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def number_or_nan(value: Any) -> float:
    """A float from an int, float or numeric string; NaN for anything else (an int too big for a float too)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return math.nan
    try:
        return float(value)
    except (ValueError, OverflowError):
        return math.nan


def _numeric(column: pd.Series) -> pd.Series:
    """A column read as floats: numbers and numeric strings, NaN for anything else."""
    try:
        return pd.to_numeric(column, errors="coerce").astype(float)
    except OverflowError:  # an int too big for a float stops the vectorised read: read value by value
        return column.map(number_or_nan).astype(float)


def track_type_name(tt: Any) -> str:
    """'video' / 'audio' / 'text' for a known `tt`, else 'type <tt>' (or 'unknown' when missing)."""
    number = number_or_nan(tt)
    if not math.isnan(number) and number.is_integer() and int(number) in TRACK_TYPE_NAMES:
        return TRACK_TYPE_NAMES[int(number)]
    return "unknown" if tt is None else f"type {tt}"


def _seconds(value: float) -> str:
    """10.0 -> '10', 2.5 -> '2.5', NaN -> '?'."""
    if _missing(value):
        return "?"
    return f"{round(float(value), 1):g}"


def _span(start: float, end: float) -> str:
    return f"{_seconds(start)}-{_seconds(end)}s"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


class Draft:
    """A timeline: `t` tracks of `sg` segments, read tolerantly from whatever JSON arrives."""

    def __init__(self, raw: Any = None):
        if isinstance(raw, Draft):
            raw = raw.raw
        if isinstance(raw, (str, bytes)):
            try:
                raw = json.loads(raw)
            except ValueError:
                raw = {}
        self.raw: dict = _as_dict(raw)
        self._frame: pd.DataFrame | None = None

    @classmethod
    def from_state(cls, state: Any) -> "Draft":
        """From a state answer (`{"state": {"draft": …}}`) or the inner state (`{"draft": …}`)."""
        state = _as_dict(state)
        inner = _as_dict(state.get("state")) if "state" in state else state
        return cls(inner.get("draft"))

    # --- reading ------------------------------------------------------------------------------
    @property
    def tracks(self) -> list[dict]:
        return [track for track in _as_list(self.raw.get("t")) if isinstance(track, dict)]

    @property
    def has_segments(self) -> bool:
        """Ready to export: at least one track with a non-empty `sg`."""
        return any(_as_list(track.get("sg")) for track in self.tracks)

    @property
    def duration_s(self) -> float:
        """`d` in seconds, else the end of the last segment (NaN for an empty draft)."""
        declared = number_or_nan(self.raw.get("d"))
        if not math.isnan(declared):
            return declared / 1000.0
        ends = self.to_dataframe()["end_s"]
        return float(ends.max()) if ends.notna().any() else math.nan

    def to_dataframe(self) -> pd.DataFrame:
        """One row per segment: the documented columns first, then every other key found."""
        if self._frame is None:
            self._frame = self._build_frame()
        return self._frame.copy()

    def _build_frame(self) -> pd.DataFrame:
        rows: list[tuple] = []
        extras: list[dict] = []
        for track_number, track in enumerate(self.tracks, start=1):
            kind = track_type_name(track.get("tt"))
            track_id, track_name = track.get("id"), _as_dict(track.get("m")).get("name")
            for index, segment in enumerate(_as_list(track.get("sg")), start=1):
                segment = _as_dict(segment)
                meta = _as_dict(segment.get("m"))
                get, meta_get = segment.get, meta.get
                rows.append((track_number, kind, get("id") or f"{track_number}.{index}", get("st"), get("d"),
                             meta_get("name"), meta_get("text"), get("src"), meta_get("volume"),
                             track_id, track_name, get("in")))
                extra = {key: value for key, value in meta.items() if key not in _KNOWN_META_KEYS}
                extra.update((key, value) for key, value in segment.items() if key not in _KNOWN_SEGMENT_KEYS)
                extras.append(extra)
        frame = pd.DataFrame.from_records(rows, columns=_ROW_COLUMNS)
        for name in _NUMERIC:
            frame[name] = _numeric(frame[name])
        for name in ("start_s", "duration_s", "in_s"):
            frame[name] = frame[name] / 1000.0
        frame.insert(COLUMNS.index("end_s"), "end_s", frame["start_s"] + frame["duration_s"])
        if any(extras):
            more = pd.DataFrame.from_records(extras, index=frame.index)
            more.columns = [name if name not in frame.columns else f"m_{name}" for name in more.columns]
            frame = pd.concat([frame, more], axis=1)
        return frame

    # --- summary ------------------------------------------------------------------------------
    def summary(self) -> str:
        """`Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%) …`."""
        tracks = self.tracks
        noun = "track" if len(tracks) == 1 else "tracks"
        if not tracks:
            return "Timeline (0 tracks): empty"
        frame = self.to_dataframe()
        parts = [f"{number}. {self._track_line(number, track, frame[frame['track'] == number])}"
                 for number, track in enumerate(tracks, start=1)]
        return f"Timeline ({len(tracks)} {noun}): " + " ".join(parts)

    @staticmethod
    def _track_line(number: int, track: dict, rows: pd.DataFrame) -> str:
        name = _as_dict(track.get("m")).get("name")
        kind = track_type_name(track.get("tt"))
        label = str(name) if name not in (None, "") else _TRACK_LABELS.get(kind, kind.capitalize())
        if rows.empty:
            return f"{label}: (empty)"
        names = [segment_label(kind, item) for item in rows[["name", "text", "source", "segment"]].itertuples()]
        span = _span(rows["start_s"].min(), rows["end_s"].max())
        volume = rows["volume"].dropna()
        if kind == "audio" and not volume.empty:
            span += f", {round(float(volume.iloc[0]) * 100):d}%"
        names = list(dict.fromkeys(names))
        shown = ", ".join(names[:_SUMMARY_NAMES]) + (f" and {len(names) - _SUMMARY_NAMES} more"
                                                     if len(names) > _SUMMARY_NAMES else "")
        return f"{label}: {shown} ({span})"

    # --- diff ---------------------------------------------------------------------------------
    def diff(self, other: Any) -> list["Change"]:
        """What changed from this draft to `other`: added, removed, moved, retimed, retexted, changed."""
        other = other if isinstance(other, Draft) else Draft(other)
        return diff_frames(self.to_dataframe(), other.to_dataframe())

    # --- display ------------------------------------------------------------------------------
    def __repr__(self) -> str:
        return f"<Draft {self.summary()}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Draft) and self.raw == other.raw

    __hash__ = None  # mutable raw dict

    def _repr_html_(self) -> str:
        frame = self.to_dataframe()
        table = frame[COLUMNS].head(_HTML_ROWS).to_html(index=False, na_rep="", float_format=lambda x: f"{x:g}")
        more = f"<p>… {len(frame) - _HTML_ROWS} more segments</p>" if len(frame) > _HTML_ROWS else ""
        return f"<div class='nemo-draft'><p><b>{html.escape(self.summary())}</b></p>{table}{more}</div>"


def segment_label(kind: str, row: Any) -> str:
    if kind == "text" and not _missing(row.text):
        return f'"{row.text}"'
    for value in (row.name, row.text, row.source, row.segment):
        if not _missing(value) and value != "":
            return str(value)
    return "segment"


# --- changes ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    """One change between two drafts, with a one-sentence description for people."""

    kind: str  # added | removed | moved | retimed | retexted | changed
    segment: str
    track: int
    description: str
    before: dict = field(default_factory=dict, repr=False, compare=False)
    after: dict = field(default_factory=dict, repr=False, compare=False)

    def __str__(self) -> str:
        return self.description


def _keyed(frame: pd.DataFrame) -> pd.DataFrame:
    """Index rows by segment id, numbering repeats so that every key is unique."""
    keys = frame["segment"].astype(str)
    repeat = keys.groupby(keys).cumcount()
    keyed = frame.copy()
    keyed.index = keys.where(repeat == 0, keys + "#" + repeat.astype(str))
    return keyed


def _label(row: dict) -> str:
    kind = row.get("track_type")
    if kind == "text" and not _missing(row.get("text")):
        return f'text "{row["text"]}"'
    for key in ("name", "source", "segment"):
        if not _missing(row.get(key)) and row.get(key) != "":
            return f"'{row[key]}'" if kind != "audio" else f"music '{row[key]}'"
    return "a segment"


def _where(row: dict) -> str:
    return f"track {row['track']} ({_span(row['start_s'], row['end_s'])})"


def _differs(a: pd.Series, b: pd.Series) -> pd.Series:
    both_missing = a.isna() & b.isna()
    return ~both_missing & (a.astype(object) != b.astype(object))


def _close_differs(a: pd.Series, b: pd.Series) -> pd.Series:
    both_missing = a.isna() & b.isna()
    return ~both_missing & ~((a - b).abs() < 1e-6)


def _records(frame: pd.DataFrame, mask: Any = None) -> list[dict]:
    chosen = frame[COLUMNS] if mask is None else frame.loc[mask, COLUMNS]
    return [dict(zip(COLUMNS, row)) for row in chosen.to_numpy(dtype=object).tolist()]


def _describe(kind: str, was: dict | None, now: dict | None) -> str:
    if kind == "removed":
        return f"Removed {_label(was)} from {_where(was)}."
    if kind == "added":
        return f"Added {_label(now)} on {_where(now)}."
    before, after = _span(was["start_s"], was["end_s"]), _span(now["start_s"], now["end_s"])
    if kind == "retimed":
        return f"Retimed {_label(now)} from {before} to {after}."
    if kind == "moved":
        target = _where(now) if was["track"] != now["track"] else after
        return f"Moved {_label(now)} from {before} to {target}."
    if kind == "retexted":
        return f'Changed the text "{was["text"]}" to "{now["text"]}" on track {now["track"]}.'
    return f"Set the volume of {_label(now)} from {_percent(was['volume'])} to {_percent(now['volume'])}."


def diff_frames(before: pd.DataFrame, after: pd.DataFrame) -> list[Change]:
    """Changes from one `to_dataframe()` to another, matching segments by id (vectorised)."""
    old, new = _keyed(before), _keyed(after)
    common = old.index.intersection(new.index, sort=False)
    a, b = old.loc[common], new.loc[common]
    retimed = _close_differs(a["duration_s"], b["duration_s"])
    masks = {
        "retimed": retimed,
        "moved": ~retimed & (_close_differs(a["start_s"], b["start_s"]) | (a["track"] != b["track"])),
        "retexted": _differs(a["text"], b["text"]),
        "changed": _close_differs(a["volume"], b["volume"]),
    }
    pairs = [("removed", row, None) for row in _records(old, ~old.index.isin(new.index))]
    pairs += [("added", None, row) for row in _records(new, ~new.index.isin(old.index))]
    for kind, mask in masks.items():
        mask = mask.to_numpy()
        pairs += [(kind, was, now) for was, now in zip(_records(a, mask), _records(b, mask))]
    return [Change(kind, str((now or was)["segment"]), int((now or was)["track"]), _describe(kind, was, now),
                   before=was or {}, after=now or {}) for kind, was, now in pairs]


def _percent(value: Any) -> str:
    return "?" if _missing(value) else f"{round(float(value) * 100):d}%"


def describe_changes(changes: Iterable[Change]) -> str:
    """One sentence per change, one per line; a plain sentence when nothing changed."""
    lines = [change.description for change in changes]
    return "\n".join(lines) if lines else "The timeline did not change."

"""A session's clip analyses (`state["video_analyses"]`) as DataFrames (pure: no I/O).

The local backend writes `{media_id: {"findings": [{"kind", "start_s", "end_s", "duration_s",
"score"}], ...}}`; the cloud's shape is not documented, so everything here reads tolerantly: a list
instead of a mapping, other key names (`type`, `start`, `start_ms`, ...), numbers as strings. An
entry that cannot be read becomes a row whose `raw` column keeps it: never an exception.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from .draft import number_or_nan

_ROW_COLUMNS = ["media", "kind", "start_s", "end_s", "duration_s", "score", "raw"]
FINDING_COLUMNS = ["clip", *_ROW_COLUMNS]  # clip: the file name (the media id when not known)
SCENE_COLUMNS = ["clip", "media", "scene", "start_s", "end_s", "duration_s", "thumbnail"]
_NAME_KEYS = ("name", "filename", "file_name", "title")
_TIMES = ("start_s", "end_s", "duration_s", "score")
# (key, scale to seconds) in order of preference, for each time field.
_TIME_KEYS = {
    "start_s": (("start_s", 1.0), ("start", 1.0), ("time_s", 1.0), ("start_ms", 1e-3), ("st", 1e-3)),
    "end_s": (("end_s", 1.0), ("end", 1.0), ("end_ms", 1e-3)),
    "duration_s": (("duration_s", 1.0), ("duration", 1.0), ("duration_ms", 1e-3), ("d", 1e-3)),
    "score": (("score", 1.0), ("confidence", 1.0)),
}
_KIND_KEYS = ("kind", "type", "label")
_KIND_SYNONYMS = {"shot": "scene", "scene_change": "scene", "frozen": "freeze", "silent": "silence"}
_MEDIA_KEYS = ("media", "media_id", "id", "src")
_FINDING_LISTS = ("findings", "scenes", "events")

Thumbnails = Mapping[str, Sequence[Any]] | Callable[[str, int, float, float], Any] | None


def media_field(video_infos: Any, keys: Sequence[str]) -> dict[str, str]:
    """Media id → the first non-empty string among `keys` of each media in a state's `video_infos`
    (a list or a mapping of media): its file name, its thumbnail…"""
    entries = video_infos.values() if isinstance(video_infos, Mapping) else video_infos
    found = {}
    for media in entries if isinstance(entries, (list, tuple, type({}.values()))) else []:
        if isinstance(media, Mapping) and media.get("id") is not None:
            value = next((media[key] for key in keys if isinstance(media.get(key), str) and media[key]), None)
            if value:
                found[str(media["id"])] = value
    return found


def media_names(video_infos: Any) -> dict[str, str]:
    """Media id → file name, from a state's `video_infos` (a list or a mapping of media)."""
    return media_field(video_infos, _NAME_KEYS)


def findings_dataframe(video_analyses: Any, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per finding: clip (file name, from `names` = media id → name, e.g. `media_names(state
    ["video_infos"])`; the id when unknown), media, kind, start_s, end_s, duration_s, score (+ raw)."""
    rows = [row for media, analysis in _per_media(video_analyses) for row in _finding_rows(media, analysis)]
    columns = list(zip(*rows)) if rows else [()] * len(_ROW_COLUMNS)
    # Column by column: building from rows would turn None into NaN in the text columns.
    frame = pd.DataFrame(
        {
            name: pd.Series(values, dtype="float64" if name in _TIMES else object)
            for name, values in zip(_ROW_COLUMNS, columns)
        }
    )
    frame.insert(0, "clip", pd.Series([(names or {}).get(m, m) for m in frame["media"]], dtype=object))
    return frame


def scenes_dataframe(video_analyses: Any, thumbnails: Thumbnails = None,
                     names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per detected scene, numbered from 1 within each media in time order (media as given).

    `thumbnails`: `{media: [thumbnail per scene]}`, or `f(media, scene, start_s, end_s) -> thumbnail`;
    `names` as for `findings_dataframe`.
    """
    found = findings_dataframe(video_analyses, names)
    scenes = found[(found["kind"] == "scene") & found["start_s"].notna()].copy()
    if thumbnails is None:
        thumbnails = _own_thumbnails(video_analyses)
    media_order = {media: index for index, media in enumerate(pd.unique(scenes["media"]))}
    scenes["_order"] = scenes["media"].map(media_order)
    scenes = scenes.sort_values(["_order", "start_s"], kind="stable").reset_index(drop=True)
    scenes["scene"] = scenes.groupby("media", sort=False).cumcount() + 1
    thumbs = [_thumbnail(thumbnails, row.media, row.scene, row.start_s, row.end_s) for row in scenes.itertuples()]
    scenes["thumbnail"] = pd.Series(thumbs, index=scenes.index, dtype=object)
    return scenes[SCENE_COLUMNS]


def _own_thumbnails(video_analyses: Any) -> Callable[[str, int, float, float], Any]:
    """The thumbnails the analyses carry themselves (a scene finding's `thumbnail`), by media and start."""
    own: dict[tuple[str, float], Any] = {}
    for media, analysis in _per_media(video_analyses):
        for entry in _finding_entries(analysis) or []:
            if isinstance(entry, Mapping) and isinstance(entry.get("thumbnail"), str):
                own[(media, round(_seconds(entry, _TIME_KEYS["start_s"]), 3))] = entry["thumbnail"]
    return lambda media, scene, start_s, end_s: own.get((media, round(start_s, 3)))


def _per_media(video_analyses: Any) -> list[tuple[str, Any]]:
    """(media id, analysis) pairs from a mapping, a list of analyses naming their media, or nothing."""
    if isinstance(video_analyses, Mapping):
        return [(str(media), analysis) for media, analysis in video_analyses.items()]
    if isinstance(video_analyses, (list, tuple)):
        return [(_media_name(item, index), item) for index, item in enumerate(video_analyses)]
    if video_analyses is None:
        return []
    return [("", video_analyses)]


def _media_name(item: Any, index: int) -> str:
    if isinstance(item, Mapping):
        for key in _MEDIA_KEYS:
            if isinstance(item.get(key), (str, int)) and not isinstance(item.get(key), bool):
                return str(item[key])
    return str(index)


def _finding_rows(media: str, analysis: Any) -> list[list]:
    entries = _finding_entries(analysis)
    if entries is None:
        return [_raw_row(media, analysis)]
    return [_read_finding(media, entry) for entry in entries]


def _finding_entries(analysis: Any) -> list | None:
    """The analysis's list of findings (an analysis may itself be that list); None if it has none."""
    if isinstance(analysis, (list, tuple)):
        return list(analysis)
    if isinstance(analysis, Mapping):
        lists = [analysis[key] for key in _FINDING_LISTS if isinstance(analysis.get(key), (list, tuple))]
        if lists:
            return [entry for found in lists for entry in found]
    return None


def _read_finding(media: str, entry: Any) -> list:
    if not isinstance(entry, Mapping):
        return _raw_row(media, entry)
    kind = _kind(next((entry[key] for key in _KIND_KEYS if isinstance(entry.get(key), str)), None))
    times = {name: _seconds(entry, keys) for name, keys in _TIME_KEYS.items()}
    start, end, duration = times["start_s"], times["end_s"], times["duration_s"]
    if math.isnan(end) and not math.isnan(start) and not math.isnan(duration):
        end = start + duration
    if math.isnan(duration) and not math.isnan(start) and not math.isnan(end):
        duration = end - start
    if kind is None or math.isnan(start):
        return _raw_row(media, entry, kind=kind, times=(start, end, duration, times["score"]))
    return [media, kind, start, end, duration, times["score"], None]


def _kind(kind: str | None) -> str | None:
    if kind is None:
        return None
    name = kind.strip().lower()
    return _KIND_SYNONYMS.get(name, name) or None


def _raw_row(media: str, raw: Any, kind: str | None = None, times: tuple = (math.nan,) * 4) -> list:
    return [media, kind, *times, raw]


def _seconds(entry: Mapping, keys: tuple[tuple[str, float], ...]) -> float:
    for key, scale in keys:
        value = _number(entry.get(key))
        if not math.isnan(value):
            return value * scale
    return math.nan


def _number(value: Any) -> float:
    """A finite float from a number or numeric string; NaN for anything else."""
    number = number_or_nan(value)
    return number if math.isfinite(number) else math.nan


def _thumbnail(thumbnails: Thumbnails, media: str, scene: int, start_s: float, end_s: float) -> Any:
    if thumbnails is None:
        return None
    if callable(thumbnails):
        return thumbnails(media, scene, start_s, end_s)
    per_scene = thumbnails.get(media) if isinstance(thumbnails, Mapping) else None
    if isinstance(per_scene, Sequence) and not isinstance(per_scene, str) and 0 < scene <= len(per_scene):
        return per_scene[scene - 1]
    return None


# --- a compact picture of the findings --------------------------------------------------------
KIND_COLOURS = {"scene": "#4c78a8", "freeze": "#f58518", "black": "#444444", "silence": "#72b7b2"}
PLOT_KINDS = tuple(KIND_COLOURS)
PLOT_INK, PLOT_GROUND = "#1f2328", "#ffffff"  # contrast 15.8:1


class FindingsPlot:
    """One row per clip and kind of finding, bars on a shared time axis: an SVG (no plotting library
    needed, so it shows in saved notebooks too), with a one-line text form for terminals."""

    def __init__(self, findings: pd.DataFrame, width: int = 640, row_height: int = 14) -> None:
        self.findings = findings[findings["kind"].isin(PLOT_KINDS) & findings["start_s"].notna()]
        self.width, self.row_height = width, row_height

    def __repr__(self) -> str:
        counts = self.findings["kind"].value_counts()
        said = ", ".join(f"{counts[kind]} {kind}" for kind in PLOT_KINDS if kind in counts) or "no findings"
        return f"<clip analysis: {said} in {self.findings['media'].nunique()} clip(s)>"

    def _repr_html_(self) -> str:
        """The SVG as an `<img>`: it shows in a reopened notebook that Jupyter does not trust too
        (an untrusted notebook's SVG output is not drawn; an image is)."""
        from .static_forms import svg_img

        return svg_img(self._repr_svg_(), repr(self))

    def _repr_svg_(self) -> str:
        found = self.findings
        names = dict(zip(found["media"], found["clip"] if "clip" in found else found["media"]))
        rows = [(names[media], kind, picked) for media in pd.unique(found["media"]) for kind in PLOT_KINDS
                if len(picked := found[(found["media"] == media) & (found["kind"] == kind)])]
        end = float(found[["start_s", "end_s"]].max().max()) if rows else 0.0
        label_w, h = 220, self.row_height
        scale = (self.width - label_w - 10) / end if end > 0 else 0.0
        parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width}" height="{h * (len(rows) + 1) + 4}" '
                 # its own light ground and dark ink: as readable in a dark theme as in a light one
                 f'font-family="sans-serif" font-size="10" fill="{PLOT_INK}" style="background: {PLOT_GROUND}">']
        for index, (media, kind, picked) in enumerate(rows):
            y = index * h + 2
            parts.append(f'<text x="0" y="{y + h - 4}">{_escape(str(media))[:28]} · {kind}</text>')
            for start, stop in zip(picked["start_s"], picked["end_s"].fillna(picked["start_s"])):
                x, w = label_w + start * scale, max(1.0, (stop - start) * scale)
                parts.append(f'<rect x="{x:.1f}" y="{y + 1}" width="{w:.1f}" height="{h - 3}" rx="2" '
                             f'fill="{KIND_COLOURS[kind]}" stroke="white" stroke-width="0.5"/>')
        parts.append(f'<text x="{label_w}" y="{h * len(rows) + h}">0 s</text>'
                     f'<text x="{self.width - 10}" y="{h * len(rows) + h}" text-anchor="end">{end:g} s</text></svg>')
        return "".join(parts)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

"""TimelineWidget: the draft drawn as lanes of blocks; click to select, drag to ask for a reorder.

A drag never changes the draft locally: it becomes a plain-language edit sent through the session
("move scene 3 before scene 1"), and the widget redraws from the state the backend returns.
"""

from __future__ import annotations

import mimetypes
import threading
from typing import Any, Iterable

import httpx
import pandas as pd
import traitlets as t

from .. import static_forms
from ..draft import Draft, segment_label, track_type_name
from ..findings import media_field
from ._base import NemoWidget, blocking_session, bundle, stylesheet

MAIN_TRACK_TYPE = "video"  # scenes are numbered on the first video track
THUMBNAIL_MAX_BYTES = 2 * 1024 * 1024
THUMBNAIL_TIMEOUT_S = 10.0
TRANSITION_TYPES = ("crossfade", "dip_to_black", "glsl_cross_dissolve")  # a segment's m.transition.type


def segment_marks(segment: Any) -> dict | None:
    """What the timeline marks on a segment besides its block (the optional 5th element of its
    entry): the transition into it, `{"transition": type, "transition_ms": ms}`, from the draft's
    `m.transition = {"type", "ms"}`; None when there is nothing to mark."""
    meta = segment.get("m") if isinstance(segment, dict) and isinstance(segment.get("m"), dict) else {}
    transition = meta.get("transition")
    if not isinstance(transition, dict) or transition.get("type") not in TRANSITION_TYPES:
        return None
    ms = transition.get("ms")
    if isinstance(ms, bool) or not isinstance(ms, (int, float)) or not ms > 0 or ms == float("inf"):
        return None
    return {"transition": transition["type"], "transition_ms": round(ms)}


def timeline_tracks(draft: Draft) -> list[dict]:
    """The compact form the JavaScript draws: one dict per track, segments as
    `[start_s, duration_s, label, segment_id]` in draft order, with a 5th element (`segment_marks`)
    when the segment has one. `reorderable` marks the main video track (the one dragging reorders);
    the video tracks after it that have segments are overlays, named so when they have no name."""
    frame = draft.to_dataframe()
    by_track = dict(tuple(frame.groupby("track", sort=False))) if len(frame) else {}
    main = main_track(frame)
    tracks = []
    for number, raw in enumerate(draft.tracks, start=1):
        kind = track_type_name(raw.get("tt"))
        meta = raw.get("m") if isinstance(raw.get("m"), dict) else {}
        rows = by_track.get(number, frame.iloc[0:0])
        starts = rows["start_s"].fillna(0.0).tolist()
        durations = rows["duration_s"].fillna(0.0).clip(lower=0).tolist()
        labels = [segment_label(kind, row) for row in rows[["name", "text", "source", "segment"]].itertuples()]
        marks = [segment_marks(segment) for segment in (raw.get("sg") if isinstance(raw.get("sg"), list) else [])]
        overlay = kind == MAIN_TRACK_TYPE and main is not None and number > main and len(rows)
        tracks.append({
            "id": str(raw.get("id") or f"track{number}"),
            "type": kind,
            "name": str(meta.get("name") or ("Overlay" if overlay else kind.capitalize())),
            "reorderable": number == main,
            "segments": [[s, d, label, str(seg), *([mark] if mark else [])]
                         for s, d, label, seg, mark in zip(starts, durations, labels, rows["segment"], marks)],
        })
    return tracks


def main_track(frame: pd.DataFrame) -> int | None:
    """The number of the main video track (the first video track with segments): its segments are
    the scenes, the ones dragging reorders."""
    video = frame[frame["track_type"] == MAIN_TRACK_TYPE]
    return None if video.empty else int(video["track"].iloc[0])


def scene_numbers(draft: Draft) -> dict[str, int]:
    """Segment id → scene number (1-based, timeline order on the main video track)."""
    frame = draft.to_dataframe()
    number = main_track(frame)
    if number is None:
        return {}
    main = frame[frame["track"] == number].sort_values("start_s", kind="stable")
    return {str(seg): number for number, seg in enumerate(main["segment"], start=1)}


def move_instruction(draft: Draft, segment: str, before: str | None) -> str:
    """The plain-language edit for dropping `segment` before `before` (None: at the end)."""
    scenes = scene_numbers(draft)
    if segment not in scenes:
        if segment not in set(draft.to_dataframe()["segment"].astype(str)):
            raise ValueError("That scene is no longer in the timeline: redrawn from the current state.")
        raise ValueError("Only scenes on the main video track can be reordered by dragging.")
    if before is None:
        last = max(scenes.values())
        return f"move scene {scenes[segment]} after scene {last}"
    if before not in scenes:
        raise ValueError("Drop the scene between scenes of the main video track.")
    return f"move scene {scenes[segment]} before scene {scenes[before]}"


_THUMBNAIL_KEYS = ("thumbnail", "thumbnail_url", "thumb_url", "poster", "poster_url", "cover_url")


def thumbnails_from_state(state: Any, draft: Draft) -> dict[str, str]:
    """Segment id → image URL: the segment's own frame strip when its media offers a `strip` URL
    template (`{in_ms}`, `{d_ms}`: the source in-point and length), else the media's thumbnail/poster."""
    infos = state.get("video_infos") if isinstance(state, dict) else None
    images = media_field(infos, _THUMBNAIL_KEYS)
    strips = {media: strip for media, strip in media_field(infos, ("strip",)).items()
              if "{in_ms}" in strip and "{d_ms}" in strip}
    if not images and not strips:
        return {}
    frame = draft.to_dataframe()
    speed = pd.to_numeric(frame["speed"], errors="coerce") if "speed" in frame else pd.Series(1.0, index=frame.index)
    in_s = pd.to_numeric(frame["in_s"], errors="coerce") if "in_s" in frame else pd.Series(0.0, index=frame.index)
    thumbnails = {}
    for seg, src, start, length, rate in zip(frame["segment"], frame["source"], in_s, frame["duration_s"], speed):
        template, source_ms = strips.get(str(src)), _source_ms(start, length, rate)
        if template and source_ms:
            thumbnails[str(seg)] = template.format(in_ms=source_ms[0], d_ms=source_ms[1])
        elif str(src) in images:
            thumbnails[str(seg)] = images[str(src)]
    return thumbnails


def _source_ms(in_s: float, duration_s: float, speed: float) -> tuple[int, int] | None:
    """(in-point, length) in the source, ms, of a segment; None when its times are unknown."""
    if pd.isna(duration_s) or duration_s <= 0:
        return None
    rate = speed if not pd.isna(speed) and speed > 0 else 1.0
    return round(1000 * (0.0 if pd.isna(in_s) else in_s)), round(1000 * duration_s * rate)


def _marker(when: Any, item: dict) -> dict | None:
    if not isinstance(when, (int, float)) or when != when:
        return None
    kind = str(item.get("kind") or "")
    return {"t": float(when), "label": str(item.get("label") or kind), "kind": kind}


def markers_from(items: Iterable[Any] | pd.DataFrame | None, draft: Draft) -> list[dict]:
    """Timeline markers from dicts (`t` in timeline seconds, `label`, `kind`) or from analysis
    findings (`media`, `kind`, `start_s` in source seconds, as `Session.analysis` gives them):
    a finding shows wherever a segment of the timeline plays that moment of its media."""
    if items is None:
        return []
    records = items.to_dict("records") if isinstance(items, pd.DataFrame) else list(items)
    frame = draft.to_dataframe()
    out = []
    for item in records:
        if not isinstance(item, dict):
            continue
        if "media" not in item:
            out.append(_marker(item.get("t", item.get("start_s")), item))
            continue
        source_t = item.get("start_s")
        if not isinstance(source_t, (int, float)) or source_t != source_t:
            continue
        playing = frame[(frame["source"].astype(str) == str(item["media"]))
                        & (frame["in_s"].fillna(0.0) <= source_t)
                        & (source_t < frame["in_s"].fillna(0.0) + frame["duration_s"])]
        out += [_marker(start + source_t - in_point, item)
                for start, in_point in zip(playing["start_s"], playing["in_s"].fillna(0.0))]
    return sorted((m for m in out if m is not None), key=lambda m: m["t"])


class TimelineWidget(NemoWidget):
    """`TimelineWidget(session_or_draft)`: tracks as lanes; `selected`, `playhead` (s), `zoom`."""

    _esm = bundle("timeline")
    _css = stylesheet("timeline")

    tracks = t.List(t.Dict()).tag(sync=True)
    selected = t.Unicode("").tag(sync=True)
    playhead = t.Float(0.0).tag(sync=True)
    zoom = t.Float(1.0).tag(sync=True)
    thumbnails = t.Dict(t.Unicode()).tag(sync=True)  # segment id -> image URL
    markers = t.List(t.Dict()).tag(sync=True)  # [{"t": s, "label", "kind"}]
    show_markers = t.Bool(True).tag(sync=True)
    busy = t.Bool(False).tag(sync=True)
    message = t.Unicode("").tag(sync=True)

    _handlers = {"move": "_on_move", "thumbnail": "_on_thumbnail"}

    def __init__(self, draft_or_session: Any, *, markers: Any = None, **kwargs: Any) -> None:
        is_session = hasattr(draft_or_session, "edit")
        self._session = blocking_session(draft_or_session, "TimelineWidget") if is_session else None
        self.last_result: Any = None
        self._marker_items: Any = None
        super().__init__(**kwargs)
        if is_session:
            self.refresh()
        else:
            self.show(draft_or_session)
        self.set_markers(markers)
        self._picture_stale = False
        self.observe(self._picture_follows, names=["tracks", "busy"])

    def static_bundle(self) -> dict[str, str]:
        return {"text/html": static_forms.timeline_html(self.tracks)}

    def static_text(self) -> str:
        return static_forms.timeline_text(self.tracks)

    def _picture_follows(self, change: Any) -> None:
        """The saved picture follows the tracks, once an edit is over (the redraw restarts the live
        view: one redraw, with the edit's status line already in place)."""
        self._picture_stale |= change["name"] == "tracks"
        if self._picture_stale and not self.busy:
            self._picture_stale = False
            self.refresh_static()

    @property
    def draft(self) -> Draft:
        return self._draft

    def show(self, draft: Any) -> None:
        """Draw `draft` (a Draft, its JSON, or a state answer's `draft`)."""
        self._draft = draft if isinstance(draft, Draft) else Draft(draft)
        self.tracks = timeline_tracks(self._draft)
        if self._marker_items is not None:
            self.markers = markers_from(self._marker_items, self._draft)  # findings move with their scenes
        if self.selected and self.selected not in set(self._draft.to_dataframe()["segment"].astype(str)):
            self.selected = ""

    def refresh(self) -> None:
        """Redraw from the session's current state on the backend."""
        if self._session is not None:
            state = self._session.state()
            self.show(Draft.from_state(state))
            self.thumbnails = thumbnails_from_state(state, self._draft) or self.thumbnails

    def to_dataframe(self) -> pd.DataFrame:
        return self._draft.to_dataframe()

    def selected_row(self) -> pd.Series | None:
        """The DataFrame row of the selected segment (None when nothing is selected)."""
        frame = self._draft.to_dataframe()
        rows = frame[frame["segment"].astype(str) == self.selected]
        return rows.iloc[0] if self.selected and len(rows) else None

    def set_markers(self, items: Any) -> None:
        """Mark moments: analysis findings (`session.analysis`) or dicts with `t`, `label`, `kind`."""
        self._marker_items = items
        self.markers = markers_from(items, self._draft)

    def edit(self, text: str) -> Any:
        """Send `text` as an edit through the session, then redraw from the new state."""
        if self._session is None:
            self.message = "This timeline shows a draft, not a session: pass the Session to edit by dragging."
            return None
        self.busy, self.message = True, f"Editing: {text}"
        try:
            self.last_result = self._session.edit(text)
            self.refresh()
            reply = str(getattr(self.last_result, "text", "") or "").strip()
            self.message = reply.splitlines()[0] if reply else "Done."
        except Exception as error:  # noqa: BLE001 - shown to the user as one line, the kernel lives on
            self.message = str(error).splitlines()[0] if str(error) else type(error).__name__
        finally:
            self.busy = False
        return self.last_result

    def _on_move(self, content: dict, _buffers: list) -> None:
        segment, before = str(content.get("segment", "")), content.get("before")
        if self._session is not None:
            self.refresh()  # segment ids are stable, scene numbers are not: number them as they are now
        try:
            text = move_instruction(self._draft, segment, None if before is None else str(before))
        except ValueError as error:
            self.message = str(error)
            return
        self.edit(text)

    def _on_thumbnail(self, content: dict, _buffers: list) -> None:
        """The browser could not load a thumbnail (another machine, another origin): fetch it here,
        on a worker thread, and send its bytes. Only URLs this widget offered are fetched."""
        url = content.get("url")
        if isinstance(url, str) and url in self.thumbnails.values():
            threading.Thread(target=self._send_thumbnail, args=(url,), name="nemo-thumbnail", daemon=True).start()

    def _send_thumbnail(self, url: str) -> None:
        try:
            with httpx.stream("GET", url, timeout=THUMBNAIL_TIMEOUT_S, follow_redirects=True) as answer:
                answer.raise_for_status()
                data = b""
                for chunk in answer.iter_bytes():
                    data += chunk
                    if len(data) > THUMBNAIL_MAX_BYTES:
                        return
                mime = answer.headers.get("content-type", "").split(";")[0] or mimetypes.guess_type(url)[0] or "image/jpeg"
        except httpx.HTTPError:
            return
        self.send({"kind": "thumbnail", "url": url, "mime": mime}, [data])



class TimelineView:
    """What `%nemo timeline` gives: the widget above its DataFrame, both kept current.

    `t = %nemo timeline` keeps it: `t.widget` (the TimelineWidget), `t.selected`, `t.selected_row()`,
    `t.dataframe` (the current draft's). After a drag or an edit the DataFrame output under the
    widget is redrawn too, so no view in the cell shows the old order.
    """

    def __init__(self, widget: TimelineWidget) -> None:
        self.widget = widget
        self._table_id: str | None = None
        widget.observe(self._redraw_table, names="tracks")

    @property
    def dataframe(self) -> pd.DataFrame:
        return self.widget.to_dataframe()

    @property
    def selected(self) -> str:
        return self.widget.selected

    def selected_row(self) -> pd.Series | None:
        return self.widget.selected_row()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.widget, name)

    def __repr__(self) -> str:
        return self.widget.static_text()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        self.widget._ipython_display_()
        self._table_id = self._table_id or f"{self.widget._display_id}-table"
        display(self.dataframe, display_id=self._table_id)

    def _redraw_table(self, _change: Any) -> None:
        if self._table_id is not None:
            from IPython.display import update_display

            update_display(self.dataframe, display_id=self._table_id)

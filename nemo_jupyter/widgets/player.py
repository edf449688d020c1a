"""PlayerWidget: a render (or any video URL) playing inline; `current_time` links to a playhead.

It plays from a URL whenever there is one. A local file (a render's download) is the fallback:
when there is no URL, or the browser cannot load it (a backend on the kernel's machine seen from
another one), the kernel sends the file as binary buffer messages, at most `max_bytes` (20 MB by
default). The bytes never enter a trait, so a saved notebook never stores the video.

A local file also gives the player its shape and cover before it plays: `aspect` (width/height)
and `poster`, a frame of the video written next to it (`out.poster.jpg`, sent as a data URI). What
a saved notebook keeps is a `<video>` of the file relative to the notebook with that poster, or one
line saying where the file was (`static_forms`).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

import ipywidgets
import traitlets as t

from .. import static_forms
from ._base import NemoWidget, bundle, stylesheet

DEFAULT_MAX_BYTES = 20 * 1000 * 1000
PIECE_BYTES = 4 * 1024 * 1024  # below the ~10 MiB websocket message limit
_URL_STARTS = ("/", "files/", "blob:", "data:")
OLDER_THAN_TIMELINE = "The timeline has changed since this video was rendered: export again to see the change."


def _source(render_or_url: Any) -> tuple[str, Path | None]:
    """(url, local path) of a URL string, a path, or a render result (`.url` / `.path`)."""
    if isinstance(render_or_url, Path):
        return "", render_or_url
    if isinstance(render_or_url, str):
        if not render_or_url or Path(render_or_url).is_file():
            return "", Path(render_or_url) if render_or_url else None
        if "://" in render_or_url or render_or_url.startswith(_URL_STARTS):
            return render_or_url, None
        return "", Path(render_or_url)
    url = getattr(render_or_url, "url", None) or ""
    path = getattr(render_or_url, "path", None)
    return str(url), Path(path) if path else None


class PlayerWidget(NemoWidget):
    """`PlayerWidget(render_or_url, poster="")`: HTML5 video; `current_time` (s), `playing`."""

    _esm = bundle("player")
    _css = stylesheet("player")

    src = t.Unicode("").tag(sync=True)
    poster = t.Unicode("").tag(sync=True)
    aspect = t.Float(0.0).tag(sync=True)  # width / height of the video, 0 when unknown
    current_time = t.Float(0.0).tag(sync=True)
    playing = t.Bool(False).tag(sync=True)
    has_bytes = t.Bool(False).tag(sync=True)
    mime = t.Unicode("video/mp4").tag(sync=True)
    message = t.Unicode("").tag(sync=True)

    _handlers = {"need_bytes": "_on_need_bytes"}

    def __init__(self, render_or_url: Any = "", *, max_bytes: int = DEFAULT_MAX_BYTES, **kwargs: Any) -> None:
        self._own_poster = not kwargs.get("poster")
        super().__init__(**kwargs)
        self.max_bytes = max_bytes
        self._file: Path | None = None
        self._path: Path | None = None
        self._poster_file: Path | None = None
        self.load(render_or_url)
        self.observe(lambda _change: self.refresh_static(), names=["src", "poster"])

    def load(self, render_or_url: Any) -> None:
        """Play something else: a URL, a local file (size-capped), or a render result (both)."""
        url, path = _source(render_or_url)
        self._file, self.message = None, ""
        self._path = path if path is not None and path.is_file() else None
        if self._path is not None and self._own_poster:
            self._poster_file, self.aspect = static_forms.poster_frame(self._path)
            self.poster = static_forms.data_uri(self._poster_file) if self._poster_file else ""
        if self._path is not None:
            size = path.stat().st_size
            if size <= self.max_bytes:
                self._file = path
                self.mime = mimetypes.guess_type(path.name)[0] or "video/mp4"
            elif not url:
                self.message = (f"{path.name} is {size / 1e6:.0f} MB, over the {self.max_bytes / 1e6:.0f} MB inline "
                                "limit: play it from a URL (the render's URL or the Jupyter files route).")
        elif path is not None and not url:
            self.message = f"No video at {path}."
        self.src, self.has_bytes = url, self._file is not None

    def static_bundle(self) -> dict[str, str]:
        source = static_forms.lasting_source(self._path, self.src)
        where = self._path or self.src
        note = self.message or ("" if source else f"The video was saved at {where}." if where else "")
        return {"text/html": static_forms.video_html(source, self.poster if source else "", note)}

    def static_text(self) -> str:
        return f"Video: {self._path or self.src or 'none'}"

    def link(self, timeline: Any) -> ipywidgets.widgets.widget_link.Link:
        """Keep `current_time` and the timeline's `playhead` equal, in the browser (jslink); once the
        timeline changes after this video was made, say that the video is older than the timeline."""
        rendered = list(timeline.tracks)

        def compare(_change: Any) -> None:
            self.message = "" if list(timeline.tracks) == rendered else OLDER_THAN_TIMELINE

        timeline.observe(compare, names="tracks")
        return ipywidgets.jslink((self, "current_time"), (timeline, "playhead"))

    def _on_need_bytes(self, _content: dict, _buffers: list) -> None:
        if self._file is None:
            return
        data = self._file.read_bytes()
        total = len(data)
        for offset in range(0, total, PIECE_BYTES):
            piece = memoryview(data)[offset:offset + PIECE_BYTES]
            self.send({"kind": "bytes", "offset": offset, "total": total, "mime": self.mime}, [piece])


class ExportView:
    """What `%nemo export` shows in a notebook: the timeline above the render's player, linked.

    Everything else is the Render's (`.path`, `.url`, `.id`), so `r = %nemo export` still works.
    """

    def __init__(self, render: Any, timeline: Any) -> None:
        self.render, self.timeline = render, timeline
        self.player = PlayerWidget(render)  # its poster is a frame of the render itself
        self.link = self.player.link(timeline)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.render, name)

    def __repr__(self) -> str:
        return repr(self.render)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.timeline, self.player)

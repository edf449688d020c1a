"""The notebook widgets (anywidget): a timeline, a player, a live reply view and an uploader.

Their JavaScript lives in `js/src` and is built into `nemo_jupyter/static` (`npm run build`).
"""

from __future__ import annotations

from ._base import BlockingSession
from .player import ExportView, PlayerWidget
from .stream_view import StreamView
from .timeline import TimelineView, TimelineWidget
from .upload import UploadWidget

__all__ = ["BlockingSession", "ExportView", "PlayerWidget", "StreamView", "TimelineView", "TimelineWidget", "UploadWidget"]

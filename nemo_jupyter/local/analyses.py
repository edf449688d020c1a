"""Background analysis of uploaded videos, shown in state as `video_analyses[media_id]`:
`{"status": "running"|"done"|"failed", "progress": 0-100, **result}` (the result of
`local.media.analysis.analyze`, or `error` when it failed). Stopping the server cancels the
analyses still running (their ffmpeg ends; state says failed)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from .media.analysis import analyze
from .store import Store
from .workers import Workers

PROGRESS_STEP = 5.0  # store progress only when it moved this much (percent)


class Analyses:
    def __init__(self, store: Store, analyzer: Callable[..., dict] = analyze) -> None:
        """`analyzer(path, progress=, cancel=)` is `local.media.analysis.analyze` (a test may pass its own)."""
        self.store, self.analyzer = store, analyzer
        self._workers = Workers("analysis")

    def start(self, media: dict) -> None:
        self.store.set_analysis(media["id"], {"status": "running", "progress": 0.0})
        self._workers.start(media["id"], lambda cancel: self._run(media, cancel))

    def _run(self, media: dict, cancel: threading.Event) -> None:
        media_id, last = media["id"], [0.0]

        def progress(percent: float) -> None:
            if percent - last[0] >= PROGRESS_STEP:
                last[0] = percent
                self.store.set_analysis(media_id, {"status": "running", "progress": round(float(percent), 1)})

        try:
            result = self.analyzer(media["path"], progress=progress, cancel=cancel)
        except Exception as exc:  # noqa: BLE001 - any failure is the analysis' failure, shown in state
            self.store.set_analysis(media_id, {"status": "failed", "progress": last[0], "error": str(exc)[:300]})
        else:
            self.store.set_analysis(media_id, {**result, "status": "done", "progress": 100.0})

    def stop(self, timeout: float = 10.0) -> None:
        self._workers.stop(timeout)

"""Background analysis of uploaded videos, shown in state as `video_analyses[media_id]`:
`{"status": "running"|"done"|"failed", "progress": 0-100, **result}` (the result of
`local.media.analysis.analyze`, or `error` when it failed)."""

from __future__ import annotations

import threading

from .store import Store

PROGRESS_STEP = 5.0  # store progress only when it moved this much (percent)


class Analyses:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._threads: list[threading.Thread] = []

    def start(self, media: dict) -> None:
        try:
            from .media.analysis import analyze
        except ImportError:
            return
        self.store.set_analysis(media["id"], {"status": "running", "progress": 0.0})
        worker = threading.Thread(target=self._run, args=(analyze, media), daemon=True, name=f"analysis-{media['id']}")
        self._threads = [t for t in self._threads if t.is_alive()] + [worker]
        worker.start()

    def _run(self, analyze, media: dict) -> None:
        media_id, last = media["id"], [0.0]

        def progress(percent: float) -> None:
            if percent - last[0] >= PROGRESS_STEP:
                last[0] = percent
                self.store.set_analysis(media_id, {"status": "running", "progress": round(float(percent), 1)})

        try:
            result = analyze(media["path"], progress=progress)
        except Exception as exc:  # noqa: BLE001 - any failure is the analysis' failure, shown in state
            self.store.set_analysis(media_id, {"status": "failed", "progress": last[0], "error": str(exc)[:300]})
        else:
            self.store.set_analysis(media_id, {**result, "status": "done", "progress": 100.0})

    def stop(self, timeout: float = 10.0) -> None:
        for worker in self._threads:
            worker.join(timeout)

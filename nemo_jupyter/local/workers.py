"""Background work of the local backend (renders, analyses): one daemon thread per job, each with
its own cancel event; `stop()` cancels every running job and waits for it, so no ffmpeg outlives
the server."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Workers:
    """The running jobs of one kind, by key (a render id, a media id)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._lock = threading.Lock()
        self._running: dict[str, tuple[threading.Thread, threading.Event]] = {}

    def start(self, key: str, work: Callable[[threading.Event], None]) -> None:
        """Run `work(cancel)` on its own thread; the job is forgotten when it returns."""
        cancel = threading.Event()

        def run() -> None:
            try:
                work(cancel)
            finally:
                with self._lock:
                    self._running.pop(key, None)

        thread = threading.Thread(target=run, daemon=True, name=f"{self.kind}-{key}")
        with self._lock:
            self._running[key] = (thread, cancel)
        thread.start()

    def cancel(self, key: str) -> None:
        """Ask a running job to stop (nothing when it is not running)."""
        with self._lock:
            job = self._running.get(key)
        if job is not None:
            job[1].set()

    def running(self) -> list[str]:
        with self._lock:
            return list(self._running)

    def stop(self, timeout: float = 10.0) -> None:
        """Cancel every running job and wait for each (at most `timeout` seconds apiece)."""
        with self._lock:
            jobs = list(self._running.values())
        for _, cancel in jobs:
            cancel.set()
        for thread, _ in jobs:
            thread.join(timeout)

"""Background work stops with the server: a running job is cancelled and waited for."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from nemo_jupyter.local.analyses import Analyses
from nemo_jupyter.local.media.analysis import AnalysisCancelled
from nemo_jupyter.local.media.probe import probe
from nemo_jupyter.local.store import Store
from nemo_jupyter.local.workers import Workers


def test_workers_forget_finished_jobs_and_stop_cancels_the_running_ones():
    workers = Workers("job")
    done = threading.Event()
    workers.start("quick", lambda cancel: done.set())
    assert done.wait(5)
    seen = []
    workers.start("slow", lambda cancel: seen.append(cancel.wait(30)))
    deadline = time.monotonic() + 5
    while "quick" in workers.running() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert workers.running() == ["slow"]
    started = time.monotonic()
    workers.stop(timeout=10)
    assert time.monotonic() - started < 5
    assert seen == [True] and workers.running() == []


def test_workers_cancel_ends_only_the_named_job():
    workers = Workers("job")
    ended = {"a": threading.Event(), "b": threading.Event()}
    for key, event in ended.items():
        workers.start(key, lambda cancel, event=event: cancel.wait(30) and event.set())
    workers.cancel("a")
    assert ended["a"].wait(5)
    assert not ended["b"].is_set()
    workers.cancel("not running")  # nothing happens
    workers.stop()
    assert ended["b"].is_set()


def test_stopping_the_analyses_cancels_a_running_one_and_the_state_says_failed(tmp_path, make_clip):
    """The analyzer gets the cancel event that stop() sets (analyze() ends its ffmpeg on it: tested in
    tests/analysis); a stop no longer waits for a long analysis to finish."""
    clip = make_clip(1.0, (320, 240))
    running = threading.Event()

    def analyzer_until_cancelled(path, progress, cancel):
        progress(50.0)
        running.set()
        if cancel.wait(30):
            raise AnalysisCancelled(f"analysing {Path(path).name}: cancelled")
        return {"findings": []}

    store = Store(tmp_path / "data")
    try:
        media = store.add_media("med_test", "usr_test", "1000000000000000000", clip.name, clip,
                                {**probe(clip), "type": "video"})
        analyses = Analyses(store, analyzer=analyzer_until_cancelled)
        analyses.start(media)
        assert running.wait(10)
        assert store.media("med_test")["analysis"] == {"status": "running", "progress": 50.0}
        started = time.monotonic()
        analyses.stop(timeout=10)
        assert time.monotonic() - started < 5
        analysis = store.media("med_test")["analysis"]
        assert analysis["status"] == "failed" and analysis["error"] == f"analysing {clip.name}: cancelled"
    finally:
        store.close()

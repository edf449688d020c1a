"""Background work stops with the server: a running job is cancelled and waited for, no ffmpeg is left."""

from __future__ import annotations

import threading
import time

import psutil

from nemo_jupyter.local.analyses import Analyses
from nemo_jupyter.local.media.analysis import analyze
from nemo_jupyter.local.media.probe import probe
from nemo_jupyter.local.store import Store
from nemo_jupyter.local.workers import Workers


def _ffmpeg_reading(path) -> list[psutil.Process]:
    """This process's ffmpeg children that have `path` on their command line."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if str(path) in child.cmdline():
                found.append(child)
        except psutil.NoSuchProcess:
            pass
    return found


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


def test_stopping_the_analyses_ends_a_running_ffmpeg_and_the_state_says_failed(tmp_path, make_clip):
    clip = make_clip(1.0, (320, 240))
    reported = threading.Event()

    def analyzer_that_waits_in_progress(path, progress, cancel):
        def held(percent):  # ffmpeg is running: hold its first report until the stop
            progress(percent)
            reported.set()
            cancel.wait(30)
        return analyze(path, progress=held, cancel=cancel)

    store = Store(tmp_path / "data")
    try:
        media = store.add_media("med_test", "usr_test", "1000000000000000000", clip.name, clip,
                                {**probe(clip), "type": "video"})
        analyses = Analyses(store, analyzer=analyzer_that_waits_in_progress)
        analyses.start(media)
        assert reported.wait(30)
        started = time.monotonic()
        analyses.stop(timeout=10)
        assert time.monotonic() - started < 5
        analysis = store.media("med_test")["analysis"]
        assert analysis["status"] == "failed" and "cancelled" in analysis["error"]
        assert not [p for p in _ffmpeg_reading(clip) if p.status() != psutil.STATUS_ZOMBIE]
    finally:
        store.close()

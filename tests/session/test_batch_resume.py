"""Kill a batch process (SIGKILL) halfway, rerun it with its journal: exactly one /run_sse POST per row."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import nemo_jupyter
from nemo_jupyter.batches import Journal, abatch
from nemo_jupyter.client import AsyncNemoClient
from nemo_jupyter.session import Settings

ROWS = 8
FAST = Settings(render_poll_first_s=0.05, render_poll_max_s=0.2)
CHILD = textwrap.dedent(
    """
    import sys, time
    import nemo_jupyter

    url, journal, clip, rows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

    def read():
        for number in range(rows):
            if number == rows // 2:  # half done and journaled (one row at a time): wait to be killed
                print("HALF", flush=True)
                time.sleep(120)
            yield clip, f"Row {number}"

    nemo_jupyter.batch(read(), concurrency=1, api_url=url, journal=journal, progress=False)
    print("FINISHED", flush=True)
    """
)


def count(stats, ending: str) -> int:
    """POSTs to the render API whose path ends so."""
    return sum(n for name, n in stats.to_dict()["requests"].items() if name.startswith("POST /api/render/") and name.endswith(ending))


def polled(stats) -> set[str]:
    """The renders whose status was asked: their rows are watching them (a Ctrl-C now cancels them)."""
    return {name for name in stats.to_dict()["requests"] if name.startswith("GET /api/render/proxy/lambda/")}


def test_killed_halfway_then_resumed_sends_each_instruction_once(scripted_backend, make_clip, tmp_path):
    clip, journal = make_clip(1.0), tmp_path / "run.jsonl"
    rows = [(str(clip), f"Row {number}") for number in range(ROWS)]
    before = scripted_backend.stats.run_sse_posts
    child = subprocess.Popen([sys.executable, "-c", CHILD, scripted_backend.url, str(journal), str(clip), str(ROWS)],
                             stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        assert child.stdout.readline().strip() == "HALF"
        child.send_signal(signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert len(Journal(journal).read()) == ROWS // 2
    assert scripted_backend.stats.run_sse_posts - before == ROWS // 2

    results = nemo_jupyter.batch(rows, concurrency=3, api_url=scripted_backend.url, journal=journal, progress=False)
    assert list(results["instruction"]) == [f"Row {number}" for number in range(ROWS)]
    assert set(results["status"]) == {"ok"} and results["session_id"].nunique() == ROWS
    assert scripted_backend.stats.run_sse_posts - before == ROWS  # one POST per row, over both runs
    assert len(Journal(journal).read()) == ROWS


def test_cancelling_a_batch_cancels_the_renders_in_flight_and_journals_those_rows(scripted_backend, make_clip,
                                                                                   tmp_path):
    clip, journal = make_clip(1.0), tmp_path / "cancel.jsonl"
    rows = [(str(clip), f"Row {number}", str(tmp_path / f"out{number}.mp4")) for number in range(4)]
    requests = scripted_backend.stats  # read under its lock: the server counts on its own thread
    polled_before = polled(requests)


    async def run_and_cancel():
        async with AsyncNemoClient(api_url=scripted_backend.url) as client:
            task = asyncio.ensure_future(abatch(rows, 2, client, journal=journal, quality="draft", settings=FAST))
            while len(polled(requests) - polled_before) < 2:  # both rows in flight are watching their renders
                await asyncio.sleep(0.05)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    scripted_backend.faults.set(render_never_completes=True)
    cancels = count(requests, "/cancel")
    try:
        asyncio.run(run_and_cancel())
    finally:
        scripted_backend.faults.reset()
    assert count(requests, "/cancel") - cancels == 2  # each row's render was cancelled on the server
    lines = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
    assert sorted(line["status"] for line in lines) == ["cancelled", "cancelled"]
    assert all(line["session_id"] and "Interrupted" in line["error"] for line in lines)

    results = nemo_jupyter.batch(rows, concurrency=2, api_url=scripted_backend.url, journal=journal, quality="draft",
                                 settings=FAST, progress=False)
    assert set(results["status"]) == {"ok"}  # the cancelled rows were done again


INTERRUPTED_CHILD = textwrap.dedent(
    """
    import sys
    import nemo_jupyter
    from nemo_jupyter.session import Settings

    url, journal, clip, out = sys.argv[1:5]
    rows = [(clip, f"Row {n}", f"{out}/out{n}.mp4") for n in range(4)]
    try:
        nemo_jupyter.batch(rows, concurrency=2, api_url=url, journal=journal, quality="draft",
                           settings=Settings(render_poll_first_s=0.05, render_poll_max_s=0.2))
    except KeyboardInterrupt:
        print("KeyboardInterrupt", flush=True)
    """
)


def test_ctrl_c_in_a_terminal_batch_cancels_the_renders_and_says_where_the_rows_are(scripted_backend, make_clip,
                                                                                    tmp_path):
    clip, journal = make_clip(1.0), tmp_path / "ctrl_c.jsonl"
    requests = scripted_backend.stats  # read under its lock: the server counts on its own thread
    polled_before = polled(requests)


    cancels = count(requests, "/cancel")
    scripted_backend.faults.set(render_never_completes=True)
    child = subprocess.Popen([sys.executable, "-c", INTERRUPTED_CHILD, scripted_backend.url, str(journal), str(clip),
                              str(tmp_path)], stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        deadline = time.monotonic() + 60
        while len(polled(requests) - polled_before) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        child.send_signal(signal.SIGINT)
        out, _ = child.communicate(timeout=60)
    finally:
        scripted_backend.faults.reset()
        if child.poll() is None:
            child.kill()
            child.wait()
    assert count(requests, "/cancel") - cancels == 2
    assert [line["status"] for line in Journal(journal).read().values()] == ["cancelled", "cancelled"]
    lines = out.splitlines()
    assert lines[-1] == "KeyboardInterrupt" and "Traceback" not in out
    assert f"Interrupted: the rows in flight were cancelled; the journal {journal} keeps the finished ones." in lines
    assert lines[-2].startswith("Batch: 0/4 done, 0 failed (2 cancelled)")

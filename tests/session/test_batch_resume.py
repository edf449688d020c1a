"""Kill a batch process (SIGKILL) halfway, rerun it with its journal: exactly one /run_sse POST per row."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import nemo_jupyter
from nemo_jupyter.batches import Journal

ROWS = 8
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

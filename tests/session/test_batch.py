"""batch(): one session per row on the async client, bounded concurrency, failures kept per row."""

from __future__ import annotations

import pandas as pd
import pytest

import nemo_jupyter
from nemo_jupyter.batches import read_rows
from nemo_jupyter.session import Settings


def test_batch_runs_every_row_and_keeps_failures(scripted_backend, make_clip, tmp_path, capsys):
    clip = make_clip(1.0)
    rows = pd.DataFrame({
        "clip": [str(clip), str(clip), "/no/such/clip.mp4"],
        "instruction": ["One", "Two", "Three"],
        "output": [str(tmp_path / "one.mp4"), None, None],
    })
    before = scripted_backend.stats.run_sse_posts
    results = nemo_jupyter.batch(rows, concurrency=2, api_url=scripted_backend.url, quality="draft",
                                 settings=Settings(render_poll_first_s=0.05, render_poll_max_s=0.2))
    assert list(results["status"]) == ["ok", "ok", "failed"]
    assert results.loc[0, "output"] == str(tmp_path / "one.mp4") and (tmp_path / "one.mp4").stat().st_size > 1000
    assert results.loc[1, "reply"] == "Added the title Two." and results.loc[1, "changes"] == 1
    assert "/no/such/clip.mp4" in results.loc[2, "error"]
    assert results["session_id"].nunique() == 3
    assert scripted_backend.stats.run_sse_posts - before == 2  # the failed upload never reached the agent
    out = capsys.readouterr().out
    assert "3/3 done, 1 failed" in out and "nmv_usr_" not in out


def test_rows_from_tuples_dicts_and_bad_rows():
    assert read_rows([("a.mp4", "trim scene 1 to 2s")])[0].instruction == "trim scene 1 to 2s"
    assert read_rows([{"path": "a.mp4", "instruction": "x", "out": "o.mp4"}])[0].output == "o.mp4"
    with pytest.raises(ValueError, match="Row 1"):
        read_rows([{"clip": "a.mp4"}])


def test_batch_reads_an_iterator_of_rows_once(scripted_backend, make_clip):
    clip = make_clip(1.0)
    rows = ((str(clip), word) for word in ["One", "Two"])  # a generator can be read only once
    results = nemo_jupyter.batch(rows, api_url=scripted_backend.url, progress=False)
    assert list(results["instruction"]) == ["One", "Two"] and list(results["status"]) == ["ok", "ok"]


def test_rows_already_read_pass_through():
    row = read_rows([("a.mp4", "trim scene 1 to 2s", "o.mp4")])[0]
    assert read_rows([row]) == [row]

"""What a running batch shows: the notebook's live table and the terminal's lines (no server needed)."""

from __future__ import annotations

import io

from nemo_jupyter.batches import BatchRow
from nemo_jupyter.batches.view import BatchView


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def ok(clip: str, reply: str, output: str | None = None) -> dict:
    return {"clip": clip, "instruction": "x", "status": "ok", "reply": reply, "output": output}


def test_the_notebook_table_shows_rows_in_flight_the_latest_finished_and_an_eta(tmp_path):
    clock = Clock()
    view = BatchView(10, notebook=False, out=io.StringIO(), clock=clock)  # markup() only: no display in a test
    view.running[3] = BatchRow("/clips/c.mp4", ("fade in", 'add title "<b>"'))
    view.done(1, ok("/clips/a.mp4", "Done: a.\nMore words", str(tmp_path / "a_edited.mp4")))
    view.done(2, {"clip": "/clips/b.mp4", "instruction": "y", "status": "failed", "error": "No such file: b.mp4"})
    view.done(4, ok("/clips/journaled.mp4", "from before"), journaled=True)
    clock.now += 20
    markup = view.markup()
    assert "3/10 done, 1 failed (1 from the journal), 0:20 elapsed · ETA 1:10" in markup  # 7 rows × 10 s per run row
    assert "<td>running</td><td>c.mp4</td><td>fade in → add title &quot;&lt;b&gt;&quot;</td>" in markup
    assert "<td>Done: a.</td>" in markup and "More words" not in markup  # the reply's first line
    assert "No such file: b.mp4" in markup and 'a_edited.mp4</a>' in markup
    assert "journaled.mp4" not in markup  # journaled rows are counted, not listed


def test_the_terminal_gets_one_line_per_finished_row_and_a_summary():
    out = io.StringIO()
    view = BatchView(3, notebook=False, out=out, clock=Clock())
    view.done(1, ok("/clips/a.mp4", "Done: a.\nsecond line", "out/a.mp4"))
    view.done(2, {"clip": "/clips/b.mp4", "status": "failed", "error": "Out of credits: register."})
    view.done(3, ok("/clips/c.mp4", "old"), journaled=True)
    view.close()
    assert out.getvalue().splitlines() == [
        "[1/3] ok     a.mp4: Done: a. -> out/a.mp4",
        "[2/3] failed b.mp4: Out of credits: register.",
        "Batch: 3/3 done, 1 failed (1 from the journal), 0:00 elapsed",
    ]

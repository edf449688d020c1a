"""Stream views: one Markdown output updated in place (throttled), text fallback, 'Still working…'."""

from __future__ import annotations

import io

from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from nemo_jupyter.client.events import Heartbeat, Text, TextChunk, ToolCall
from nemo_jupyter.draft import Draft
from nemo_jupyter.session import EditResult
from nemo_jupyter.views import STILL_WORKING, MarkdownStreamView, ProgressBar, TextStreamView


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def result() -> EditResult:
    before = Draft({})
    after = Draft({"t": [{"tt": 7, "m": {"name": "Title"}, "sg": [{"id": "a", "st": 0, "d": 1000, "m": {"text": "Hi"}}]}]})
    return EditResult(text="Added the title.", before=before, after=after, changes=before.diff(after),
                      raw_text="Added the title.")


def test_markdown_view_updates_one_output_at_most_ten_times_a_second():
    InteractiveShell.instance()  # display() publishes through the shell
    clock = Clock()
    view = MarkdownStreamView(clock=clock)
    with capture_output() as captured:
        view.start()
        view.event(ToolCall("edit_draft", {"instruction": "x" * 200}))
        for i in range(100):  # 100 chunks in one second
            clock.now += 0.01
            view.event(TextChunk(f"w{i} "))
        view.event(Text("".join(f"w{i} " for i in range(100)), streamed=True))
        view.finish(result())
    outputs = captured.outputs
    assert [o.update for o in outputs] == [False] + [True] * (len(outputs) - 1)  # one output, updated
    assert len({o.transient["display_id"] for o in outputs}) == 1
    assert 3 <= len(outputs) <= 14  # start + ~10 throttled updates + finish
    final = outputs[-1].data["text/markdown"]
    assert "**What changed**" in final and 'Added text "Hi"' in final and 'Title: "Hi"' in final
    middle = outputs[-2].data["text/markdown"]
    assert middle.count("w0 ") == 1 and "`edit_draft · xxx" in middle and "…" in middle


def test_still_working_after_two_minutes_of_heartbeats():
    clock = Clock()
    out = io.StringIO()
    view = TextStreamView(out=out, clock=clock)
    view.event(TextChunk("Working on it. "))
    clock.now += 60
    view.event(Heartbeat(idle_s=60))
    assert STILL_WORKING not in out.getvalue()
    clock.now += 61
    view.event(Heartbeat(idle_s=121))
    view.event(Heartbeat(idle_s=130))
    assert out.getvalue().count(STILL_WORKING) == 1


def test_text_view_prints_chunks_once_then_changes():
    out = io.StringIO()
    view = TextStreamView(out=out)
    view.start()
    view.event(ToolCall("edit_draft", {"instruction": "title"}))
    for chunk in ("Added ", "the ", "title."):
        view.event(TextChunk(chunk))
    view.event(Text("Added the title.", streamed=True))
    view.finish(result())
    text = out.getvalue()
    assert text.count("Added the title.") == 1 and "[edit_draft · title]" in text
    assert text.rstrip().endswith('1. Title: "Hi" (0-1s)') and 'Added text "Hi"' in text


def test_progress_bar_in_a_terminal():
    out = io.StringIO()
    bar = ProgressBar("Rendering", notebook=False, out=out)
    bar.update(50)
    bar.close("done")
    assert "Rendering:  50.0%" in out.getvalue() and out.getvalue().endswith("done\n")


def test_an_edit_result_displays_as_the_live_views_last_frame():
    shown = result()._repr_markdown_()
    assert shown.startswith("Added the title.\n\n**What changed**\n- Added text \"Hi\"")
    assert shown.endswith('`Timeline (1 track): 1. Title: "Hi" (0-1s)`')
    unchanged = EditResult(text="Nothing to do.", before=Draft({}), after=Draft({}), changes=[])
    assert "- no change to the timeline" in unchanged._repr_markdown_()

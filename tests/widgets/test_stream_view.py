from __future__ import annotations

from nemo_jupyter.client.events import Heartbeat, Text, TextChunk, ToolCall
from nemo_jupyter.protocol import STILL_WORKING_AFTER_S
from nemo_jupyter.session import Session
from nemo_jupyter.widgets import StreamView


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_chunks_grow_the_text_and_the_final_repeat_is_not_shown_twice():
    clock = Clock()
    view = StreamView(display=False, clock=clock)
    view.start()
    for piece in ("Mov", "ing scene 3 ", "first. ", "Done."):
        view.event(TextChunk(piece))
    assert view.text == ""  # whole sentences only (GUI-speak is translated); the first update went out at once
    clock.now += 0.05
    view.tick()
    assert view.text == ""
    clock.now += 0.06
    view.tick()
    assert view.text == "Moving scene 3 first."  # the rest at most 10 times a second
    view.event(Text("Moving scene 3 first. Done.", streamed=True))
    view.event(ToolCall("edit_draft", {"instruction": "move scene 3 before scene 1"}))
    clock.now += 1
    view.tick()
    assert view.text == "Moving scene 3 first. Done."
    assert view.tools == ["edit_draft · move scene 3 before scene 1"]  # as the Markdown view shows it
    assert view.status == "working"


def test_still_working_only_after_long_heartbeats():
    clock = Clock()
    view = StreamView(display=False, clock=clock)
    view.start()
    view.event(Heartbeat(idle_s=5))
    assert view.status == "working"
    clock.now += 1
    view.event(Heartbeat(idle_s=STILL_WORKING_AFTER_S + 1))
    assert view.status == "still_working"
    clock.now += 1
    view.event(TextChunk("back"))
    assert view.status == "working"


def test_a_real_edit_ends_with_changes_summary_and_markdown(client, make_clip):
    session = Session(client)
    session.upload(make_clip(1.0), make_clip(1.0, color="red"))
    view = StreamView(display=False)
    view.start()
    result = session.edit("move scene 2 before scene 1", on_event=view.event)
    view.finish(result)
    assert view.status == "done"
    assert view.text.strip() == result.text.strip()
    assert view.changes == [change.description for change in result.changes] and view.changes
    assert view.summary == result.summary
    data, _ = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert result.text.strip() in data["text/markdown"]
    assert view.changes[0] in data["text/markdown"]


def test_a_failure_is_one_line():
    view = StreamView(display=False)
    view.start()
    view.event(TextChunk("Working on it"))
    view.fail("Out of credits: register at http://x/?bind=1\nTraceback …")
    assert (view.status, view.error) == ("error", "Out of credits: register at http://x/?bind=1")
    assert view._repr_mimebundle_()[0]["text/markdown"].endswith("**Out of credits: register at http://x/?bind=1**")


def test_a_failure_keeps_the_sentence_that_was_still_arriving():
    view = StreamView(display=False)
    view.start()
    view.event(TextChunk("I trimmed scene 2. Now adding the ti"))
    view.fail("The reply stream broke off")
    assert view.text.startswith("I trimmed scene 2.") and "Now adding the ti" in view.text


def test_finish_updates_the_displayed_output(monkeypatch):
    published = []
    monkeypatch.setattr("IPython.display.display", lambda data, **kw: published.append(("display", data, kw)))
    monkeypatch.setattr("IPython.display.update_display", lambda data, **kw: published.append(("update", data, kw)))
    view = StreamView()
    view.start()
    view.event(Text("All done."))
    view.finish(type("R", (), {"text": "All done.", "raw_text": "All done.", "changes": [], "summary": "Timeline (0 tracks): empty"})())
    (first, *_, last) = published
    assert (first[0], last[0]) == ("display", "update")
    assert first[2]["display_id"] == last[2]["display_id"]  # the one output is updated in place
    assert last[2]["metadata"] == {"nemo_jupyter": {"static": True}}  # marked for the save hook
    assert "application/vnd.jupyter.widget-view+json" in last[1]
    assert "All done." in last[1]["text/markdown"] and "**What changed**" in last[1]["text/markdown"]
    assert "object at 0x" not in last[1]["text/plain"]

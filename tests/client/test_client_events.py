"""The ADK event parser on the real captures and on odd frames (no network)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nemo_jupyter.client.errors import StreamError, StreamTimeout
from nemo_jupyter.client.events import EventParser, Heartbeat, Text, TextChunk, ToolCall, ToolResult

# Raw streams from a real google-adk 2.x server (copied from ../shared/api/captures).
CAPTURES = Path(__file__).parent / "captures"


def capture(name: str) -> str:
    """A capture's SSE body (an .http capture's status line and headers are cut off)."""
    raw = (CAPTURES / name).read_bytes().decode("utf-8")
    return raw.split("\r\n\r\n", 1)[1] if name.endswith(".http") else raw


def parse(text: str, pieces: int = 1, **options) -> list:
    """Feed `text` in `pieces` slices (to cross frame boundaries) and finish."""
    parser = EventParser(**options)
    size = max(1, len(text) // pieces)
    events = []
    for start in range(0, len(text), size):
        events += parser.feed(text[start : start + size])
    return events + list(parser.finish())


def kinds(events) -> list[str]:
    return [e.kind for e in events]


@pytest.mark.parametrize("pieces", [1, 7, 1000])
def test_streamed_capture_gives_chunks_then_one_streamed_text(pieces):
    events = parse(capture("adk2_tool_then_streamed_text.sse"), pieces)
    assert kinds(events) == ["tool_call", "tool_result", "text_chunk", "text_chunk", "text_chunk", "text"]
    call, result = events[0], events[1]
    assert (call.name, call.args, call.id) == ("edit_draft", {"instruction": "trim the clip"}, "adk-fc-0001")
    assert result.name == "edit_draft" and result.id == "adk-fc-0001"
    assert result.response == {"result": {"status": "ok", "draft_version": 2}}
    assert result.state_delta == {"draft": {"t": 1, "tt": 12000}}
    chunks = "".join(e.text for e in events if isinstance(e, TextChunk))
    assert chunks == "Done, I trimmed the clip."
    assert events[-1] == Text("Done, I trimmed the clip.", streamed=True)


def test_shown_text_appears_once():
    """A view that prints chunks and non-streamed texts prints the reply exactly once."""
    events = parse(capture("adk2_tool_then_streamed_text.sse"), 3)
    shown = "".join(e.text for e in events if e.kind == "text_chunk" or (e.kind == "text" and not e.streamed))
    assert shown == "Done, I trimmed the clip."


def test_nonstreaming_capture_gives_tool_call_result_and_whole_text():
    events = parse(capture("adk2_llm_nonstreaming.sse"))
    assert kinds(events) == ["tool_call", "tool_result", "text"]
    assert events[0] == ToolCall("trim_clip", {"clip_index": 0, "end_ms": 5000}, "adk-cb13ecd4-13fd-447e-ba4e-4491a9aa9c93")
    assert events[1].response == {"status": "ok", "clip_index": 0, "end_ms": 5000}
    assert events[1].state_delta == {"draft": {"t": 1, "tt": 5000}}
    assert events[2] == Text("I trimmed the first clip to 5 seconds.", streamed=False)


def test_error_capture_raises_keeping_the_text_so_far():
    parser = EventParser()
    seen = []
    with pytest.raises(StreamError) as caught:
        for event in parser.feed(capture("adk2_error_midstream.http")):
            seen.append(event)
    assert seen == [Text("working...")]
    assert caught.value.partial_text == "working..."
    assert caught.value.dropped is False  # the agent ended the turn: nothing to wait for
    assert 'RuntimeError: boom "quoted" thing' in str(caught.value)
    assert "\n" not in str(caught.value)


def test_error_after_chunks_keeps_the_unfinished_run():
    text = 'data: {"content":{"parts":[{"text":"Half "}]},"partial":true}\n\n' 'data: {"error": "Boom"}\n\n'
    with pytest.raises(StreamError) as caught:
        parse(text)
    assert caught.value.partial_text == "Half "


def test_comment_lines_and_empty_data_are_heartbeats():
    text = ': ping\n\ndata:\n\n:\n\ndata: {"type": "heartbeat"}\n\n'
    assert kinds(parse(text)) == ["heartbeat"] * 4


def test_data_without_space_and_split_over_lines():
    text = (
        'data:{"content":{"parts":[{"text":"He"}]},\ndata: "partial": true}\n\n'
        'data:{"content":{"parts":[{"text":"Hello"}]}}\n\n'
    )
    events = parse(text)
    assert events == [TextChunk("He"), TextChunk("llo"), Text("Hello", streamed=True)]


def test_crlf_and_cr_line_endings():
    text = 'data: {"content":{"parts":[{"text":"A"}]}}\r\n\r\ndata: {"content":{"parts":[{"text":"B"}]}}\r\r'
    assert parse(text, 30) == [Text("A"), Text("B")]


def test_non_json_and_contentless_frames_are_skipped():
    text = (
        "data: not json\n\n"
        "data: [1, 2]\n\n"
        'data: {"actions": {"stateDelta": {}}, "id": "x"}\n\n'
        'data: {"actions": {}, "error": null, "errorCode": null}\n\n'
        'data: {"content": {"parts": [{"text": "ok", "thought": true}]}}\n\n'
        'data: {"content": {"parts": [{"text": "fine"}]}}\n\n'
    )
    assert parse(text) == [Text("fine")]


def test_type_style_frames():
    text = (
        'data: {"type": "text", "content": "Hel"}\n\n'
        'data: {"type": "text", "content": "lo"}\n\n'
        'data: {"type": "heartbeat"}\n\n'
        'data: {"type": "done"}\n\n'
    )
    events = parse(text)
    assert kinds(events) == ["text_chunk", "text_chunk", "heartbeat", "text"]
    assert events[-1] == Text("Hello", streamed=True)


def test_type_style_error_raises():
    with pytest.raises(StreamError) as caught:
        parse('data: {"type": "text", "content": "so far"}\n\ndata: {"type": "error", "message": "quota"}\n\n')
    assert caught.value.partial_text == "so far" and "quota" in str(caught.value)


def test_adk_error_code_without_content_raises():
    with pytest.raises(StreamError, match="MALFORMED_FUNCTION_CALL"):
        parse('data: {"errorCode": "MALFORMED_FUNCTION_CALL", "errorMessage": "bad call"}\n\n')


def test_stream_ending_after_partials_closes_the_run():
    events = parse('data: {"content":{"parts":[{"text":"only "}]},"partial":true}\n\n'
                   'data: {"content":{"parts":[{"text":"chunks"}]},"partial":true}\n\n')
    assert events[-1] == Text("only chunks", streamed=True)


def test_final_text_longer_than_chunks_gives_the_missing_tail():
    events = parse('data: {"content":{"parts":[{"text":"Done"}]},"partial":true}\n\n'
                   'data: {"content":{"parts":[{"text":"Done, all."}]}}\n\n')
    assert events == [TextChunk("Done"), TextChunk(", all."), Text("Done, all.", streamed=True)]


def test_unterminated_last_frame_is_still_read():
    assert parse('data: {"content":{"parts":[{"text":"last"}]}}') == [Text("last")]


def test_heartbeats_only_past_the_timeout_raise_stream_timeout():
    now = [0.0]
    parser = EventParser(heartbeat_timeout=10.0, clock=lambda: now[0])
    assert list(parser.feed('data: {"content":{"parts":[{"text":"a"}]},"partial":true}\n\n')) == [TextChunk("a")]
    now[0] = 9.0
    (beat,) = parser.feed(": ping\n\n")
    assert isinstance(beat, Heartbeat) and beat.idle_s == 9.0
    now[0] = 10.5
    with pytest.raises(StreamTimeout) as caught:
        list(parser.feed(": ping\n\n"))
    assert caught.value.partial_text == "a"


def test_content_resets_the_heartbeat_clock():
    now = [0.0]
    parser = EventParser(heartbeat_timeout=10.0, clock=lambda: now[0])
    now[0] = 8.0
    assert kinds(parser.feed('data: {"content":{"parts":[{"functionCall":{"name":"x","args":{}}}]}}\n\n')) == ["tool_call"]
    now[0] = 17.0
    assert isinstance(next(parser.feed(":\n\n")), Heartbeat)


def test_tool_result_with_missing_pieces_is_tolerated():
    events = parse('data: {"content":{"parts":[{"functionResponse":{"name":"edit"}}]},"actions":null}\n\n')
    assert events == [ToolResult("edit", None, {}, None)]


@pytest.mark.parametrize("name", ["adk2_tool_then_streamed_text.sse", "adk2_llm_nonstreaming.sse"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_any_split_point_gives_the_same_events(name, newline):
    """Network reads can cut a stream anywhere: every two-piece split parses like the whole."""
    text = capture(name).replace("\n", newline)
    whole = parse(text)
    for cut in range(1, len(text)):
        parser = EventParser()
        events = [*parser.feed(text[:cut]), *parser.feed(text[cut:]), *parser.finish()]
        assert events == whole, f"split at {cut}"

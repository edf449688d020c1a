"""`stream()` over real HTTP: events, no text twice, drops, heartbeats, stalls, never re-sent."""

from __future__ import annotations

import pytest

from nemo_jupyter.client import NemoClient, errors
from nemo_jupyter.client.events import Heartbeat, Text, TextChunk, ToolCall, ToolResult
from nemo_jupyter.local.sse import text_chunks

REPLY_WORDS = "Done: I changed the draft as asked. Anything else?"


def test_stream_yields_tool_call_result_chunks_and_one_streamed_text(scripted_client, scripted_backend, session_id):
    events = list(scripted_client.stream(session_id, "make it blue"))
    kinds = [e.kind for e in events]
    assert kinds[:2] == ["tool_call", "tool_result"] and kinds[-1] == "text"
    assert set(kinds[2:-1]) == {"text_chunk"} and len(kinds[2:-1]) == len(text_chunks(REPLY_WORDS))
    call, result, final = events[0], events[1], events[-1]
    assert isinstance(call, ToolCall) and call.args == {"instruction": "make it blue"}
    assert isinstance(result, ToolResult) and result.id == call.id
    assert result.state_delta["draft"]["m"]["title"] == "make it blue"
    assert "".join(e.text for e in events if isinstance(e, TextChunk)) == REPLY_WORDS
    assert final == Text(REPLY_WORDS, streamed=True)
    assert scripted_client.state(session_id)["state"]["draft"]["m"]["title"] == "make it blue"


def test_streaming_off_gives_only_whole_texts(scripted_backend, session_id):
    with NemoClient(api_url=scripted_backend.url, streaming=False) as plain:
        events = list(plain.stream(session_id, "again"))
    assert [e.kind for e in events] == ["tool_call", "tool_result", "text"]
    assert events[-1] == Text(REPLY_WORDS, streamed=False)


def test_silent_reply_is_fine(scripted_client, scripted_backend, session_id):
    scripted_backend.faults.set(session_id=session_id, silent_share=1.0)
    assert [e.kind for e in scripted_client.stream(session_id, "quietly")] == ["tool_call", "tool_result"]


def test_dropped_stream_raises_with_partial_text_and_is_not_resent(scripted_client, scripted_backend, session_id):
    scripted_backend.faults.set(session_id=session_id, drop_after_events=3)
    before = scripted_backend.stats.run_sse_by_session[session_id]
    seen = []
    with pytest.raises(errors.StreamError) as caught:
        for event in scripted_client.stream(session_id, "cut me off"):
            seen.append(event)
    assert [e.kind for e in seen] == ["tool_call", "tool_result", "text_chunk"]
    assert caught.value.partial_text == seen[-1].text == text_chunks(REPLY_WORDS)[0]
    assert not isinstance(caught.value, errors.StreamTimeout)
    assert caught.value.dropped is True  # the edit may still land: the session polls, never re-sends
    assert "not re-sent" in str(caught.value) and "\n" not in str(caught.value)
    assert scripted_backend.stats.run_sse_by_session[session_id] == before + 1


def test_error_frame_from_the_agent_raises(tmp_path):
    from nemo_jupyter.local import LocalBackend

    def broken_agent(state, text):
        raise RuntimeError("the model is on fire")

    with LocalBackend(data_dir=tmp_path / "b", agent=broken_agent) as be, NemoClient(api_url=be.url) as c:
        session = c.create_session()
        with pytest.raises(errors.StreamError, match="the model is on fire") as caught:
            list(c.stream(session["session_id"], "anything"))
        assert caught.value.partial_text == ""
        assert be.stats.run_sse_posts == 1


def test_heartbeats_are_yielded_then_the_reply(scripted_client, scripted_backend, session_id):
    scripted_backend.faults.set(session_id=session_id, heartbeats_only_s=0.3, heartbeat_s=0.05)
    events = list(scripted_client.stream(session_id, "slowly"))
    beats = [e for e in events if isinstance(e, Heartbeat)]
    assert len(beats) >= 3 and events[-1].kind == "text"
    assert beats[-1].idle_s >= beats[0].idle_s


def test_heartbeats_only_past_the_timeout_raise_stream_timeout(scripted_backend, session_id):
    scripted_backend.faults.set(session_id=session_id, heartbeats_only_s=3.0, heartbeat_s=0.05)
    before = scripted_backend.stats.run_sse_by_session[session_id]
    with NemoClient(api_url=scripted_backend.url, heartbeat_timeout=0.4) as c, pytest.raises(
        errors.StreamTimeout, match="0.4 s"
    ):
        list(c.stream(session_id, "never answers"))
    assert scripted_backend.stats.run_sse_by_session[session_id] == before + 1


def test_a_stall_past_the_read_timeout_raises_stream_timeout(scripted_backend, session_id):
    scripted_backend.faults.set(session_id=session_id, stall_s=2.0)
    with NemoClient(api_url=scripted_backend.url, read_timeout=0.3) as c, pytest.raises(
        errors.StreamTimeout, match=r"0.3 s \(nothing arrived\)"
    ):
        list(c.stream(session_id, "stall"))


def test_a_broken_frame_is_skipped(scripted_client, scripted_backend, session_id):
    scripted_backend.faults.set(session_id=session_id, malformed_json=True, error_paths=["/run_sse"])
    events = list(scripted_client.stream(session_id, "after a broken frame"))
    assert events[-1] == Text(REPLY_WORDS, streamed=True)


def test_stopping_early_closes_the_stream(scripted_client, session_id):
    stream = scripted_client.stream(session_id, "stop early")
    assert next(stream).kind == "tool_call"
    stream.close()
    assert scripted_client.credits()["available"] >= 0  # the connection pool is still usable


def test_long_stream_parses_every_chunk(scripted_client, scripted_backend, session_id):
    scripted_backend.faults.set(session_id=session_id, bench_events=2000)
    events = list(scripted_client.stream(session_id, "bench"))
    chunks = [e for e in events if isinstance(e, TextChunk)]
    assert len(chunks) == 2000 and chunks[1999].text == "w1999 "
    assert events[-1].streamed and events[-1].text == "".join(c.text for c in chunks)


def test_an_instruction_refused_for_an_expired_token_is_sent_again_once(scripted_client, scripted_backend, session_id):
    """1001 comes before the agent runs, so re-sending with a new token applies the edit once."""
    credits = scripted_client.credits()["available"]
    scripted_backend.faults.expire_tokens = True
    events = list(scripted_client.stream(session_id, "after expiry"))
    assert events[-1] == Text(REPLY_WORDS, streamed=True)
    assert scripted_backend.stats.run_sse_by_session[session_id] == 1  # reached the agent once
    assert scripted_client.credits()["available"] == credits - 1  # charged once

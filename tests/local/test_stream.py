"""`/run_sse`: ADK event encoding, the edit applied and charged, errors before and during the stream."""

from __future__ import annotations

import json
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nemo_jupyter import protocol
from nemo_jupyter.local import LocalBackend
from nemo_jupyter.local.sse import text_chunks

from backend_api import Reply, frames, scripted_agent

CAPTURES = Path(__file__).parents[1] / "client" / "captures"  # raw streams of a real ADK 2.x server
EVENT_KEYS = {"content", "invocationId", "author", "actions", "nodeInfo", "id", "timestamp"}
ACTION_KEYS = {"stateDelta", "artifactDelta", "requestedAuthConfigs", "requestedToolConfirmations"}


def _capture_event_keys() -> set[str]:
    """The keys every event of the real ADK capture carries (falls back to the documented ones)."""
    capture = CAPTURES / "adk2_tool_then_streamed_text.sse"
    if not capture.exists():
        return EVENT_KEYS
    events = frames(capture.read_text())
    return set.intersection(*(set(e) - {"usageMetadata", "partial"} for e in events))


def test_a_streamed_edit_is_a_tool_call_its_result_then_partial_chunks_and_the_whole_text(alice):
    session_id = alice.new_session()
    response, raw = alice.run(session_id, "Summer")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert not re.search(r"^(event|id):", raw, re.M), "ADK sends only data: lines"
    events = frames(raw)
    call, result, *texts = events
    assert call["content"]["role"] == "model"
    function_call = call["content"]["parts"][0]["functionCall"]
    assert function_call["name"] == "edit_draft" and function_call["args"] == {"instruction": "Summer"}
    assert result["content"]["role"] == "user" and result["author"] == protocol.APP_NAME
    function_response = result["content"]["parts"][0]["functionResponse"]
    assert function_response["id"] == function_call["id"] and function_response["name"] == "edit_draft"
    assert result["actions"]["stateDelta"]["draft"]["m"]["title"] == "Summer"
    *partials, final = texts
    assert len(partials) >= 2 and all(e.get("partial") is True for e in partials)
    assert "partial" not in final
    assert {e["id"] for e in texts} == {final["id"]}, "partial chunks and their final event share one id"
    whole = "".join(e["content"]["parts"][0]["text"] for e in partials)
    assert final["content"]["parts"][0]["text"] == whole == "Done, the title is now Summer and nothing else changed."
    assert len({e["invocationId"] for e in events}) == 1
    assert len({e["id"] for e in events}) == 3


def test_every_event_has_the_keys_of_a_real_adk_event(alice):
    session_id = alice.new_session()
    required = _capture_event_keys() | EVENT_KEYS
    for streaming in (True, False):
        _, raw = alice.run(session_id, "keys", streaming=streaming)
        for event in frames(raw):
            assert set(event) >= required
            assert set(event["actions"]) == ACTION_KEYS
            assert event["nodeInfo"] == {"path": ""}
            assert isinstance(event["timestamp"], float) and abs(event["timestamp"] - time.time()) < 60
            assert not any("_" in key for key in event), "keys are camelCase"


def test_without_streaming_only_the_whole_text_is_sent(alice):
    session_id = alice.new_session()
    _, raw = alice.run(session_id, "Plain", streaming=False)
    texts = [e for e in frames(raw) if "text" in e["content"]["parts"][0]]
    assert len(texts) == 1 and "partial" not in texts[0]
    assert texts[0]["content"]["parts"][0]["text"].startswith("Done, the title is now Plain")


def test_an_edit_changes_the_state_and_costs_one_credit_a_question_costs_nothing(alice):
    session_id = alice.new_session()
    before = alice.credits()
    alice.run(session_id, "Charged")
    assert alice.state(session_id)["draft"]["m"]["title"] == "Charged"
    assert alice.credits() == before - 1
    _, raw = alice.run(session_id, "ask what is there")
    assert [e["content"]["parts"][0]["text"] for e in frames(raw)][-1] == "You have a draft."
    assert alice.credits() == before - 1


def test_instructions_to_one_session_run_one_at_a_time(alice):
    session_id = alice.new_session()
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda _: alice.run(session_id, "slow count"), range(3)))
    assert alice.state(session_id)["draft"]["m"]["count"] == 3, "no edit was lost to another"


def test_out_of_credits_is_2001_before_the_stream(tmp_path, user_of):
    with LocalBackend(data_dir=tmp_path, credits=1, agent=scripted_agent) as poor:
        api = user_of(poor)
        session_id = api.new_session()
        response, _ = api.run(session_id, "the only edit")
        assert response.status_code == 200 and api.credits() == 0
        response, raw = api.run(session_id, "one more")
        assert response.status_code == 403 and json.loads(raw)["code"] == protocol.CODE_OUT_OF_CREDITS
        assert api.state(session_id)["draft"]["m"]["title"] == "the only edit"


def test_an_unknown_session_is_a_404_like_adk(alice):
    response, raw = alice.run("999999999999", "hello")
    assert response.status_code == 404
    assert json.loads(raw) == {"detail": "Session not found: 999999999999"}


@pytest.mark.parametrize("body", [{}, {"session_id": "1"}, {"session_id": 5, "new_message": {"parts": []}},
                                  {"session_id": "1", "new_message": {"parts": "text"}}, [1, 2]])
def test_a_bad_body_is_422(alice, body):
    answer = alice.http.post(protocol.PATH_RUN_SSE, json=body)
    assert answer.status_code == 422 and isinstance(answer.json()["detail"], list)


def test_an_agent_failure_mid_stream_is_an_error_frame_then_the_end(alice):
    session_id = alice.new_session()
    response, raw = alice.run(session_id, "fail")
    assert response.status_code == 200
    (error,) = frames(raw)
    assert error["error"] == 'RuntimeError: boom "quoted"'
    assert error["error_details"]["error_type"] == "RuntimeError"
    assert error["error_details"]["error_message"] == 'boom "quoted"'
    assert isinstance(error["error_details"]["timestamp"], float)


def test_long_work_sends_heartbeat_comments(alice):
    session_id = alice.new_session()
    alice.faults(heartbeat_s=0.05)
    _, raw = alice.run(session_id, "slow title")
    assert raw.count(": ping\n\n") >= 3
    assert raw.index(": ping") < raw.index("data: ")
    assert frames(raw)[-1]["content"]["parts"][0]["text"].startswith("Done, the title is now slow title")


def test_the_protocol_curl_command_streams_events(scripted, alice):
    session_id = alice.new_session()
    body = json.dumps(alice.run_body(session_id, "from curl", streaming=False))
    out = subprocess.run(
        ["curl", "-sN", "-X", "POST", f"{scripted.url}/run_sse", "-H", f"Authorization: Bearer {alice.token}",
         "-H", "Content-Type: application/json", "-H", "Accept: text/event-stream", "-d", body],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout
    assert frames(out)[-1]["content"]["parts"][0]["text"].startswith("Done, the title is now from curl")


def test_a_dropped_stream_is_cut_without_a_clean_end_but_the_edit_is_applied_once(alice):
    session_id = alice.new_session()
    alice.faults(drop_after_events=3)
    posts_before = alice.stats()["run_sse_posts"]
    received = []
    with pytest.raises(httpx.RemoteProtocolError):
        with alice.http.stream("POST", protocol.PATH_RUN_SSE, json=alice.run_body(session_id, "Dropped")) as response:
            for line in response.iter_lines():
                received.append(line)
    assert len([line for line in received if line.startswith("data: ")]) == 3
    assert alice.state(session_id)["draft"]["m"]["title"] == "Dropped"
    stats = alice.stats()
    assert stats["run_sse_posts"] == posts_before + 1
    assert stats["run_sse_by_session"][session_id] == 1


def test_silent_replies_have_the_tool_events_and_no_text(alice):
    session_id = alice.new_session()
    alice.faults(silent_share=1.0)
    _, raw = alice.run(session_id, "Quiet")
    events = frames(raw)
    assert [list(e["content"]["parts"][0]) for e in events] == [["functionCall"], ["functionResponse"]]
    assert alice.state(session_id)["draft"]["m"]["title"] == "Quiet"


def test_faults_can_be_set_for_one_session_only(alice):
    quiet, loud = alice.new_session(), alice.new_session()
    alice.faults(session_id=quiet, silent_share=1.0)
    assert len(frames(alice.run(quiet, "a")[1])) == 2
    assert len(frames(alice.run(loud, "b")[1])) > 2


def test_event_delay_spaces_the_events(alice):
    session_id = alice.new_session()
    alice.faults(event_delay_s=0.1)
    started = time.monotonic()
    _, raw = alice.run(session_id, "ask slowly")
    assert time.monotonic() - started >= 0.1 * len(frames(raw)) * 0.9


def test_a_stall_sends_headers_then_nothing(alice):
    session_id = alice.new_session()
    alice.faults(stall_s=1.5)
    with pytest.raises(httpx.ReadTimeout):
        alice.run(session_id, "ask", timeout=0.5)


def test_heartbeats_only_for_a_while_then_the_reply(alice):
    session_id = alice.new_session()
    alice.faults(heartbeats_only_s=0.3, heartbeat_s=0.05)
    _, raw = alice.run(session_id, "ask")
    head = raw[: raw.index("data: ")]
    assert head.count(": ping\n\n") >= 4 and head.replace(": ping\n\n", "") == ""
    assert frames(raw)[-1]["content"]["parts"][0]["text"] == "You have a draft."


def test_a_malformed_frame_is_sent_once_and_the_stream_goes_on(alice):
    session_id = alice.new_session()
    alice.faults(malformed_json=True, error_paths=[protocol.PATH_RUN_SSE], error_times=1)
    _, raw = alice.run(session_id, "ask")
    data_lines = [line for line in raw.split("\n") if line.startswith("data: ")]
    with pytest.raises(json.JSONDecodeError):
        json.loads(data_lines[0][len("data: "):])
    assert json.loads(data_lines[-1][len("data: "):])["content"]["parts"][0]["text"] == "You have a draft."
    _, again = alice.run(session_id, "ask")
    assert all(json.loads(line[len("data: "):]) for line in again.split("\n") if line.startswith("data: "))


def test_bench_events_streams_many_chunks_without_the_agent(alice):
    session_id = alice.new_session()
    before = alice.credits()
    alice.faults(bench_events=2000)
    _, raw = alice.run(session_id, "anything")
    events = frames(raw)
    assert len(events) == 2001 and all(e.get("partial") for e in events[:-1])
    assert events[-1]["content"]["parts"][0]["text"] == "".join(e["content"]["parts"][0]["text"] for e in events[:-1])
    assert alice.credits() == before and alice.state(session_id)["draft"]["m"]["title"] == "project"


def test_the_default_agent_edits_through_the_stream(backend, user_of, clip, make_clip):
    """The backend with its own rule-based agent (not the scripted one)."""
    api = user_of(backend)
    session_id = api.new_session()
    api.upload(session_id, clip, make_clip(2.0, (320, 240)), names=["one.mp4", "two.mp4"])
    before = api.credits()
    response, raw = api.run(session_id, "reorder scenes 2,1")
    assert response.status_code == 200
    events = frames(raw)
    assert events[0]["content"]["parts"][0]["functionCall"]["name"]
    assert "draft" in events[1]["actions"]["stateDelta"]
    assert events[-1]["content"]["parts"][0]["text"] and "partial" not in events[-1]
    names = [s["m"]["name"] for s in api.state(session_id)["draft"]["t"][0]["sg"]]
    assert names == ["two.mp4", "one.mp4"]
    assert api.credits() == before - 1


def test_keep_alive_answers_do_not_wait_for_a_delayed_ack(alice):
    """Headers and body are written apart: without TCP_NODELAY each answer on a kept-alive
    connection waited ~40 ms for the client's delayed ACK."""
    alice.http.get(protocol.PATH_CREDITS)
    timings = []
    for _ in range(15):
        started = time.perf_counter()
        alice.http.get(protocol.PATH_CREDITS)
        timings.append(time.perf_counter() - started)
    assert sorted(timings)[len(timings) // 2] < 0.03, timings


@given(st.text())
def test_text_chunks_join_back_to_the_text(text):
    chunks = text_chunks(text)
    assert "".join(chunks) == text
    assert all(chunks) or text == ""


def test_the_agents_undo_memory_stays_on_the_server(backend, make_clip):
    """Undo works, yet neither the state answer nor the stream's stateDelta carries the history."""
    from nemo_jupyter.client import NemoClient

    with NemoClient(api_url=backend.url) as c:
        sid = c.create_session()["session_id"]
        c.upload(sid, make_clip(1.0), make_clip(2.0))
        deltas = [e.state_delta for e in c.stream(sid, "reorder scenes 2,1") if e.kind == "tool_result"]
        assert deltas and "draft" in deltas[0] and not {"undo_stack", "redo_stack"} & set(deltas[0])
        state = c.state(sid)["state"]
        assert not {"undo_stack", "redo_stack"} & set(state)
        order = [s["d"] for s in state["draft"]["t"][0]["sg"]]
        list(c.stream(sid, "undo"))
        assert [s["d"] for s in c.state(sid)["state"]["draft"]["t"][0]["sg"]] == order[::-1]


def test_an_edit_that_cannot_be_stored_is_not_charged(start_backend, user_of):
    """Charging and storing an edit is one transaction: a delta the store refuses takes no credit."""
    unstorable = Reply("edit_draft", {}, {"draft": {"t": [], "bad": {1, 2}}}, "Done.", charge=True)  # a set: not JSON
    with start_backend("unstorable", agent=lambda state, text: unstorable) as running:
        api = user_of(running)
        session_id = api.new_session()
        before = api.credits()
        response, raw = api.run(session_id, "anything")
        assert response.status_code == 200
        assert "error" in frames(raw)[-1]
        assert api.credits() == before
        assert api.state(session_id)["draft"]["t"] == []

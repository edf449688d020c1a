"""Property-based tests of what the client reads from the network: the SSE event parser and the state.

tests/client already checks every two-piece split of the real captures and tests/session fuzzes
`Draft(raw)`; here: arbitrary bytes and arbitrary JSON frames never escape as anything but a
`StreamError`, a generated valid stream cut into any number of pieces gives the same events as
whole, and a whole state answer of any shape gives a draft and a DataFrame with the documented columns.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nemo_jupyter.client.errors import StreamError
from nemo_jupyter.client.events import (
    EventParser,
    Heartbeat,
    Text,
    TextChunk,
    ToolCall,
    ToolResult,
)
from nemo_jupyter.draft import COLUMNS, Draft

EVENT_TYPES = (TextChunk, Text, ToolCall, ToolResult, Heartbeat)
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse(pieces: list[str]) -> tuple[list, StreamError | None]:
    """Feed the pieces one by one; the events up to the end or the error, and the error."""
    parser, events = EventParser(), []
    try:
        for piece in pieces:
            events.extend(parser.feed(piece))
        events.extend(parser.finish())
    except StreamError as error:
        return events, error
    return events, None


def split(text: str, cuts: list[int]) -> list[str]:
    points = sorted({min(max(c, 0), len(text)) for c in cuts})
    return [text[a:b] for a, b in zip([0, *points], [*points, len(text)])]


# --- arbitrary input: never anything but events or a StreamError ------------------------------

@FUZZ
@given(st.binary(max_size=3000), st.lists(st.integers(0, 3000), max_size=12))
def test_arbitrary_bytes_give_events_or_a_stream_error(data, cuts):
    text = data.decode("utf-8", errors="replace")  # what httpx's iter_text hands the parser
    events, _ = parse(split(text, cuts))
    assert all(isinstance(event, EVENT_TYPES) for event in events)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["content", "parts", "text", "partial", "functionCall", "functionResponse", "name",
                         "args", "response", "actions", "stateDelta", "error", "errorCode", "errorMessage",
                         "type", "id", "role", "thought", "x"]) | st.text(max_size=4), inner, max_size=5),
    max_leaves=25)


@FUZZ
@given(st.lists(json_values, max_size=8))
def test_arbitrary_json_frames_give_events_or_a_stream_error(frames):
    text = "".join(f"data: {json.dumps(frame)}\n\n" for frame in frames)
    events, error = parse([text])
    assert all(isinstance(event, EVENT_TYPES) for event in events)
    if error is not None:
        assert "\n" not in str(error) and str(error)


# --- valid streams: any chunking, the same events -----------------------------------------------

words = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12)


@st.composite
def adk_streams(draw) -> str:
    """A valid stream as a server might send it: heartbeats, tool calls and results, partial chunks and
    their whole text, `type` frames, with LF or CRLF lines and `data:` with or without the space."""
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    space = draw(st.sampled_from(["", " "]))
    frames: list[str] = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["ping", "empty", "tool", "result", "text", "typed"]))
        if kind == "ping":
            frames.append(": ping" + newline)
            continue
        if kind == "empty":
            obj = ""
        elif kind == "tool":
            obj = {"content": {"role": "model", "parts": [{"functionCall": {"id": draw(words), "name": "edit_draft",
                                                                            "args": {"instruction": draw(words)}}}]}}
        elif kind == "result":
            obj = {"content": {"role": "user", "parts": [{"functionResponse": {"name": "edit_draft",
                                                                               "response": {"ok": True}}}]},
                   "actions": {"stateDelta": {"draft": {"d": draw(st.integers(0, 10**6))}}}}
        elif kind == "typed":
            obj = {"type": "text", "content": draw(words)}
        else:
            chunks = draw(st.lists(words, min_size=1, max_size=4))
            for chunk in chunks:
                frames.append(f"data:{space}{json.dumps({'partial': True, 'content': {'parts': [{'text': chunk}]}})}"
                              + newline * 2)
            obj = {"content": {"role": "model", "parts": [{"text": "".join(chunks)}]}}
        frames.append(f"data:{space}{json.dumps(obj) if obj != '' else ''}" + newline * 2)
    return "".join(frames)


@FUZZ
@given(adk_streams(), st.lists(st.integers(0, 4000), max_size=20))
def test_any_chunking_of_a_valid_stream_gives_the_same_events(stream, cuts):
    whole, error = parse([stream])
    assert error is None
    pieces = split(stream, cuts)
    assert "".join(pieces) == stream
    chunked, error = parse(pieces)
    assert error is None
    assert without_heartbeats(chunked) == without_heartbeats(whole)
    assert sum(isinstance(e, Heartbeat) for e in chunked) == sum(isinstance(e, Heartbeat) for e in whole)


def without_heartbeats(events: list) -> list:
    """Heartbeats carry `idle_s`, a clock reading: compared by count only."""
    return [event for event in events if not isinstance(event, Heartbeat)]


# --- the state answer, whatever its shape -------------------------------------------------------

state_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**9, 10**9) | st.sampled_from([10**400, -10**400])  # past a float
    | st.floats() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["draft", "t", "tt", "sg", "st", "d", "in", "m", "id", "src", "name", "text", "volume",
                         "video_infos", "canvas_config", "state"]), inner, max_size=5),
    max_leaves=30)


@FUZZ
@given(state_values)
def test_any_state_gives_a_draft_with_the_documented_columns(state):
    draft = Draft.from_state(state)
    frame = draft.to_dataframe()
    assert list(frame.columns[: len(COLUMNS)]) == COLUMNS
    assert draft.summary().startswith("Timeline (")
    assert isinstance(draft.has_segments, bool)

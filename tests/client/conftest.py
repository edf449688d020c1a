"""Fixtures of the client tests: a local backend whose agent is scripted, so that the tests of the
wire (events, drops, timeouts) do not depend on the rule-based agent's grammar."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

REPLY = "Done: I changed the draft as asked. Anything else?"


@dataclass
class ScriptedReply:
    tool_name: str
    tool_args: dict
    state_delta: dict = field(default_factory=dict)
    text: str = REPLY
    charge: bool = True


def scripted_agent(state: dict, text: str) -> ScriptedReply:
    """Echo the instruction as a tool call; rename the draft's title so the change is visible."""
    draft = dict(state.get("draft") or {"d": 0, "m": {}, "t": []})
    draft["m"] = {**(draft.get("m") or {}), "title": text}
    return ScriptedReply("edit_draft", {"instruction": text}, {"draft": draft})


@pytest.fixture(scope="session")
def scripted_backend(start_backend):
    with start_backend("scripted", agent=scripted_agent) as running:
        yield running


@pytest.fixture
def session_id(scripted_client) -> str:
    return scripted_client.create_session()["session_id"]


def _requests_to(backend, method: str, path_prefix: str) -> int:
    counts = backend.stats.to_dict()["requests"]
    return sum(n for key, n in counts.items() if key.startswith(f"{method} {path_prefix}"))


@pytest.fixture
def requests_to():
    """requests_to(backend, "GET", path_prefix) -> how many such requests the backend has seen."""
    return _requests_to

"""A local backend whose agent is scripted, so that session rules are tested without a grammar.

The agent adds one title segment per instruction (its text is the instruction) and answers with
`REPLIES.get(instruction, "Added the title <instruction>.")`; "no change" changes nothing.
Everything else is the real backend over real HTTP.
"""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest

REPLIES = {
    "gui": "Done! Click the Export button, then check your account.",
    "flaky": "Added the title. I encountered a temporary issue, please retry.",
}


def scripted_agent(state: dict, text: str) -> SimpleNamespace:
    draft = copy.deepcopy(state.get("draft") or {"d": 0, "m": {}, "t": []})
    if text != "no change":
        titles = next((t for t in draft.setdefault("t", []) if t.get("tt") == 7), None)
        if titles is None:
            titles = {"id": "trk_titles", "tt": 7, "m": {"name": "Title"}, "sg": []}
            draft["t"].append(titles)
        number = len(titles["sg"])
        titles["sg"].append({"id": f"seg_t{number}", "st": number * 1000, "d": 1000, "m": {"text": text}})
    return SimpleNamespace(tool_name="edit_draft", tool_args={"instruction": text}, state_delta={"draft": draft},
                           text=REPLIES.get(text, f"Added the title {text}."), charge=True)


@pytest.fixture(scope="session")
def scripted_backend(start_backend):
    with start_backend("scripted", agent=scripted_agent) as running:
        yield running


@pytest.fixture
def fast():
    """Session timings for tests: recovery and render polls in tens of milliseconds."""
    return dict(recovery_first_s=0.05, recovery_every_s=0.05, recovery_polls=3, render_poll_first_s=0.05,
                render_poll_max_s=0.2)

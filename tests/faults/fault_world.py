"""The fault matrix's world: timings, a title-adding agent, and a backend that can go down and come back
on the same port and data dir (for "connection refused"). `MATRIX` collects each cell's outcome."""

from __future__ import annotations

import copy
from types import SimpleNamespace

from nemo_jupyter.local import LocalBackend

# Timings: short, but long enough for a loaded 2-core machine to answer a healthy call in time.
TIMEOUT_S = 1.5  # an ordinary API answer
STREAM_TIMEOUT_S = 1.0  # no byte / heartbeats only on a reply stream
STALL_S = 2.5  # an injected stall, longer than both
FAST = {"recovery_first_s": 0.05, "recovery_every_s": 0.05, "recovery_polls": 3, "render_poll_first_s": 0.05,
        "render_poll_max_s": 0.2, "render_timeout_s": 1.0}

MATRIX: dict[tuple[str, str, str], str] = {}  # (face, fault, operation) -> outcome


def title_agent(state: dict, text: str) -> SimpleNamespace:
    """Adds one title segment per instruction (its text is the instruction), 1 credit each."""
    draft = copy.deepcopy(state.get("draft") or {"d": 0, "m": {}, "t": []})
    titles = next((t for t in draft.setdefault("t", []) if t.get("tt") == 7), None)
    if titles is None:
        titles = {"id": "trk_titles", "tt": 7, "m": {"name": "Title"}, "sg": []}
        draft["t"].append(titles)
    number = len(titles["sg"])
    titles["sg"].append({"id": f"seg_t{number}", "st": 0, "d": 500, "m": {"text": text, "style": "caption"}})
    return SimpleNamespace(tool_name="edit_draft", tool_args={"instruction": text}, state_delta={"draft": draft},
                           text=f"Added the title {text}.", charge=True)


class World:
    """A local backend that can go down and come back on the same port and data dir."""

    def __init__(self, data_dir) -> None:
        self.data_dir = data_dir
        self.port = 0
        self.backend: LocalBackend | None = None

    def up(self) -> LocalBackend:
        self.backend = LocalBackend(self.data_dir, port=self.port, credits=100_000, agent=title_agent).start()
        self.port = self.backend.port
        return self.backend

    def down(self) -> None:
        if self.backend is not None:
            self.backend.stop()
            self.backend = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

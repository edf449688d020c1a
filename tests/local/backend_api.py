"""Helpers for the local backend's tests: a thin httpx caller (`Api`), SSE `frames`, and a scripted agent.

The scripted agent stands in for the rule-based one (tested on its own) so that these tests pin the
backend's side of the contract: how a reply becomes ADK events, state, credits.
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from dataclasses import dataclass, field

import httpx
from nemo_jupyter import protocol

SMALL_CANVAS = {"width": 320, "height": 240, "fps": 15}


@dataclass
class Reply:
    tool_name: str | None
    tool_args: dict = field(default_factory=dict)
    state_delta: dict = field(default_factory=dict)
    text: str = ""
    charge: bool = True


def scripted_agent(state: dict, text: str) -> Reply:
    """`fail` raises; `slow …` takes 0.4 s; `canvas small` sets a small canvas (free);
    `ask …` answers without editing; `… count` adds 1 to the draft's `m.count`;
    anything else sets the draft's title to the text (1 credit)."""
    if text == "fail":
        raise RuntimeError('boom "quoted"')
    if text.startswith("slow"):
        time.sleep(0.4)
    if text == "canvas small":
        return Reply("set_canvas", {}, {"canvas_config": dict(SMALL_CANVAS)}, "Canvas set.", charge=False)
    if text.startswith("ask"):
        return Reply(None, text="You have a draft.", charge=False)
    draft = copy.deepcopy(state["draft"])
    if text.endswith("count"):
        draft.setdefault("m", {})["count"] = draft["m"].get("count", 0) + 1
        return Reply("count", {}, {"draft": draft}, "Counted.")
    draft.setdefault("m", {})["title"] = text
    return Reply("edit_draft", {"instruction": text}, {"draft": draft}, f"Done, the title is now {text} and nothing else changed.")


class Api:
    """One user of a backend: an httpx client with that user's token and the attribution headers."""

    def __init__(self, url: str, client_id: str | None = None) -> None:
        self.url = url
        self.client_id = client_id or str(uuid.uuid4())
        self.http = httpx.Client(base_url=url, timeout=30)
        answer = self.http.post(protocol.PATH_ANON_TOKEN, headers={protocol.HEADER_CLIENT_ID: self.client_id})
        answer.raise_for_status()
        self.token = answer.json()["data"]["token"]
        self.http.headers.update({
            "Authorization": f"Bearer {self.token}",
            protocol.HEADER_SKILL_SOURCE: protocol.SKILL_SOURCE,
            protocol.HEADER_SKILL_VERSION: "test",
            protocol.HEADER_SKILL_PLATFORM: "pytest",
        })

    def close(self) -> None:
        self.http.close()

    def data(self, response: httpx.Response):
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["code"] == 0, body
        return body["data"]

    def new_session(self) -> str:
        return self.data(self.http.post(protocol.PATH_CREATE_SESSION, json={"task_name": "project", "language": "en"}))["session_id"]

    def state(self, session_id: str) -> dict:
        return self.data(self.http.get(protocol.PATH_STATE.format(session_id=session_id)))["state"]

    def upload(self, session_id: str, *paths, names=None) -> httpx.Response:
        names = names or [p.name for p in paths]
        files = [(protocol.UPLOAD_FIELD, (name, p.read_bytes(), "application/octet-stream")) for name, p in zip(names, paths)]
        return self.http.post(protocol.PATH_UPLOAD.format(session_id=session_id), files=files)

    def run_body(self, session_id: str, text: str, streaming: bool = True) -> dict:
        body = {"app_name": protocol.APP_NAME, "user_id": protocol.USER_ID, "session_id": session_id,
                "new_message": {"parts": [{"text": text}]}}
        if streaming:
            body["streaming"] = True
        return body

    def run(self, session_id: str, text: str, streaming: bool = True, timeout: float = 30) -> tuple[httpx.Response, str]:
        """POST /run_sse; the response and its whole raw body."""
        with self.http.stream("POST", protocol.PATH_RUN_SSE, json=self.run_body(session_id, text, streaming),
                              headers={"Accept": "text/event-stream"}, timeout=timeout) as response:
            return response, response.read().decode()

    def credits(self) -> int:
        return self.data(self.http.get(protocol.PATH_CREDITS))["available"]

    def faults(self, **values) -> dict:
        return self.data(self.http.post("/_local/faults", json=values))

    def stats(self) -> dict:
        return self.data(self.http.get("/_local/stats"))


def frames(raw: str) -> list[dict]:
    """The JSON payloads of a raw SSE body (comment lines skipped)."""
    return [json.loads(line[len("data: "):]) for line in raw.split("\n") if line.startswith("data: ")]

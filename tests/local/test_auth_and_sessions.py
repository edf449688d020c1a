"""Tokens, sessions, credits, claim links: the backend's own rules, over real HTTP."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import time

import httpx
import pytest

from nemo_jupyter import protocol
from nemo_jupyter.local import LocalBackend

SID = "1234567890123456789"
PROTECTED = [
    ("POST", protocol.PATH_CREATE_SESSION),
    ("POST", protocol.PATH_CLAIM_TOKEN),
    ("POST", protocol.PATH_RUN_SSE),
    ("POST", protocol.PATH_UPLOAD.format(session_id=SID)),
    ("GET", protocol.PATH_CREDITS),
    ("GET", protocol.PATH_STATE.format(session_id=SID)),
    ("POST", protocol.PATH_RENDER),
    ("GET", protocol.PATH_RENDER_STATUS.format(render_id="render_1")),
    ("POST", protocol.PATH_RENDER_CANCEL.format(render_id="render_1")),
    ("GET", protocol.PATH_RENDER_DOWNLOAD.format(render_id="render_1")),
    ("GET", "/_local/faults"),
    ("GET", "/_local/stats"),
]


def test_the_curl_command_of_the_protocol_gets_a_token(backend):
    assert shutil.which("curl"), "curl is needed to replay PROTOCOL.md's commands"
    out = subprocess.run(
        ["curl", "-s", "-X", "POST", "-H", "X-Client-Id: 3f1c2a4e-curl", f"{backend.url}/api/auth/anonymous-token"],
        capture_output=True, text=True, check=True,
    ).stdout
    body = json.loads(out)
    assert body["code"] == 0
    assert body["data"]["token"].startswith(protocol.TOKEN_PREFIX)
    assert body["data"]["credits"] == 100
    assert body["data"]["expires_in"] > 6 * 86400


def test_a_token_needs_a_client_id(backend):
    answer = httpx.post(backend.url + protocol.PATH_ANON_TOKEN)
    assert answer.status_code == 400
    assert "code" not in answer.json() and protocol.HEADER_CLIENT_ID in answer.json()["message"]


@pytest.mark.parametrize("method,path", PROTECTED)
@pytest.mark.parametrize("authorization", [None, "Bearer nmv_usr_not-a-real-token", "Basic abc", "Bearer"])
def test_every_route_but_the_token_needs_a_valid_bearer(backend, method, path, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    answer = httpx.request(method, backend.url + path, headers=headers, json={})
    assert answer.status_code == 401
    assert answer.json()["code"] == protocol.CODE_TOKEN_INVALID


def test_a_session_has_a_numeric_id_and_an_empty_draft(alice):
    created = alice.data(alice.http.post(protocol.PATH_CREATE_SESSION, json={"task_name": "trip", "language": "fr"}))
    assert created["session_id"].isdigit() and created["task_id"].startswith("task_")
    answer = alice.data(alice.http.get(protocol.PATH_STATE.format(session_id=created["session_id"])))
    assert answer["session_id"] == created["session_id"] and answer["task_id"] == created["task_id"]
    assert answer["task_name"] == "trip"
    state = answer["state"]
    assert set(state) >= {"draft", "video_infos", "canvas_config", "video_analyses", "generated_media"}
    assert state["draft"]["t"] == [] and state["video_infos"] == [] and state["video_analyses"] == {}
    assert state["canvas_config"] == {"width": 1920, "height": 1080, "fps": 30}


def test_a_session_without_a_body_uses_the_defaults(alice):
    answer = alice.http.post(protocol.PATH_CREATE_SESSION)
    assert alice.data(answer)["session_id"].isdigit()


def test_a_bad_session_body_is_422(alice):
    answer = alice.http.post(protocol.PATH_CREATE_SESSION, content=b"{not json", headers={"Content-Type": "application/json"})
    assert answer.status_code == 422
    assert alice.http.post(protocol.PATH_CREATE_SESSION, json={"task_name": 5}).status_code == 422


def test_an_unknown_session_is_1002(alice):
    answer = alice.http.get(protocol.PATH_STATE.format(session_id=SID))
    assert answer.status_code == 404 and answer.json()["code"] == protocol.CODE_SESSION_NOT_FOUND


def test_credits_and_claim_link(alice):
    assert alice.data(alice.http.get(protocol.PATH_CREDITS)) == {"available": 100, "frozen": 0, "total": 100}
    created = alice.data(alice.http.post(protocol.PATH_CREATE_SESSION, json={}))
    claim = alice.data(alice.http.post(protocol.PATH_CLAIM_TOKEN, json=created))
    assert claim["claim_token"].startswith(protocol.CLAIM_PREFIX) and claim["expires_in"] == 604800
    assert alice.token not in claim["claim_token"]
    wrong_task = alice.http.post(protocol.PATH_CLAIM_TOKEN, json={**created, "task_id": "task_other"})
    assert wrong_task.json()["code"] == protocol.CODE_SESSION_NOT_FOUND


def test_the_same_client_id_is_the_same_user(scripted, user_of):
    first = user_of(scripted, "same-client")
    session_id = first.new_session()
    first.run(session_id, "a title")
    second = user_of(scripted, "same-client")
    assert second.token != first.token
    assert second.state(session_id)["draft"]["m"]["title"] == "a title"
    assert second.credits() == first.credits() == 99


def test_one_user_cannot_reach_another_users_session(scripted, user_of, clip):
    owner, other = user_of(scripted), user_of(scripted)
    session_id = owner.new_session()
    assert owner.upload(session_id, clip).status_code == 200
    draft = owner.state(session_id)["draft"]
    owner.faults(session_id=session_id, render_never_completes=True)  # a job to look at, no CPU spent
    render = owner.http.post(protocol.PATH_RENDER, json={"id": "render_owned", "sessionId": session_id, "draft": draft}).json()
    refusals = [
        other.http.get(protocol.PATH_STATE.format(session_id=session_id)),
        other.upload(session_id, clip),
        other.http.post(protocol.PATH_CLAIM_TOKEN, json={"session_id": session_id}),
        other.http.post(protocol.PATH_RENDER, json={"id": "render_theirs", "sessionId": session_id, "draft": draft}),
    ]
    for answer in refusals:
        assert answer.status_code == 404 and answer.json()["code"] == protocol.CODE_SESSION_NOT_FOUND
    response, _ = other.run(session_id, "steal")
    assert response.status_code == 404
    for path in (protocol.PATH_RENDER_STATUS, protocol.PATH_RENDER_DOWNLOAD):
        assert other.http.get(path.format(render_id=render["id"])).status_code == 404
    assert other.http.post(protocol.PATH_RENDER_CANCEL.format(render_id=render["id"])).status_code == 404
    # their own session cannot point at the owner's media either
    own = other.new_session()
    stolen = other.http.post(protocol.PATH_RENDER, json={"id": "render_stolen", "sessionId": own, "draft": draft})
    assert stolen.status_code == 422 and "does not have" in stolen.json()["message"]
    assert owner.state(session_id)["draft"]["m"]["title"] == "project"
    owner.http.post(protocol.PATH_RENDER_CANCEL.format(render_id=render["id"]))


def test_tokens_expire(tmp_path, user_of):
    with LocalBackend(data_dir=tmp_path, token_ttl_s=0.5) as short:
        api = user_of(short)
        assert api.http.get(protocol.PATH_CREDITS).status_code == 200
        time.sleep(0.7)
        expired = api.http.get(protocol.PATH_CREDITS)
        assert expired.status_code == 401 and expired.json()["code"] == protocol.CODE_TOKEN_INVALID


def test_tokens_are_stored_only_as_hashes(scripted, alice):
    session_id = alice.new_session()
    claim = alice.data(alice.http.post(protocol.PATH_CLAIM_TOKEN, json={"session_id": session_id}))["claim_token"]
    database = scripted.data_dir / "nemo.sqlite3"
    with sqlite3.connect(database) as db:
        dump = "\n".join(db.iterdump())
    for secret in (alice.token, claim):
        assert secret not in dump
        for path in scripted.data_dir.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes()


def test_state_survives_a_restart(tmp_path, clip, user_of):
    with LocalBackend(data_dir=tmp_path) as first:
        api = user_of(first, "restart-client")
        session_id = api.new_session()
        api.upload(session_id, clip)
        api.http.post(protocol.PATH_CLAIM_TOKEN, json={"session_id": session_id})
        before, credits, token = api.state(session_id), api.credits(), api.token
    with LocalBackend(data_dir=tmp_path) as second:
        http = httpx.Client(base_url=second.url, headers={"Authorization": f"Bearer {token}"})
        after = http.get(protocol.PATH_STATE.format(session_id=session_id)).json()["data"]["state"]
        assert after["draft"] == before["draft"]
        assert [m["id"] for m in after["video_infos"]] == [m["id"] for m in before["video_infos"]]
        assert http.get(protocol.PATH_CREDITS).json()["data"]["available"] == credits
        media_url = after["video_infos"][0]["url"]
        assert media_url.startswith(second.url)
        assert httpx.get(media_url).content == clip.read_bytes()
        http.close()

"""Faults on ordinary routes, the faults/stats hooks themselves, and `nemo-jupyter serve`."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from nemo_jupyter import protocol
from nemo_jupyter.local.server import is_loopback


def test_429_twice_then_the_answer(alice):
    session_id = alice.new_session()
    alice.faults(error_code=429, error_times=2, error_paths=["/api/state/"])
    path = protocol.PATH_STATE.format(session_id=session_id)
    statuses = [alice.http.get(path).status_code for _ in range(3)]
    assert statuses == [429, 429, 200]
    assert alice.http.get(protocol.PATH_CREDITS).status_code == 200, "other paths are not touched"


@pytest.mark.parametrize("code,status", [(1001, 401), (1002, 404), (2001, 403), (4001, 415), (4002, 413),
                                         (402, 402), (500, 500), (503, 503)])
def test_a_chosen_error_code(alice, code, status):
    alice.faults(error_code=code, error_paths=[protocol.PATH_CREDITS], error_times=1)
    answer = alice.http.get(protocol.PATH_CREDITS)
    assert answer.status_code == status
    body = answer.json()
    assert body.get("code") == (code if code > 1000 else None) and body["message"]
    assert alice.http.get(protocol.PATH_CREDITS).status_code == 200


def test_an_html_error_page_and_malformed_json(alice):
    alice.faults(html_error=True, error_paths=[protocol.PATH_CREDITS], error_times=1)
    page = alice.http.get(protocol.PATH_CREDITS)
    assert page.status_code == 502 and page.headers["content-type"].startswith("text/html") and "<h1>" in page.text
    alice.faults(reset=True, malformed_json=True, error_paths=[protocol.PATH_CREDITS], error_times=1)
    broken = alice.http.get(protocol.PATH_CREDITS)
    assert broken.status_code == 200 and broken.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.text)


def test_a_path_fault_for_one_session_only(alice):
    hit, spared = alice.new_session(), alice.new_session()
    alice.faults(session_id=hit, error_code=1002)
    assert alice.http.get(protocol.PATH_STATE.format(session_id=hit)).json()["code"] == protocol.CODE_SESSION_NOT_FOUND
    assert alice.http.get(protocol.PATH_STATE.format(session_id=spared)).status_code == 200


def test_expired_tokens_then_a_new_token_for_the_same_client(scripted, alice, user_of):
    session_id = alice.new_session()
    alice.faults(expire_tokens=True)
    expired = alice.http.get(protocol.PATH_STATE.format(session_id=session_id))
    assert expired.status_code == 401 and expired.json()["code"] == protocol.CODE_TOKEN_INVALID
    again = user_of(scripted, alice.client_id)
    assert again.state(session_id)["draft"]["t"] == []
    scripted.faults.reset()
    assert alice.http.get(protocol.PATH_CREDITS).status_code == 200, "reset lifts the expiry"


def test_a_stall_on_a_chosen_path(alice):
    alice.faults(stall_s=1.0, stall_paths=[protocol.PATH_CREDITS])
    with pytest.raises(httpx.ReadTimeout):
        alice.http.get(protocol.PATH_CREDITS, timeout=0.3)


def test_the_faults_hook_validates_and_reports(scripted, alice):
    assert alice.http.post("/_local/faults", json={"no_such_fault": 1}).status_code == 422
    assert alice.http.post("/_local/faults", json={"render_shape": "d"}).status_code == 422
    assert alice.http.post("/_local/faults", json={"silent_share": 2}).status_code == 422
    settings = alice.faults(session_id="42", drop_after_events=2)
    assert settings["sessions"]["42"] == {"drop_after_events": 2}
    assert scripted.faults.for_session("42").drop_after_events == 2
    assert scripted.faults.for_session("43").drop_after_events is None
    scripted.faults.silent_share = 0.5
    assert alice.data(alice.http.get("/_local/faults"))["server"]["silent_share"] == 0.5
    after_reset = alice.faults(reset=True)
    assert after_reset["sessions"] == {} and after_reset["server"]["silent_share"] == 0.0
    assert scripted.faults.silent_share == 0.0


def test_stats_count_requests_per_path(alice):
    before = alice.stats()["requests"].get(f"GET {protocol.PATH_CREDITS}", 0)
    for _ in range(3):
        alice.http.get(protocol.PATH_CREDITS)
    assert alice.stats()["requests"][f"GET {protocol.PATH_CREDITS}"] == before + 3


@pytest.mark.parametrize("host,loopback", [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                           ("0.0.0.0", False), ("192.168.1.5", False), ("example.com", False)])
def test_loopback_hosts(host, loopback):
    assert is_loopback(host) is loopback


def _serve(tmp_path, *args):
    process = subprocess.Popen(
        [sys.executable, "-m", "nemo_jupyter.cli", "serve", "--port", "0", "--data", str(tmp_path / "data"), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    first_line = process.stdout.readline()
    return process, first_line


def _stop(process) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_serve_prints_its_url_and_answers(tmp_path):
    process, first_line = _serve(tmp_path)
    try:
        url = first_line.split(" on ", 1)[1].split()[0]
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
        deadline = time.monotonic() + 15
        while True:
            try:
                answer = httpx.post(url + protocol.PATH_ANON_TOKEN, headers={protocol.HEADER_CLIENT_ID: "cli"})
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert answer.json()["data"]["token"].startswith(protocol.TOKEN_PREFIX)
        assert (tmp_path / "data" / "nemo.sqlite3").exists()
    finally:
        _stop(process)
    assert process.returncode in (0, 130, -signal.SIGINT)


def test_serve_warns_when_it_listens_beyond_this_machine(tmp_path):
    process, _ = _serve(tmp_path, "--host", "0.0.0.0")
    _stop(process)
    warning = process.stderr.read()
    assert "warning: listening on 0.0.0.0" in warning and "UserWarning" not in warning


def test_the_backend_warns_when_told_to_listen_beyond_this_machine(tmp_path):
    from nemo_jupyter.local import LocalBackend

    with pytest.warns(UserWarning, match="0.0.0.0"):
        exposed = LocalBackend(data_dir=tmp_path, host="0.0.0.0")
    exposed.store.close()
    quiet = LocalBackend(data_dir=tmp_path / "quiet")
    quiet.store.close()
    assert quiet.host == "127.0.0.1" and quiet.url.startswith("http://127.0.0.1:")


def test_the_token_never_reaches_a_log_record(scripted, alice, clip):
    """Every log record of the backend (root and uvicorn loggers, all levels) during ordinary work,
    refusals and a dropped stream: none carries the token."""
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    keep = Keep(level=logging.DEBUG)
    loggers = [logging.getLogger(), logging.getLogger("uvicorn"), logging.getLogger("uvicorn.error")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(keep)
        logger.setLevel(logging.DEBUG)
    try:
        session_id = alice.new_session()
        alice.upload(session_id, clip)
        alice.run(session_id, "logged")
        alice.run(session_id, "fail")
        alice.faults(drop_after_events=1)
        with pytest.raises(httpx.RemoteProtocolError):
            alice.run(session_id, "dropped")
        alice.http.get(protocol.PATH_STATE.format(session_id="1234567890"))
        httpx.get(scripted.url + protocol.PATH_CREDITS, headers={"Authorization": f"Bearer {alice.token}x"})
        alice.faults(expire_tokens=True)
        alice.http.get(protocol.PATH_CREDITS)
    finally:
        for logger, level in zip(loggers, levels):
            logger.removeHandler(keep)
            logger.setLevel(level)
    assert records, "the test must see some log records to mean anything"
    secret = alice.token[len(protocol.TOKEN_PREFIX):]
    assert not [r for r in records if secret in r]

"""The token never shows: not in exception texts, reprs, log lines or URLs."""

from __future__ import annotations

import logging

import pytest

from nemo_jupyter import config, protocol
from nemo_jupyter.client import NemoClient, errors


def test_token_appears_nowhere(scripted_backend, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)  # httpx and httpcore log every request at DEBUG
    shown: list[str] = []
    with NemoClient(api_url=scripted_backend.url, retry_wait=0.01) as c:
        session = c.create_session()
        sid = session["session_id"]
        token = config.TokenCache().load(scripted_backend.url)[0]
        assert token.startswith(protocol.TOKEN_PREFIX)
        shown += [repr(c), str(c), c.claim_link(session["task_id"], sid), c.register_url()]

        def failing(call, **fault):
            scripted_backend.faults.set(**fault)
            try:
                with pytest.raises(errors.NemoError) as caught:
                    call()
            finally:
                scripted_backend.faults.reset()
            shown.extend([str(caught.value), repr(caught.value), repr(caught.value.args)])

        failing(lambda: c.state("123456789"))
        failing(lambda: c.credits(), error_code=429)
        failing(lambda: c.credits(), error_code=2001)
        failing(lambda: c.credits(), html_error=True)
        failing(lambda: list(c.stream(sid, "x")), session_id=sid, drop_after_events=1)
        failing(lambda: c.upload(sid, tmp_path / "a.exe"))
    with NemoClient(api_url=scripted_backend.url, token=token) as given:
        scripted_backend.faults.expire_tokens = True
        try:
            with pytest.raises(errors.AuthError) as caught:
                given.credits()
        finally:
            scripted_backend.faults.reset()
        shown += [repr(given), str(caught.value), repr(caught.value)]
    shown += [record.getMessage() for record in caplog.records] + [caplog.text]
    assert any("HTTP Request" in line for line in shown)  # the logs were captured
    leaks = [line for line in shown if token in line]
    assert leaks == []


def test_settings_repr_hides_the_token(monkeypatch):
    monkeypatch.setenv(protocol.ENV_TOKEN, "nmv_usr_supersecret")
    assert "supersecret" not in repr(config.Settings.from_env())
    with NemoClient(api_url="http://127.0.0.1:9") as c:
        assert "supersecret" not in repr(c)

"""Every endpoint over real HTTP against the local backend: happy paths, tokens, re-auth, 429."""

from __future__ import annotations

import time

import pytest

from nemo_jupyter import config, protocol
from nemo_jupyter.client import NemoClient, RenderJob, errors


def wait_for(client, job: RenderJob, timeout: float = 60.0) -> RenderJob:
    deadline = time.monotonic() + timeout
    while not job.done:
        assert time.monotonic() < deadline, f"render {job.id} still {job.status}"
        time.sleep(0.1)
        job = client.render_status(job.id)
    return job


@pytest.fixture
def uploaded(client, make_clip):
    """A session on the shared backend with one 1 s clip on its timeline."""
    session = client.create_session()
    client.upload(session["session_id"], make_clip(1.0))
    return session


def test_create_session_credits_and_state(client):
    session = client.create_session(language="zh")
    assert session["task_id"] and session["session_id"].isdigit()
    credits = client.credits()
    assert set(credits) >= {"available", "frozen", "total"} and credits["available"] > 0
    state = client.state(session["session_id"])
    assert state["session_id"] == session["session_id"] and state["task_id"] == session["task_id"]
    assert "draft" in state["state"]


def test_claim_link_points_at_the_web_app_without_the_token(client):
    session = client.create_session()
    link = client.claim_link(session["task_id"], session["session_id"])
    assert link.startswith(client.web_url + "/workspace/claim?ct=" + protocol.CLAIM_PREFIX)
    assert protocol.TOKEN_PREFIX not in link


def test_upload_puts_the_clip_on_the_timeline_with_progress(client, make_clip):
    session = client.create_session()
    clip = make_clip(1.0)
    seen = []
    data = client.upload(session["session_id"], clip, progress=lambda sent, total: seen.append((sent, total)))
    (info,) = data["files"]
    assert info["filename"] == clip.name and info["file_type"] == "video" and info["width"] == 320
    assert seen and seen[-1][0] == seen[-1][1] > clip.stat().st_size  # the whole multipart body
    assert [sent for sent, _ in seen] == sorted(sent for sent, _ in seen)
    tracks = client.state(session["session_id"])["state"]["draft"]["t"]
    assert any(track["sg"] for track in tracks)


def test_upload_several_files_and_by_url(client, make_clip):
    session = client.create_session()
    data = client.upload(session["session_id"], make_clip(1.0), make_clip(1.0, (160, 120)))
    assert [f["width"] for f in data["files"]] == [320, 160]
    by_url = client.upload_urls(session["session_id"], [data["files"][0]["cdn_url"]])
    assert by_url["files"][0]["file_type"] == "video"


def test_render_status_download_and_fallback(client, uploaded, tmp_path):
    sid = uploaded["session_id"]
    draft = client.state(sid)["state"]["draft"]
    job = client.render(sid, draft, quality="draft")
    assert job.id and job.status in ("pending", "processing", "completed")
    done = wait_for(client, job)
    assert done.ok and done.url and done.progress == 100.0
    seen = []
    path = client.download(done, tmp_path / "out.mp4", progress=lambda got, total: seen.append((got, total)))
    body = path.read_bytes()
    assert body[4:8] == b"ftyp" and seen[-1] == (len(body), len(body))
    fallback = client.download(RenderJob(done.id, "completed"), tmp_path)  # no URL: the proxy download
    assert fallback == tmp_path / f"{done.id}.mp4" and fallback.read_bytes() == body
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize("shape", ["b", "c"])
def test_render_status_in_the_other_answer_shapes(client, backend, uploaded, shape):
    backend.faults.render_shape = shape
    sid = uploaded["session_id"]
    job = client.render(sid, client.state(sid)["state"]["draft"], quality="draft")
    done = wait_for(client, job)
    assert done.ok and done.url and done.id == job.id


def test_render_cancel(client, backend, uploaded):
    backend.faults.render_never_completes = True
    sid = uploaded["session_id"]
    job = client.render(sid, client.state(sid)["state"]["draft"], quality="draft")
    assert client.render_cancel(job.id) is None
    assert wait_for(client, client.render_status(job.id), 10).status == protocol.RENDER_CANCELLED


def test_failed_render_reports_its_error(client, backend, uploaded):
    backend.faults.render_fail_times = 1
    sid = uploaded["session_id"]
    done = wait_for(client, client.render(sid, client.state(sid)["state"]["draft"], quality="draft"))
    assert done.status == protocol.RENDER_FAILED and done.error


# --- the token ----------------------------------------------------------------------------------


def test_anonymous_token_is_fetched_once_cached_private_and_reused(backend, requests_to):
    before = requests_to(backend, "POST", protocol.PATH_ANON_TOKEN)
    with NemoClient(api_url=backend.url) as first:
        first.credits()
        first.credits()
    cache = config.TokenCache()
    token, expires_at = cache.load(backend.url)
    assert token.startswith(protocol.TOKEN_PREFIX) and expires_at > time.time() + 86400
    with NemoClient(api_url=backend.url) as second:
        second.credits()
    assert requests_to(backend, "POST", protocol.PATH_ANON_TOKEN) == before + 1


def test_logout_clears_the_cache(client, backend, requests_to):
    client.credits()
    assert config.TokenCache().load(backend.url) is not None
    client.logout()
    assert not config.TokenCache().path.exists()
    before = requests_to(backend, "POST", protocol.PATH_ANON_TOKEN)
    client.credits()
    assert requests_to(backend, "POST", protocol.PATH_ANON_TOKEN) == before + 1


def test_token_from_argument_and_env_are_used_as_given(backend, monkeypatch, requests_to):
    with NemoClient(api_url=backend.url) as anonymous:
        anonymous.credits()
    token = config.TokenCache().load()[0]
    config.TokenCache().clear()
    before = requests_to(backend, "POST", protocol.PATH_ANON_TOKEN)
    with NemoClient(api_url=backend.url, token=token) as given:
        assert given.credits()["available"] >= 0
    monkeypatch.setenv(protocol.ENV_TOKEN, token)
    with NemoClient.from_env(api_url=backend.url) as from_env:
        from_env.credits()
    assert requests_to(backend, "POST", protocol.PATH_ANON_TOKEN) == before


def test_expired_token_is_renewed_once_without_the_caller_noticing(client, backend, requests_to):
    session = client.create_session()
    old = config.TokenCache().load(backend.url)[0]
    before = requests_to(backend, "POST", protocol.PATH_ANON_TOKEN)
    backend.faults.expire_tokens = True
    assert client.credits()["available"] >= 0
    assert requests_to(backend, "POST", protocol.PATH_ANON_TOKEN) == before + 1
    assert config.TokenCache().load(backend.url)[0] != old
    # same client id, same user: the session made with the old token is still there
    assert client.state(session["session_id"])["session_id"] == session["session_id"]


def test_a_rejected_token_the_user_chose_is_not_replaced(backend, requests_to):
    before = requests_to(backend, "POST", protocol.PATH_ANON_TOKEN)
    with NemoClient(api_url=backend.url, token="nmv_usr_not_a_real_one") as c, pytest.raises(errors.AuthError) as caught:
        c.credits()
    assert requests_to(backend, "POST", protocol.PATH_ANON_TOKEN) == before
    assert "NEMO_TOKEN" in str(caught.value) and "nmv_usr_not_a_real_one" not in str(caught.value)


def test_persistent_1001_reauthenticates_only_once(client, backend, requests_to):
    client.credits()
    backend.faults.set(error_code=1001, error_paths=[protocol.PATH_CREDITS])
    before = requests_to(backend, "GET", protocol.PATH_CREDITS)
    with pytest.raises(errors.AuthError):
        client.credits()
    assert requests_to(backend, "GET", protocol.PATH_CREDITS) == before + 2


# --- 429 and other errors -------------------------------------------------------------------------


def test_429_is_waited_out_and_retried_once(client, backend, requests_to):
    client.credits()
    backend.faults.set(error_code=429, error_paths=[protocol.PATH_CREDITS], error_times=1)
    before = requests_to(backend, "GET", protocol.PATH_CREDITS)
    started = time.monotonic()
    assert client.credits()["available"] >= 0
    assert time.monotonic() - started >= 0.05  # the client's retry_wait
    assert requests_to(backend, "GET", protocol.PATH_CREDITS) == before + 2


def test_429_twice_raises_rate_limited_after_one_retry(client, backend, requests_to):
    client.credits()
    backend.faults.set(error_code=429, error_paths=[protocol.PATH_CREDITS], error_times=2)
    before = requests_to(backend, "GET", protocol.PATH_CREDITS)
    with pytest.raises(errors.RateLimited):
        client.credits()
    assert requests_to(backend, "GET", protocol.PATH_CREDITS) == before + 2


@pytest.mark.parametrize(
    "fault, kind",
    [
        ({"error_code": 1002}, errors.SessionNotFound),
        ({"error_code": 2001}, errors.OutOfCredits),
        ({"error_code": 4001}, errors.UnsupportedFile),
        ({"error_code": 4002}, errors.FileTooLarge),
        ({"error_code": 402}, errors.ExportBlocked),
        ({"error_code": 500}, errors.BackendError),
        ({"error_code": 422}, errors.BackendError),
        ({"html_error": True}, errors.BackendError),
        ({"malformed_json": True}, errors.BackendError),
    ],
)
def test_each_error_answer_becomes_its_typed_error(client, backend, fault, kind):
    session = client.create_session()
    backend.faults.set(error_paths=["/api/state/"], **fault)
    with pytest.raises(kind) as caught:
        client.state(session["session_id"])
    message = str(caught.value)
    assert type(caught.value) is kind and "\n" not in message and len(message) < 300
    if kind is errors.OutOfCredits:
        assert caught.value.register_url == client.register_url() and client.client_id in message


def test_real_errors_of_the_backend(client, backend):
    with pytest.raises(errors.SessionNotFound, match="999999999"):
        client.state("999999999")
    with pytest.raises(errors.SessionNotFound):
        list(client.stream("999999999", "hello"))


def test_out_of_credits_for_real(tmp_path, make_clip):
    from nemo_jupyter.local import LocalBackend

    with LocalBackend(data_dir=tmp_path / "poor", credits=0) as poor, NemoClient(api_url=poor.url) as c:
        session = c.create_session()
        with pytest.raises(errors.OutOfCredits) as caught:
            list(c.stream(session["session_id"], "trim scene 1 to 1s"))
        assert f"?bind={c.client_id}" in str(caught.value)


def test_export_blocked_without_attribution_headers_is_named(client, uploaded, backend):
    backend.faults.set(error_code=402, error_paths=[protocol.PATH_RENDER])
    with pytest.raises(errors.ExportBlocked, match="free plan"):
        client.render(uploaded["session_id"], {"t": []})


def test_connection_refused_is_one_clear_line():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with NemoClient(api_url=f"http://127.0.0.1:{port}", token="nmv_usr_x") as c, pytest.raises(errors.ConnectionFailed) as caught:
        c.credits()
    assert f"127.0.0.1:{port}" in str(caught.value) and caught.value.__cause__ is None


def test_a_400_for_the_client_id_gets_a_new_persisted_id_and_one_retry(fresh_backend):
    """PROTOCOL: HTTP 400 on the anonymous token (missing client id) → generate one and retry."""
    first = config.client_id()
    fresh_backend.faults.set(error_code=400, error_paths=[protocol.PATH_ANON_TOKEN], error_times=1)
    with NemoClient(api_url=fresh_backend.url) as c:
        assert c.credits()["available"] > 0
        assert c.client_id != first and c.client_id == config.client_id()  # the new id is the one kept
    assert fresh_backend.stats.requests[f"POST {protocol.PATH_ANON_TOKEN}"] == 2
    config.TokenCache().clear()
    fresh_backend.faults.set(error_code=400, error_paths=[protocol.PATH_ANON_TOKEN], error_times=2)
    with NemoClient(api_url=fresh_backend.url) as c, pytest.raises(errors.BackendError):
        c.credits()  # refused twice: one retry only

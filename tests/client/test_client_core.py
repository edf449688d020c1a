"""The sans-IO core without a network: the requests it builds, the answers it reads."""

from __future__ import annotations

import json
import time

import pytest

from nemo_jupyter import __version__, protocol
from nemo_jupyter.client import RenderJob, errors
from nemo_jupyter.client import core as core_module
from nemo_jupyter.client.core import ClientCore, Send
from nemo_jupyter.client.errors import NOT_JSON, Answer, Context, error_for

TOKEN = "nmv_usr_unit_test_secret"


def first_request(call) -> Send:
    step = next(call)
    call.close()
    assert isinstance(step, Send)
    return step


@pytest.fixture
def core():
    return ClientCore("http://api.test/", TOKEN, "cid-123", "https://web.test")


def test_every_request_carries_bearer_and_attribution_headers(core):
    request = first_request(core.credits()).request
    assert request.url == "http://api.test" + protocol.PATH_CREDITS
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers[protocol.HEADER_SKILL_SOURCE] == "nemo-jupyter"
    assert request.headers[protocol.HEADER_SKILL_VERSION] == __version__
    assert request.headers[protocol.HEADER_SKILL_PLATFORM] == "jupyter"
    assert TOKEN not in str(request.url)


def test_platform_comes_from_skill_source(monkeypatch):
    monkeypatch.setenv(protocol.ENV_SKILL_SOURCE, "vscode")
    request = first_request(ClientCore("http://api.test", TOKEN).state("123")).request
    assert request.headers[protocol.HEADER_SKILL_PLATFORM] == "vscode"


def test_anonymous_token_call_has_client_id_and_no_bearer():
    core = ClientCore("http://api.test", None, "cid-123")
    request = first_request(core.credits()).request
    assert request.url.path == protocol.PATH_ANON_TOKEN
    assert request.headers[protocol.HEADER_CLIENT_ID] == "cid-123"
    assert "authorization" not in request.headers


def test_run_sse_waits_timeout_to_connect_and_read_timeout_for_each_read():
    core = ClientCore("http://api.test", TOKEN, timeout=9.0, read_timeout=300.0)
    timeout = first_request(core.start_stream("42", "hi")).request.extensions["timeout"]
    assert timeout == {"connect": 9.0, "read": 300.0, "write": 9.0, "pool": 9.0}


def test_run_sse_body_is_the_documented_one_plus_streaming(core):
    send = first_request(core.start_stream("42", "trim scene 1 to 2s"))
    body = json.loads(send.request.content)
    assert body == {
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": "42",
        "new_message": {"parts": [{"text": "trim scene 1 to 2s"}]},
        "streaming": True,
    }
    assert send.request.headers["accept"] == "text/event-stream"
    core.streaming = False
    assert "streaming" not in json.loads(first_request(core.start_stream("42", "x")).request.content)


def test_render_body_uses_camel_case_session_id(core):
    body = json.loads(first_request(core.render("42", {"t": []}, "high", "render_1")).request.content)
    assert body == {"id": "render_1", "sessionId": "42", "draft": {"t": []}, "output": {"format": "mp4", "quality": "high"}}


def test_links(core):
    assert core.register_url() == "https://web.test/?bind=cid-123"


def test_download_to_another_host_does_not_send_the_token(core):
    foreign = first_request(core.start_download("https://cdn.example/out.mp4")).request
    assert "authorization" not in foreign.headers
    own = first_request(core.start_download(RenderJob("r1", "completed", url="/cdn/k/out.mp4"))).request
    assert own.url == "http://api.test/cdn/k/out.mp4" and own.headers["authorization"] == f"Bearer {TOKEN}"
    proxy = first_request(core.start_download(RenderJob("r1", "completed"))).request
    assert proxy.url.path == "/api/render/proxy/r1/download"


@pytest.mark.parametrize(
    "answer, expected",
    [
        ({"status": "completed", "progress": 100, "output": {"url": "http://x/a.mp4"}, "id": "r1"},
         ("r1", "completed", 100.0, "http://x/a.mp4", None)),
        ({"success": True, "data": {"id": "r1", "status": "processing", "progress": 40, "outputUrl": None}},
         ("r1", "processing", 40.0, None, None)),
        ({"code": 0, "data": {"success": True, "data": {"id": "r1", "status": "completed", "outputUrl": "u"}}},
         ("r1", "completed", 100.0, "u", None)),
        ({"code": 0, "data": {"status": "failed", "error": "ffmpeg exploded"}},
         ("given", "failed", 0.0, None, "ffmpeg exploded")),
        ({"status": "pending", "progress": "n/a"}, ("given", "pending", 0.0, None, None)),
        ({"status": "processing", "progress": "NaN"}, ("given", "processing", 0.0, None, None)),
        ({"status": "processing", "progress": 250}, ("given", "processing", 100.0, None, None)),
        ({"status": "processing", "progress": 10**400}, ("given", "processing", 0.0, None, None)),
        ("not a dict", ("given", "pending", 0.0, None, None)),
    ],
)
def test_render_job_reads_all_three_shapes(answer, expected):
    job = RenderJob.from_answer(answer, "given")
    assert (job.id, job.status, job.progress, job.url, job.error) == expected


CTX = Context("the test call", "https://web.test/?bind=cid", session_id="42", file_name="a.xyz")


@pytest.mark.parametrize(
    "status, payload, kind",
    [
        (200, {"code": 0, "data": {}}, None),
        (200, {"status": "pending"}, None),
        (401, {"code": 1001, "message": "expired"}, errors.AuthError),
        (200, {"code": 1001, "message": "expired"}, errors.AuthError),
        (404, {"code": 1002}, errors.SessionNotFound),
        (404, {"detail": "Session not found: 42"}, errors.SessionNotFound),
        (403, {"code": 2001}, errors.OutOfCredits),
        (415, {"code": 4001}, errors.UnsupportedFile),
        (413, {"code": 4002}, errors.FileTooLarge),
        (402, {"message": "no"}, errors.ExportBlocked),
        (429, {"message": "slow"}, errors.RateLimited),
        (422, {"detail": [{"msg": "bad"}]}, errors.BackendError),
        (500, NOT_JSON, errors.BackendError),
        (200, NOT_JSON, errors.BackendError),
        (200, {"code": 9999, "message": "weird"}, errors.BackendError),
        (200, {"success": False, "error": "nope"}, errors.BackendError),
    ],
)
def test_error_mapping(status, payload, kind):
    error = error_for(Answer(status, payload, "application/json"), CTX)
    if kind is None:
        assert error is None
    else:
        assert type(error) is kind
        assert "\n" not in str(error) and str(error).endswith((".", "?"))


def test_error_messages_name_what_to_do():
    credits = error_for(Answer(403, {"code": 2001}), CTX)
    assert credits.register_url == "https://web.test/?bind=cid" and credits.register_url in str(credits)
    assert "42" in str(error_for(Answer(404, {"code": 1002}), CTX))
    unsupported = str(error_for(Answer(415, {"code": 4001}), CTX))
    assert "a.xyz" in unsupported and "mp4" in unsupported and "webp" in unsupported
    assert "500 MB" in str(error_for(Answer(413, {"code": 4002}), CTX))
    html = error_for(Answer(502, NOT_JSON, "text/html", "<html>502</html>"), CTX)
    assert "HTML" in str(html) and html.status == 502


def test_a_token_echoed_by_the_server_is_redacted():
    error = error_for(Answer(500, {"message": f"bad token {TOKEN} here"}), CTX)
    assert TOKEN not in str(error) and TOKEN not in repr(error)
    assert "nmv_usr_***" in str(error)


@pytest.mark.parametrize("answer, expected_in_s", [
    (lambda now: {"expires_in": 3600}, 3600),
    (lambda now: {"expiresAt": (now + 7200) * 1000}, 7200),  # epoch milliseconds
    (lambda now: {"expires_at": 10**400}, 7 * 86400),  # past a float: the default week
    (lambda now: {"expires_in": float("nan")}, 7 * 86400),
    (lambda now: {"expires_in": True}, 7 * 86400),
])
def test_token_expiry_reads_what_it_can(answer, expected_in_s):
    now = time.time()
    assert core_module._expiry(answer(now)) - now == pytest.approx(expected_in_s, abs=5)

"""Render jobs: the real renderer end to end, the three answer shapes, the queue, cancel, refusals."""

from __future__ import annotations

import copy
import time
from pathlib import Path

import httpx
import pytest

from nemo_jupyter import protocol
from nemo_jupyter.local.media.probe import probe


def _start(api, session_id, draft, render_id, **output):
    return api.http.post(protocol.PATH_RENDER, json={"id": render_id, "sessionId": session_id, "draft": draft,
                                                     "output": {"format": "mp4", "quality": "draft", **output}})


def _status(api, render_id) -> dict:
    answer = api.http.get(protocol.PATH_RENDER_STATUS.format(render_id=render_id))
    assert answer.status_code == 200, answer.text
    return answer.json()


def _wait(api, render_id, statuses, timeout=120) -> dict:
    deadline = time.monotonic() + timeout
    while (job := _status(api, render_id))["status"] not in statuses:
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    return job


def _cancel(api, render_id) -> httpx.Response:
    return api.http.post(protocol.PATH_RENDER_CANCEL.format(render_id=render_id))


def _queue_behind(api, session_id, draft, first, second) -> None:
    """Start `first` (it never completes) and, once it is processing, `second` behind it."""
    api.faults(render_never_completes=True)
    _start(api, session_id, draft, first)
    _wait(api, first, ("processing",))
    _start(api, session_id, draft, second)


@pytest.fixture
def edited(alice, clip):
    """A session of two 1 s clips on a 320x240 canvas: (session id, its draft)."""
    session_id = alice.new_session()
    alice.upload(session_id, clip, clip, names=["one.mp4", "two.mp4"])
    alice.run(session_id, "canvas small")
    return session_id, alice.state(session_id)["draft"]


def test_a_render_completes_with_a_playable_mp4_in_every_answer_shape(alice, edited, tmp_path):
    session_id, draft = edited
    started = _start(alice, session_id, draft, "render_ok")
    assert started.status_code == 200
    first = started.json()
    assert first["id"] == "render_ok" and first["status"] in ("pending", "processing") and 0 <= first["progress"] <= 100
    job = _wait(alice, "render_ok", protocol.RENDER_TERMINAL)
    assert job["status"] == "completed" and job["progress"] == 100
    url = job["output"]["url"]
    assert alice.token not in url
    played = httpx.get(url)
    assert played.status_code == 200
    downloaded = alice.http.get(protocol.PATH_RENDER_DOWNLOAD.format(render_id="render_ok"))
    assert downloaded.status_code == 200 and downloaded.content == played.content
    out = tmp_path / "out.mp4"
    out.write_bytes(played.content)
    info = probe(out)
    assert (info["type"], info["width"], info["height"]) == ("video", 320, 240)
    assert info["d"] == pytest.approx(2000, abs=150)

    alice.faults(session_id=session_id, render_shape="b")
    shape_b = _status(alice, "render_ok")
    assert shape_b["success"] is True
    assert shape_b["data"]["outputUrl"] == url and shape_b["data"]["status"] == "completed"
    assert shape_b["data"]["createdAt"] <= shape_b["data"]["completedAt"]
    alice.faults(session_id=session_id, render_shape="c")
    assert _status(alice, "render_ok") == {"code": 0, "data": job}


def test_an_injected_failure_fails_the_job_once(alice, edited):
    session_id, draft = edited
    alice.faults(session_id=session_id, render_fail_times=1, render_never_completes=True)
    _start(alice, session_id, draft, "render_fails")
    failed = _wait(alice, "render_fails", protocol.RENDER_TERMINAL)
    assert failed["status"] == "failed" and "injected" in failed["error"] and "output" not in failed
    assert "permanent" not in failed  # a retry may pass
    _start(alice, session_id, draft, "render_retry")
    assert _wait(alice, "render_retry", ("processing", "failed"))["status"] == "processing"
    _cancel(alice, "render_retry")
    assert _wait(alice, "render_retry", protocol.RENDER_TERMINAL)["status"] == "cancelled"


def test_one_render_at_a_time_per_session_the_others_queue(alice, edited):
    session_id, draft = edited
    _queue_behind(alice, session_id, draft, "render_q1", "render_q2")
    time.sleep(0.3)
    assert _status(alice, "render_q2")["status"] == "pending"
    cancel = _cancel(alice, "render_q1")
    assert cancel.status_code == 200
    assert _wait(alice, "render_q1", protocol.RENDER_TERMINAL)["status"] == "cancelled"
    _wait(alice, "render_q2", ("processing",))
    _cancel(alice, "render_q2")
    assert _wait(alice, "render_q2", protocol.RENDER_TERMINAL)["status"] == "cancelled"
    assert alice.http.get(protocol.PATH_RENDER_DOWNLOAD.format(render_id="render_q2")).status_code == 409


def test_a_pending_render_can_be_cancelled_before_it_starts(alice, edited):
    session_id, draft = edited
    _queue_behind(alice, session_id, draft, "render_p1", "render_p2")
    _cancel(alice, "render_p2")
    assert _status(alice, "render_p2")["status"] == "cancelled"
    _cancel(alice, "render_p1")
    assert _wait(alice, "render_p1", protocol.RENDER_TERMINAL)["status"] == "cancelled"
    assert _status(alice, "render_p2")["status"] == "cancelled"


def test_the_same_id_twice_is_the_same_job(alice, edited):
    session_id, draft = edited
    alice.faults(render_never_completes=True)
    assert _start(alice, session_id, draft, "render_twice").status_code == 200
    assert _start(alice, session_id, draft, "render_twice").json()["id"] == "render_twice"
    _cancel(alice, "render_twice")
    _wait(alice, "render_twice", protocol.RENDER_TERMINAL)


def _with_source(draft: dict, src) -> dict:
    changed = {**draft, "t": [{**draft["t"][0], "sg": [{**draft["t"][0]["sg"][0], "src": src}]}]}
    return changed


@pytest.mark.parametrize("change,status,words", [
    (lambda d: {"d": 0, "t": []}, 422, "no segment"),
    (lambda d: {"t": "nonsense"}, 422, "no segment"),
    (lambda d: _with_source(d, "/etc/passwd"), 422, "does not have"),
    (lambda d: _with_source(d, "../../nemo.sqlite3"), 422, "does not have"),
    (lambda d: _with_source(d, "med_0000000000000000"), 422, "does not have"),
    (lambda d: _with_source(d, {"path": "/etc/passwd"}), 422, "does not have"),
])
def test_a_draft_pointing_outside_the_session_is_refused(alice, edited, change, status, words):
    session_id, draft = edited
    answer = _start(alice, session_id, change(draft), "render_refused")
    assert answer.status_code == status and words in answer.json()["message"]
    assert alice.http.get(protocol.PATH_RENDER_STATUS.format(render_id="render_refused")).status_code == 404


def test_bad_render_requests(alice, edited):
    session_id, draft = edited
    assert _start(alice, session_id, draft, "../evil").status_code == 422
    assert _start(alice, session_id, draft, "render_q", quality="ultra").status_code == 422
    unknown = _start(alice, "1234567890123", draft, "render_x")
    assert unknown.status_code == 404 and unknown.json()["code"] == protocol.CODE_SESSION_NOT_FOUND
    no_attribution = httpx.post(alice.url + protocol.PATH_RENDER, headers={"Authorization": f"Bearer {alice.token}"},
                                json={"id": "render_y", "sessionId": session_id, "draft": draft})
    assert no_attribution.status_code == 402 and "code" not in no_attribution.json()
    assert alice.http.get(protocol.PATH_RENDER_STATUS.format(render_id="render_nothing")).status_code == 404


def test_the_probe_of_an_upload_is_kept_so_a_render_does_not_probe_again(alice, scripted, clip, monkeypatch):
    from nemo_jupyter.local.media import render
    from nemo_jupyter.local.media.probe import STREAM_FACTS

    session_id = alice.new_session()
    alice.upload(session_id, clip)
    (media,) = scripted.store.session_media(session_id)
    probed = probe(clip, decode=True)
    assert {key: media[key] for key in STREAM_FACTS} == {key: probed[key] for key in STREAM_FACTS}

    def no_probe(path):
        raise AssertionError(f"probed {path} again")

    monkeypatch.setattr(render, "probe", no_probe)
    filled = render.with_stream_facts({media["id"]: media})
    assert {key: filled[media["id"]][key] for key in STREAM_FACTS} == {key: probed[key] for key in STREAM_FACTS}


def test_a_database_from_before_the_stream_facts_opens_and_its_media_read(tmp_path, clip):
    import sqlite3

    from nemo_jupyter.local.media.probe import STREAM_FACTS
    from nemo_jupyter.local.store import Store

    store = Store(tmp_path)
    store.add_media("med_old", "usr_old", "1000000000000000000", clip.name, clip, {**probe(clip), "type": "video"})
    store.close()
    with sqlite3.connect(tmp_path / "nemo.sqlite3") as db:
        db.execute("ALTER TABLE media DROP COLUMN stream")  # the media table as it was
        db.execute("ALTER TABLE renders DROP COLUMN permanent")  # the renders table before permanent failures
    reopened = Store(tmp_path)
    try:
        media = reopened.media("med_old")
        assert media["d"] == probe(clip)["d"] and not any(key in media for key in STREAM_FACTS)
        reopened.add_media("med_new", "usr_old", "1000000000000000000", clip.name, clip, {**probe(clip), "type": "video"})
        assert reopened.media("med_new")["vcodec"] == probe(clip)["vcodec"]
        reopened.create_render("render_old", "usr_old", "1000000000000000000", "draft")
        reopened.update_render("render_old", status="failed", error="x.mp4 cannot be decoded", permanent=1)
        assert reopened.render("render_old")["permanent"] == 1
    finally:
        reopened.close()


def test_a_stretched_render_takes_its_wall_time_and_reports_progress_linear_in_time(alice, edited):
    """The `render_wall_s` fault (cloud-like renders for benchmarks): the job completes no sooner than
    the wall time and its progress grows with time."""
    session_id, draft = edited
    alice.faults(render_wall_s=3.0)
    started = time.monotonic()
    assert _start(alice, session_id, draft, "wall_1").status_code == 200
    seen = []
    while (job := _status(alice, "wall_1"))["status"] not in protocol.RENDER_TERMINAL:
        seen.append(job["progress"])
        time.sleep(0.2)
    elapsed = time.monotonic() - started
    assert job["status"] == "completed" and job["progress"] == 100
    assert 3.0 <= elapsed < 6.0, elapsed
    middle = [p for p in seen if 0 < p < 99]
    assert len(middle) >= 3 and middle == sorted(middle) and middle[-1] - middle[0] > 30, seen


def test_stretched_renders_of_several_sessions_wait_at_once(alice, clip):
    sessions = []
    for _ in range(4):
        session_id = alice.new_session()
        alice.upload(session_id, clip, names=["one.mp4"])
        alice.run(session_id, "canvas small")
        sessions.append((session_id, alice.state(session_id)["draft"]))
    alice.faults(render_wall_s=3.0)
    for n, (session_id, draft) in enumerate(sessions):
        assert _start(alice, session_id, draft, f"wall_many_{n}").status_code == 200
    most_at_once = 0
    while True:
        statuses = [_status(alice, f"wall_many_{n}")["status"] for n in range(len(sessions))]
        most_at_once = max(most_at_once, statuses.count("processing"))
        if all(status in protocol.RENDER_TERMINAL for status in statuses):
            break
        time.sleep(0.05)
    assert statuses == ["completed"] * len(sessions)
    # the machine runs two real renders at once: more than two processing means the wait holds no slot
    assert most_at_once >= 3, most_at_once

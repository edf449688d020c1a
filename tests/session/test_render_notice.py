"""Noticing a render's end: the pure poll policy (render_policy.py), the poll plan's use of it
(Retry-After, permanent failures), and exports against the local backend's cloud-like renders."""

from __future__ import annotations

import pytest

from nemo_jupyter import protocol
from nemo_jupyter.client.errors import RateLimited
from nemo_jupyter.client.render import RenderJob
from nemo_jupyter.render_policy import PollTimings, Sample, estimated_finish, next_delay
from nemo_jupyter.session import Call, RenderFailed, Session, Sleep

TIMINGS = PollTimings()


# --- the policy, pure ----------------------------------------------------------------------------
def test_the_finish_is_estimated_from_the_progress_seen():
    assert estimated_finish([Sample(0, 0)]) is None
    assert estimated_finish([Sample(0, 0), Sample(5, 0)]) is None  # queued: nothing to go by
    assert estimated_finish([Sample(0, 0), Sample(10, 20)]) == pytest.approx(50)
    # a queue before the start does not skew it once two samples moved: 10 %/s from the first that moved
    assert estimated_finish([Sample(0, 0), Sample(20, 10), Sample(21, 20)]) == pytest.approx(29)


def test_far_from_the_end_it_sleeps_most_of_the_way_but_never_past_twice_the_time_elapsed():
    samples = [Sample(0, 0), Sample(20, 20), Sample(40, 40)]  # ends at 100 s
    assert next_delay(samples, 40, TIMINGS) == pytest.approx(min(60 * TIMINGS.lead, TIMINGS.max_s))
    early = [Sample(0, 0), Sample(1, 1)]  # 100 s away, but one early sample is a rough guide
    assert next_delay(early, 1, TIMINGS) == pytest.approx(2 * TIMINGS.first_s)


def test_near_the_end_it_polls_just_after_it_then_often():
    samples = [Sample(0, 0), Sample(10, 50), Sample(19, 95)]  # ends at 20 s
    assert next_delay(samples, 19, TIMINGS) == pytest.approx(1 + TIMINGS.after_s)
    assert next_delay(samples, 21, TIMINGS) == TIMINGS.late_s  # past the estimate and not done


def test_without_progress_it_backs_off_to_a_low_cap():
    delays, blind = [], None
    for _ in range(8):
        blind = next_delay([Sample(0, 0)], 0, TIMINGS, blind_delay=blind)
        delays.append(blind)
    assert delays[0] == TIMINGS.first_s and delays == sorted(delays) and max(delays) == TIMINGS.blind_max_s <= 4


def test_retry_after_is_a_floor_and_max_s_a_ceiling():
    samples = [Sample(0, 0), Sample(10, 50), Sample(19, 95)]
    assert next_delay(samples, 19, TIMINGS, retry_after=12.0) == 12.0
    assert next_delay([Sample(0, 0), Sample(100, 1)], 100, PollTimings(max_s=0.2)) == 0.2


# --- the poll plan ---------------------------------------------------------------------------------
def _plan(session, job):
    """Drive `_poll_render_plan` by hand: (the steps it asked for, its generator)."""
    plan = session._poll_render_plan(job, None)
    return plan, next(plan)


def test_a_poll_refused_with_retry_after_waits_at_least_that_long(scripted_client):
    session = Session(scripted_client)
    plan, step = _plan(session, RenderJob("render_x", protocol.RENDER_PROCESSING, 10.0))
    assert isinstance(step, Sleep) and step.seconds <= 1.0
    assert plan.send(None) == Call("render_status", ("render_x",))
    refused = RateLimited("slow down", status=429)
    refused.retry_after = 7.5  # what the client core reads from the Retry-After header
    step = plan.throw(refused)
    assert isinstance(step, Sleep) and step.seconds >= 7.5


def test_a_permanent_failure_is_read_from_every_shape():
    failed = {"status": "failed", "error": "clip.mov: no video stream", "permanent": True}
    for answer in (failed, {"success": True, "data": failed}, {"code": 0, "data": failed}):
        job = RenderJob.from_answer(answer)
        assert job.permanent and job.error == "clip.mov: no video stream"
    assert not RenderJob.from_answer({"status": "failed", "error": "encoder crashed"}).permanent
    assert not RenderJob.from_answer({"status": "processing", "permanent": True}).permanent
    assert RenderJob.from_answer({"status": "failed", "error": "Invalid data found when processing input"}).permanent


def test_a_permanent_failure_is_not_retried_and_names_the_reason(scripted_client):
    """The export plan, driven by hand with the answers a server would give: one render only."""
    session = Session(scripted_client, session_id="s1")
    draft = {"t": [{"id": "t1", "tt": 0, "sg": [{"id": "g1", "st": 0, "d": 1000, "src": "m1"}]}]}
    plan = session._export_plan(None, "draft", None)
    step, asked = next(plan), []
    failed = RenderJob("render_1", protocol.RENDER_FAILED, error="clip.mov is corrupt: moov atom not found",
                       permanent=True)
    with pytest.raises(RenderFailed) as raised:
        while True:
            asked.append(getattr(step, "name", type(step).__name__))
            answer = {"state": {"draft": draft}} if asked[-1] == "state" else failed
            step = plan.send(answer)
    assert asked.count("render") == 1
    message = str(raised.value)
    assert "moov atom not found" in message and "try again later" not in message and "\n" not in message


# --- against the local backend ---------------------------------------------------------------------
def _status_polls(backend, render_id: str) -> int:
    return backend.stats.requests["GET " + protocol.PATH_RENDER_STATUS.format(render_id=render_id)]


def test_a_cloud_like_render_costs_few_polls(scripted_backend, scripted_client, make_clip, tmp_path):
    """A 6 s render reporting linear progress: today's backoff polled 6 times (1, 2.5, 4.75, 8.1 s…
    overshooting by 2 s); the progress-guided policy needs no more than 5 and sees it at 100 %."""
    session = Session(scripted_client)
    session.upload(make_clip(1.0))
    scripted_backend.faults.set(session_id=session.session_id, render_wall_s=6.0)
    seen = []
    render = session.export(tmp_path, quality="draft", progress=lambda stage, pct: seen.append((stage, pct)))
    assert render.path.exists() and ("render", 100.0) in seen
    assert 2 <= _status_polls(scripted_backend, render.id) <= 5


def test_a_render_of_a_corrupt_clip_fails_once_naming_it(scripted_backend, scripted_client, make_clip, tmp_path):
    """Over HTTP: the server marks the failure permanent; the client does not render again."""
    session = Session(scripted_client, render_poll_first_s=0.05, render_poll_max_s=0.2)
    session.upload(make_clip(1.0))
    media = scripted_backend.store.session_media(session.session_id)[0]
    with open(media["path"], "r+b") as file:  # the stored clip is damaged after its upload
        file.truncate(200)
    posted = scripted_backend.stats.requests["POST " + protocol.PATH_RENDER]
    with pytest.raises(RenderFailed) as raised:
        session.export(tmp_path, quality="draft")
    assert scripted_backend.stats.requests["POST " + protocol.PATH_RENDER] - posted == 1
    message = str(raised.value)
    assert "not retried" in message and "try again later" not in message and "\n" not in message
    failed = session.renders().iloc[0]
    assert failed["status"] == "failed" and failed["error"] and failed["error"] in message


def test_retry_after_on_status_polls_is_honoured_over_http(scripted_backend, scripted_client, make_clip, tmp_path):
    """Two 429s with Retry-After 1.5 on the status polls: the client waits it out once, the poll plan once
    more, then the export completes (it would take well under a second otherwise)."""
    import time

    session = Session(scripted_client, render_poll_first_s=0.05, render_poll_max_s=0.2)
    session.upload(make_clip(1.0))
    scripted_backend.faults.set(error_code=429, retry_after_s=1.5, error_times=2,
                                error_paths=[protocol.PATH_RENDER + "/"])
    started = time.monotonic()
    render = session.export(tmp_path, quality="draft")
    assert render.path.exists() and time.monotonic() - started >= 3.0

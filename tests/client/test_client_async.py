"""`AsyncNemoClient` over real HTTP: the same core, driven by asyncio."""

from __future__ import annotations

import asyncio
import time

import pytest

from nemo_jupyter import protocol
from nemo_jupyter.client import AsyncNemoClient, errors
from nemo_jupyter.client.events import Text


def run(coroutine):
    return asyncio.run(coroutine)


def test_async_session_upload_stream_render_download(scripted_backend, make_clip, tmp_path):
    async def scenario():
        async with AsyncNemoClient(api_url=scripted_backend.url, retry_wait=0.05) as c:
            session = await c.create_session()
            sid = session["session_id"]
            seen = []
            uploaded = await c.upload(sid, make_clip(1.0), progress=lambda sent, total: seen.append(sent))
            events = [event async for event in c.stream(sid, "async edit")]
            state = await c.state(sid)
            job = await c.render(sid, state["state"]["draft"], quality="draft")
            deadline = time.monotonic() + 60
            while not job.done and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
                job = await c.render_status(job.id)
            path = await c.download(job, tmp_path / "async.mp4")
            link = await c.claim_link(session["task_id"], sid)
            return uploaded, seen, events, state, job, path, link, await c.credits()

    uploaded, seen, events, state, job, path, link, credits = run(scenario())
    assert uploaded["files"][0]["width"] == 320 and seen[-1] > 0
    assert events[0].kind == "tool_call" and isinstance(events[-1], Text) and events[-1].streamed
    assert state["state"]["draft"]["m"]["title"] == "async edit"
    assert job.ok and path.read_bytes()[4:8] == b"ftyp"
    assert "/workspace/claim?ct=" in link and credits["available"] >= 0


def test_async_dropped_stream_keeps_partial_text_and_is_not_resent(scripted_backend):
    async def scenario():
        async with AsyncNemoClient(api_url=scripted_backend.url) as c:
            sid = (await c.create_session())["session_id"]
            scripted_backend.faults.set(session_id=sid, drop_after_events=4)
            seen = []
            with pytest.raises(errors.StreamError) as caught:
                async for event in c.stream(sid, "cut"):
                    seen.append(event)
            return sid, seen, caught.value

    sid, seen, error = run(scenario())
    try:
        assert [e.kind for e in seen] == ["tool_call", "tool_result", "text_chunk", "text_chunk"]
        assert error.partial_text == seen[2].text + seen[3].text
        assert scripted_backend.stats.run_sse_by_session[sid] == 1
    finally:
        scripted_backend.faults.reset()


def test_async_429_retry_and_reauth(backend, requests_to):
    async def scenario():
        async with AsyncNemoClient(api_url=backend.url, retry_wait=0.05) as c:
            await c.credits()
            backend.faults.set(error_code=429, error_paths=[protocol.PATH_CREDITS], error_times=1)
            first = await c.credits()
            backend.faults.reset()
            backend.faults.expire_tokens = True
            second = await c.credits()
            return first, second

    credits_before = requests_to(backend, "GET", protocol.PATH_CREDITS)
    tokens_before = requests_to(backend, "POST", protocol.PATH_ANON_TOKEN)
    try:
        first, second = run(scenario())
    finally:
        backend.faults.reset()
    assert first["available"] >= 0 and second["available"] >= 0
    assert requests_to(backend, "GET", protocol.PATH_CREDITS) == credits_before + 1 + 2 + 2
    assert requests_to(backend, "POST", protocol.PATH_ANON_TOKEN) == tokens_before + 2


def test_async_many_calls_at_once_fetch_one_token(backend, requests_to):
    """Anonymous tokens are limited per IP: eight calls on a fresh client share one token fetch."""

    async def scenario():
        async with AsyncNemoClient(api_url=backend.url) as c:
            return await asyncio.gather(*(c.create_session() for _ in range(8)))

    before = requests_to(backend, "POST", protocol.PATH_ANON_TOKEN)
    sessions = run(scenario())
    assert len({s["session_id"] for s in sessions}) == 8
    assert requests_to(backend, "POST", protocol.PATH_ANON_TOKEN) == before + 1


def test_async_many_calls_with_an_expired_token_renew_it_once(backend, requests_to):
    async def scenario():
        async with AsyncNemoClient(api_url=backend.url) as c:
            await c.credits()
            backend.faults.expire_tokens = True
            before = requests_to(backend, "POST", protocol.PATH_ANON_TOKEN)
            await asyncio.gather(*(c.credits() for _ in range(6)))
            return requests_to(backend, "POST", protocol.PATH_ANON_TOKEN) - before

    try:
        assert run(scenario()) == 1
    finally:
        backend.faults.reset()

"""A batch against the API's limits: one shared backoff on 429 (Retry-After honoured), out of credits."""

from __future__ import annotations

import asyncio
import email.utils
import time

import pytest

import nemo_jupyter
from nemo_jupyter import protocol
from nemo_jupyter.client import AsyncNemoClient, errors
from nemo_jupyter.client.errors import parse_retry_after

CREDITS = f"GET {protocol.PATH_CREDITS}"


def test_retry_after_is_read_as_seconds_or_an_http_date():
    now = time.time()
    assert parse_retry_after("3") == 3.0 and parse_retry_after(" 0.5 ") == 0.5
    assert parse_retry_after(email.utils.formatdate(now + 10, usegmt=True), now=now) == pytest.approx(10, abs=1)
    assert parse_retry_after(email.utils.formatdate(now - 60, usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None and parse_retry_after("-4") == 0.0


def test_one_429_pauses_every_request_of_the_client_for_retry_after_once(scripted_backend):
    stats = scripted_backend.stats

    async def scenario():
        async with AsyncNemoClient(api_url=scripted_backend.url, retry_wait=30.0) as client:
            await client.credits()  # the token first
            scripted_backend.faults.set(error_code=429, error_paths=[protocol.PATH_CREDITS], error_times=1,
                                        retry_after_s=0.8)
            before, started = stats.requests[CREDITS], time.monotonic()
            first = asyncio.ensure_future(client.credits())
            await asyncio.sleep(0.3)  # its 429 is back: the client's gate is closed
            others = [asyncio.ensure_future(client.credits()) for _ in range(8)]
            await asyncio.sleep(0.3)
            during = stats.requests[CREDITS] - before
            answers = await asyncio.gather(first, *others)
            return during, stats.requests[CREDITS] - before, time.monotonic() - started, answers

    try:
        during, total, seconds, answers = asyncio.run(scenario())
    finally:
        scripted_backend.faults.reset()
    assert during == 1  # the 8 later calls waited for the gate instead of hammering the API
    assert total == 10  # the refused one, its one retry, the 8 others: no 429 for them
    assert 0.8 <= seconds < 3.0  # Retry-After (0.8 s), not retry_wait (30 s), and one wait, not one per call
    assert all(answer["available"] >= 0 for answer in answers)


def test_still_rate_limited_after_the_retry_says_how_long_to_wait(scripted_backend):
    async def scenario():
        async with AsyncNemoClient(api_url=scripted_backend.url, retry_wait=30.0) as client:
            await client.credits()
            scripted_backend.faults.set(error_code=429, error_paths=[protocol.PATH_CREDITS], retry_after_s=0.2)
            await client.credits()

    try:
        with pytest.raises(errors.RateLimited) as raised:
            asyncio.run(scenario())
    finally:
        scripted_backend.faults.reset()
    assert raised.value.retry_after == pytest.approx(0.2) and "wait 1 s" in str(raised.value)


def test_a_batch_shares_one_backoff(scripted_backend, make_clip):
    clip = make_clip(1.0)
    scripted_backend.faults.set(error_code=429, error_paths=[protocol.PATH_RUN_SSE], error_times=1, retry_after_s=0.5)
    before = scripted_backend.stats.run_sse_posts
    try:
        started = time.monotonic()
        results = nemo_jupyter.batch([(str(clip), f"Row {n}") for n in range(6)], concurrency=3,
                                     api_url=scripted_backend.url, progress=False)
        seconds = time.monotonic() - started
    finally:
        scripted_backend.faults.reset()
    assert set(results["status"]) == {"ok"}
    assert scripted_backend.stats.run_sse_posts - before == 7  # one refused, sent again once; no row failed
    assert seconds >= 0.5


def test_out_of_credits_stops_new_rows_finishes_those_in_flight_and_says_so_once(start_backend, scripted_backend,
                                                                                make_clip, capsys):
    clip = make_clip(1.0)
    rows = [(str(clip), ["One", "Two"])] + [(str(clip), f"Row {n}") for n in range(6)]
    with start_backend("credits", agent=scripted_backend.backend.agent, credits=3) as backend:
        results = nemo_jupyter.batch(rows, concurrency=2, api_url=backend.url)
        posts = backend.stats.run_sse_posts
    statuses = list(results["status"])
    assert statuses[:2] == ["ok", "ok"] and "not run" in statuses  # 3 credits: row 1 (2 edits), row 2
    assert results.loc[statuses.index("not run"), "error"] == "Not started: out of credits."
    assert statuses.count("failed") <= 2  # the rows in flight when the credits ran out
    assert posts <= 3 + 2  # no row started after the first 2001
    out = capsys.readouterr().out
    assert out.count("No new rows are started") == 1
    assert f"7/7 done, {len(rows) - 2} failed ({statuses.count('not run')} not run)" in out
    assert "Not started" not in out  # rows not run are counted, not listed one by one

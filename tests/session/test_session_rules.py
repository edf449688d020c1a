"""Session rules against the local backend over real HTTP (scripted agent, see conftest)."""

from __future__ import annotations

import asyncio

import pandas as pd
import pytest

from nemo_jupyter import protocol
from nemo_jupyter.client import AsyncNemoClient
from nemo_jupyter.client.errors import NemoError
from nemo_jupyter.session import (AsyncSession, EditNotConfirmed, EditResult, NothingToExport, Session,
                                  SessionReplaced)


def posts(backend, session):
    return backend.stats.run_sse_by_session[session.session_id]


def test_edit_streams_once_and_reports_changes(scripted_backend, scripted_client, fast):
    session = Session(scripted_client, **fast)
    seen = []
    result = session.edit("Hello", on_event=seen.append)
    assert result.text == "Added the title Hello."
    assert [c.description for c in result.changes] == ['Added text "Hello" on track 1 (0-1s).']
    assert [call.name for call in result.tool_calls] == ["edit_draft"]
    assert {ev.kind for ev in seen} >= {"tool_call", "text_chunk", "text"}
    assert result.summary == 'Timeline (1 track): 1. Title: "Hello" (0-1s)'
    assert result.timeline["text"].tolist() == ["Hello"]
    assert session.timeline["text"].tolist() == ["Hello"]
    assert posts(scripted_backend, session) == 1


def test_silent_replies_become_one_sentence_per_change(scripted_backend, scripted_client, fast):
    scripted_backend.faults.silent_share = 1.0
    session = Session(scripted_client, **fast)
    result = session.edit("Quiet")
    assert result.silent and result.raw_text == ""
    assert result.text == 'Added text "Quiet" on track 1 (0-1s).'


def test_dropped_stream_is_recovered_by_polling_never_resent(scripted_backend, scripted_client, fast):
    session = Session(scripted_client, **fast)
    session.start()
    scripted_backend.faults.set(session_id=session.session_id, drop_after_events=1)
    result = session.edit("Dropped")
    assert result.recovered
    assert 'Added text "Dropped"' in result.text and "connection dropped" in result.text
    assert posts(scripted_backend, session) == 1


def test_dropped_stream_without_change_gives_up_after_the_polls(scripted_backend, scripted_client, fast):
    session = Session(scripted_client, **fast)
    session.start()
    scripted_backend.faults.set(session_id=session.session_id, drop_after_events=0)
    before = scripted_backend.stats.requests["GET " + f"/api/state/nemo_agent/me/{session.session_id}/latest"]
    with pytest.raises(EditNotConfirmed, match="not sent again"):
        session.edit("no change")
    after = scripted_backend.stats.requests["GET " + f"/api/state/nemo_agent/me/{session.session_id}/latest"]
    assert after - before == 1 + fast["recovery_polls"]  # the "before" draft, then the polls
    assert posts(scripted_backend, session) == 1


def test_trailing_temporary_issue_and_gui_speak(scripted_client, fast):
    session = Session(scripted_client, **fast)
    assert session.edit("flaky").text == "Added the title."
    result = session.edit("gui")
    assert "Click" not in result.text and "`%nemo export`" in result.text
    assert set(result.actions) == {"export", "credits"}


def test_session_not_found_starts_a_new_session(scripted_backend, scripted_client, fast):
    session = Session(scripted_client, **fast)
    old = session.start()
    scripted_backend.faults.set(error_code=1002, error_paths=["/api/state"], error_times=1)
    with pytest.raises(SessionReplaced) as raised:
        session.state()
    assert session.session_id != old
    assert old in str(raised.value) and session.session_id in str(raised.value)
    assert session.state()["draft"]["t"] == []


def test_resume_and_link(scripted_client, fast):
    first = Session(scripted_client, **fast)
    first.edit("Kept")
    again = Session.resume(first.session_id, scripted_client, **fast)
    assert again.draft.summary() == first.draft.summary()
    link = again.link()
    assert "/workspace/claim?ct=clm_" in link and "nmv_usr_" not in link


def test_export_of_an_empty_timeline_is_refused(scripted_backend, scripted_client, fast):
    session = Session(scripted_client, **fast)
    posted = _render_posts(scripted_backend)
    with pytest.raises(NothingToExport, match="empty"):
        session.export()
    assert _render_posts(scripted_backend) == posted


def test_export_to_a_path_that_cannot_be_written_fails_before_rendering(scripted_backend, scripted_client, fast,
                                                                       make_clip, tmp_path):
    session = Session(scripted_client, **fast)
    session.upload(make_clip(1.0))
    (tmp_path / "a_file").write_text("not a folder")
    posted = _render_posts(scripted_backend)
    with pytest.raises(OSError):
        session.export(tmp_path / "a_file" / "out.mp4", quality="draft")
    assert _render_posts(scripted_backend) == posted


def test_async_session_edits_and_reads(scripted_backend, fast):
    async def scenario():
        async with AsyncNemoClient(api_url=scripted_backend.url, retry_wait=0.05) as client:
            session = AsyncSession(client, **fast)
            result = await session.edit("Async")
            frame = await session.timeline()
            credits = await session.credits()
            return result, frame, credits

    result, frame, credits = asyncio.run(scenario())
    assert result.text == "Added the title Async." and frame["text"].tolist() == ["Async"]
    assert set(credits) >= {"available", "frozen", "total"}


def test_errors_are_one_line_without_the_token(scripted_client, fast):
    session = Session(scripted_client, **fast)
    with pytest.raises((NemoError, FileNotFoundError)) as raised:
        session.upload("/no/such/clip.mp4")
    assert "\n" not in str(raised.value) and "nmv_usr_" not in str(raised.value)


def test_an_upload_of_nothing_is_refused_before_anything_is_sent(scripted_backend, scripted_client, fast):
    session = Session(scripted_client, **fast)
    with pytest.raises(ValueError, match="at least one file path or URL"):
        session.upload()
    assert session.session_id is None  # not even a session was made


def _render_posts(backend) -> int:
    return backend.stats.requests["POST /api/render/proxy/lambda"]


@pytest.mark.parametrize("shape", ["a", "c"])
def test_export_renders_downloads_and_plays(scripted_backend, scripted_client, fast, make_clip, tmp_path, shape):
    session = Session(scripted_client, **fast)
    session.upload(make_clip(1.0))
    scripted_backend.faults.render_shape = shape
    stages = []
    render = session.export(tmp_path / "out.mp4", quality="draft", progress=lambda stage, pct: stages.append(stage))
    assert render.path == tmp_path / "out.mp4" and render.path.stat().st_size > 1000
    assert render.url and "nmv_usr_" not in render.url
    assert "<video" in render._repr_html_() and {"render", "download"} <= set(stages)


def test_failed_render_is_retried_once_with_a_new_id(scripted_backend, scripted_client, fast, make_clip, tmp_path):
    session = Session(scripted_client, **fast)
    session.upload(make_clip(1.0))
    posted = _render_posts(scripted_backend)
    scripted_backend.faults.set(render_fail_times=1, render_shape="b")
    render = session.export(tmp_path, quality="draft")
    assert render.path.parent == tmp_path and render.path.exists()
    assert _render_posts(scripted_backend) - posted == 2
    scripted_backend.faults.set(render_fail_times=2)
    with pytest.raises(NemoError, match="failed 2 times"):
        session.export(tmp_path, quality="draft")


def _cancels(backend) -> int:
    return sum(n for key, n in backend.stats.requests.items() if key.endswith("/cancel"))


def test_cancelling_an_export_cancels_the_render_on_the_server(scripted_backend, fast, make_clip, tmp_path):
    async def scenario():
        async with AsyncNemoClient(api_url=scripted_backend.url, retry_wait=0.05) as client:
            session = AsyncSession(client, **fast)
            await session.upload(make_clip(1.0))
            scripted_backend.faults.render_never_completes = True
            posted = _render_posts(scripted_backend)
            task = asyncio.ensure_future(session.export(tmp_path, quality="draft"))
            while _render_posts(scripted_backend) == posted:
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    before = _cancels(scripted_backend)
    asyncio.run(scenario())
    assert _cancels(scripted_backend) - before == 1


def test_cancelling_an_export_while_its_render_request_is_answered_still_cancels_it(scripted_backend, fast,
                                                                                    make_clip, tmp_path):
    """Ctrl-C while the server has not yet answered the render request: the render (named by the client)
    is cancelled by its id, since the server may already have started it."""
    async def scenario():
        async with AsyncNemoClient(api_url=scripted_backend.url, retry_wait=0.05) as client:
            session = AsyncSession(client, **fast)
            await session.upload(make_clip(1.0))
            scripted_backend.faults.set(stall_s=1.0, stall_paths=[protocol.PATH_RENDER])
            posted = _render_posts(scripted_backend)
            task = asyncio.ensure_future(session.export(tmp_path, quality="draft"))
            while _render_posts(scripted_backend) == posted:
                await asyncio.sleep(0.02)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    before = _cancels(scripted_backend)
    try:
        asyncio.run(scenario())
    finally:
        scripted_backend.faults.set(stall_s=0.0, stall_paths=None)
    assert _cancels(scripted_backend) - before == 1


def test_analysis_and_scenes_are_dataframes(scripted_client, fast, make_clip):
    session = Session(scripted_client, **fast)
    session.upload(make_clip(1.0))
    findings, scenes = session.analysis, session.scenes
    assert isinstance(findings, pd.DataFrame) and isinstance(scenes, pd.DataFrame)
    assert {"media", "kind", "start_s", "end_s"} <= set(findings.columns)
    assert {"media", "scene", "start_s", "end_s"} <= set(scenes.columns)


def test_send_routes_before_the_agent(scripted_backend, scripted_client, fast, make_clip, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    session = Session(scripted_client, **fast)
    session.start()
    assert set(session.send("余额")) >= {"available", "total"}
    assert session.send("状态").summary() == "Timeline (0 tracks): empty"
    clip = make_clip(1.0)
    assert session.send(f"upload {clip}")["files"][0]["filename"] == clip.name
    assert posts(scripted_backend, session) == 0
    render = session.send("导出")
    assert render.path.parent == tmp_path and render.path.exists()
    assert isinstance(session.send("Routed"), EditResult) and posts(scripted_backend, session) == 1

"""What both session faces share: the client built from the environment, and `resume`."""

from __future__ import annotations

import asyncio

import pytest

from nemo_jupyter import protocol
from nemo_jupyter.client import AsyncNemoClient, NemoClient
from nemo_jupyter.client.errors import SessionNotFound
from nemo_jupyter.session import AsyncSession, Session


@pytest.mark.parametrize(("face", "client_class"), [(Session, NemoClient), (AsyncSession, AsyncNemoClient)])
def test_a_face_without_a_client_builds_its_own_from_the_environment(face, client_class, scripted_backend,
                                                                      monkeypatch):
    monkeypatch.setenv(protocol.ENV_API_URL, scripted_backend.url)
    session = face(recovery_polls=1)
    assert type(session.client) is client_class
    assert session.client.api_url == scripted_backend.url.rstrip("/")
    assert session.settings.recovery_polls == 1 and session.session_id is None


@pytest.mark.parametrize(("face", "other_client"), [(Session, AsyncNemoClient), (AsyncSession, NemoClient)])
def test_a_face_refuses_the_other_faces_client_at_once(face, other_client):
    client = other_client(api_url="http://127.0.0.1:9")  # never reached: refused before any call
    with pytest.raises(TypeError, match=f"^{face.__name__} works with {face.client_class}, not {other_client.__name__}"):
        face(client)
    if isinstance(client, NemoClient):
        client.close()
    else:
        asyncio.run(client.close())


def test_async_resume_reads_the_session_and_refuses_an_unknown_id(scripted_backend, fast):
    async def scenario():
        async with AsyncNemoClient(api_url=scripted_backend.url, retry_wait=0.05) as client:
            first = AsyncSession(client, **fast)
            await first.edit("Resumed")
            again = await AsyncSession.resume(first.session_id, client, **fast)
            with pytest.raises(SessionNotFound, match="check the id"):
                await AsyncSession.resume("no-such-session", client, **fast)
            return first, again, await again.draft()

    first, again, draft = asyncio.run(scenario())
    assert type(again) is AsyncSession and again.session_id == first.session_id and again is not first
    assert again.task_id and draft.to_dataframe()["text"].tolist() == ["Resumed"]

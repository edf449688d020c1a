"""Fixtures for the local backend's tests: a backend with the scripted agent, and its users."""

from __future__ import annotations

import pytest
from backend_api import Api, scripted_agent


@pytest.fixture(scope="module")
def scripted(start_backend):
    """A backend of this test module with the scripted agent."""
    with start_backend("scripted", agent=scripted_agent) as running:
        yield running


@pytest.fixture
def alice(scripted):
    api = Api(scripted.url)
    yield api
    api.close()
    scripted.faults.reset()


@pytest.fixture
def user_of(request):
    """user_of(backend) -> a new Api user of that backend (closed after the test)."""
    made = []

    def make(backend, client_id=None):
        made.append(Api(backend.url, client_id))
        return made[-1]

    yield make
    for api in made:
        api.close()


@pytest.fixture(scope="session")
def clip(make_clip):
    return make_clip(1.0, (320, 240))

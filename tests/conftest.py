"""Shared fixtures: every test runs with its own config and data dirs, so no test touches ~/.config or
~/.local/share."""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest

from nemo_jupyter import protocol


def pytest_configure(config):
    """Before any fixture, session-wide ones too (a JupyterLab's kernels): `%nemo connect --local` runs the
    backend inside the kernel, so that no background server outlives the tests."""
    os.environ.setdefault("NEMO_LOCAL_INPROCESS", "1")


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path, monkeypatch):
    monkeypatch.setenv(protocol.ENV_CONFIG_DIR, str(tmp_path / "nemo-config"))
    # `%nemo connect --local` runs the backend inside the kernel (no background server outlives a test);
    # a test that wants the background one unsets this, and its data goes under tmp_path all the same
    monkeypatch.setenv("NEMO_LOCAL_INPROCESS", "1")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))
    for var in (protocol.ENV_TOKEN, protocol.ENV_API_URL, protocol.ENV_WEB_URL, protocol.ENV_CLIENT_ID):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def start_backend(tmp_path_factory):
    """start_backend(name, **options) -> a LocalBackend (use it as a context manager) on a new data
    dir named after `name`; options are LocalBackend's (agent=, credits=, ...)."""
    from nemo_jupyter.local import LocalBackend

    def start(name: str, **options):
        return LocalBackend(data_dir=tmp_path_factory.mktemp(name), **options)

    return start


@pytest.fixture(scope="session")
def client_on():
    """client_on(backend) -> a NemoClient on it (a context manager, retry_wait=0.05) that clears the
    faults the test set on that backend when it closes."""
    from nemo_jupyter.client import NemoClient

    @contextmanager
    def connect(backend):
        with NemoClient(api_url=backend.url, retry_wait=0.05) as c:
            yield c
        backend.faults.reset()

    return connect


@pytest.fixture(scope="session")
def backend(start_backend):
    """One local backend for the whole run, over real HTTP on 127.0.0.1."""
    with start_backend("backend") as running:
        yield running


@pytest.fixture
def fresh_backend(start_backend):
    """A backend of the test's own, for tests that change its settings or break it."""
    with start_backend("fresh") as running:
        yield running


@pytest.fixture
def client(backend, client_on):
    """A NemoClient on the shared backend; faults set by the test are cleared afterwards."""
    with client_on(backend) as c:
        yield c


@pytest.fixture
def scripted_client(scripted_backend, client_on):
    """A NemoClient on `scripted_backend`, which a test folder defines with its own scripted agent."""
    with client_on(scripted_backend) as c:
        yield c


@pytest.fixture(scope="session")
def make_clip(tmp_path_factory):
    """make_clip(seconds=2, size=(320, 240), **options) -> Path of a generated test clip (cached)."""
    from nemo_jupyter.local.media.samples import make_clip as _make

    folder = tmp_path_factory.mktemp("clips")
    cache = {}

    def make(seconds=2.0, size=(320, 240), **options):
        key = (seconds, tuple(size), tuple(sorted(options.items())))
        if key not in cache:
            cache[key] = _make(folder / f"clip{len(cache)}.mp4", seconds=seconds, size=size, **options)
        return cache[key]

    return make


def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright's sync API keeps an event loop running in the main thread for
    the rest of the session, and `asyncio.run` in any later test would fail."""
    items.sort(key=lambda item: item.nodeid.startswith("tests/browser/") or item.get_closest_marker("browser") is not None)

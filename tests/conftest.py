"""Shared fixtures: every test runs with its own config dir, so no test touches ~/.config."""

from __future__ import annotations

import pytest

from nemo_jupyter import protocol


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path, monkeypatch):
    monkeypatch.setenv(protocol.ENV_CONFIG_DIR, str(tmp_path / "nemo-config"))
    for var in (protocol.ENV_TOKEN, protocol.ENV_API_URL, protocol.ENV_WEB_URL, protocol.ENV_CLIENT_ID):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def backend(tmp_path_factory):
    """One local backend for the whole run, over real HTTP on 127.0.0.1."""
    from nemo_jupyter.local import LocalBackend

    with LocalBackend(data_dir=tmp_path_factory.mktemp("backend")) as running:
        yield running


@pytest.fixture
def fresh_backend(tmp_path):
    """A backend of the test's own, for tests that change its settings or break it."""
    from nemo_jupyter.local import LocalBackend

    with LocalBackend(data_dir=tmp_path / "backend") as running:
        yield running


@pytest.fixture
def client(backend):
    """A NemoClient on the shared backend; faults set by the test are cleared afterwards."""
    from nemo_jupyter.client import NemoClient

    with NemoClient(api_url=backend.url, retry_wait=0.05) as c:
        yield c
    backend.faults.reset()


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

"""Shared fixtures: every test runs with its own config dir, so no test touches ~/.config."""

from __future__ import annotations

import pytest

from nemo_jupyter import protocol


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path, monkeypatch):
    monkeypatch.setenv(protocol.ENV_CONFIG_DIR, str(tmp_path / "nemo-config"))
    for var in (protocol.ENV_TOKEN, protocol.ENV_API_URL, protocol.ENV_WEB_URL, protocol.ENV_CLIENT_ID):
        monkeypatch.delenv(var, raising=False)

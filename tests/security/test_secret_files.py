"""The files that hold secrets are private; reprs hold neither secret."""

from __future__ import annotations

import os
import stat

from nemo_jupyter import config, protocol
from nemo_jupyter.client import NemoClient


def test_an_existing_token_file_open_to_others_is_rewritten_private(tmp_path, monkeypatch):
    monkeypatch.setenv(protocol.ENV_CONFIG_DIR, str(tmp_path / "cfg"))
    cache = config.TokenCache()
    cache.path.write_text("{}")
    os.chmod(cache.path, 0o644)
    cache.save("nmv_usr_secret", 4e9)
    assert stat.S_IMODE(cache.path.stat().st_mode) == 0o600
    config.client_id()
    assert stat.S_IMODE((cache.path.parent / config.CLIENT_ID_FILE).stat().st_mode) == 0o600


def test_reprs_show_neither_token_nor_client_id(monkeypatch):
    monkeypatch.setenv(protocol.ENV_TOKEN, "nmv_usr_supersecret")
    monkeypatch.setenv(protocol.ENV_CLIENT_ID, "client-id-that-is-private")
    with NemoClient(api_url="http://127.0.0.1:9") as client:
        shown = [repr(client), str(client), repr(client._core), repr(config.Settings.from_env())]
    for secret in ("supersecret", "client-id-that-is-private"):
        assert not any(secret in line for line in shown)

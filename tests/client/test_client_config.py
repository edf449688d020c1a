"""config.py: the config dir, the client id, the token cache and settings from the environment."""

from __future__ import annotations

import stat
import time
import uuid

from nemo_jupyter import config, protocol


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_config_dir_is_created_private(tmp_path, monkeypatch):
    target = tmp_path / "deep" / "nemo"
    monkeypatch.setenv(protocol.ENV_CONFIG_DIR, str(target))
    assert config.config_dir() == target
    assert target.is_dir() and mode(target) == 0o700


def test_client_id_is_created_once_and_persisted():
    first = config.client_id()
    uuid.UUID(first)
    assert config.client_id() == first
    assert (config.config_dir() / config.CLIENT_ID_FILE).read_text().strip() == first
    assert mode(config.config_dir() / config.CLIENT_ID_FILE) == 0o600


def test_client_id_from_env_wins(monkeypatch):
    config.client_id()
    monkeypatch.setenv(protocol.ENV_CLIENT_ID, "my-fixed-id")
    assert config.client_id() == "my-fixed-id"


def test_token_cache_round_trip_is_private_and_expires():
    cache = config.TokenCache()
    assert cache.load() is None
    expires = time.time() + 3600
    cache.save("nmv_usr_abc", expires, "http://api")
    assert cache.load() == ("nmv_usr_abc", expires)
    assert cache.load("http://api") == ("nmv_usr_abc", expires)
    assert cache.load("http://other-api") is None  # a token is only sent to the API that issued it
    assert mode(cache.path) == 0o600
    cache.save("nmv_usr_old", time.time() + 10, "http://api")  # within the expiry margin
    assert cache.load() is None
    cache.clear()
    assert not cache.path.exists()
    cache.clear()  # clearing twice is fine


def test_a_cached_token_of_unknown_origin_goes_to_no_api():
    cache = config.TokenCache()
    expires = time.time() + 3600
    cache.save("nmv_usr_whose", expires)  # saved without naming the API that issued it
    assert cache.load() == ("nmv_usr_whose", expires)
    assert cache.load("http://api") is None


def test_token_cache_ignores_a_broken_file():
    cache = config.TokenCache()
    cache.path.write_text("{not json")
    assert cache.load() is None


def test_settings_from_env(monkeypatch):
    monkeypatch.setenv(protocol.ENV_API_URL, "http://127.0.0.1:9999/")
    monkeypatch.setenv(protocol.ENV_WEB_URL, "https://web.example/")
    monkeypatch.setenv(protocol.ENV_TOKEN, "nmv_usr_fromenv")
    monkeypatch.setenv(protocol.ENV_SKILL_SOURCE, "colab")
    settings = config.Settings.from_env()
    assert settings.api_url == "http://127.0.0.1:9999"
    assert settings.web_url == "https://web.example"
    assert settings.token == "nmv_usr_fromenv" and settings.platform == "colab"
    assert "nmv_usr_fromenv" not in repr(settings)


def test_settings_defaults(monkeypatch):
    monkeypatch.delenv(protocol.ENV_SKILL_SOURCE, raising=False)
    settings = config.Settings.from_env()
    assert settings.api_url == protocol.DEFAULT_API_URL
    assert settings.web_url == protocol.DEFAULT_WEB_URL
    assert settings.token is None and settings.platform == "jupyter"

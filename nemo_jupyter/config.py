"""Settings from the environment and the config dir: API and web URLs, the client id, the token cache.

The config dir (`$NEMO_CONFIG_DIR`, else `~/.config/nemovideo`) is created with mode 0700; the
token cache inside it is written with mode 0600 and remembers which API issued the token, so a
token from the local backend is never sent to the cloud (and the other way round).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from . import protocol

DEFAULT_PLATFORM = "jupyter"
CLIENT_ID_FILE = "client_id"
TOKEN_FILE = "token.json"
# A cached token this close to its expiry is treated as expired (clock skew, long calls).
TOKEN_EXPIRY_MARGIN_S = 60.0


def config_dir() -> Path:
    """`$NEMO_CONFIG_DIR` or `~/.config/nemovideo`, created with mode 0700."""
    folder = Path(os.environ.get(protocol.ENV_CONFIG_DIR) or Path.home() / ".config" / "nemovideo")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def client_id() -> str:
    """`$NEMO_CLIENT_ID`, else the id persisted in the config dir, else a new UUID persisted there."""
    from_env = os.environ.get(protocol.ENV_CLIENT_ID, "").strip()
    if from_env:
        return from_env
    path = config_dir() / CLIENT_ID_FILE
    try:
        stored = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        stored = ""
    return stored or new_client_id()


def new_client_id() -> str:
    """A new UUID, persisted in the config dir as this machine's client id."""
    new_id = str(uuid.uuid4())
    _write_private(config_dir() / CLIENT_ID_FILE, new_id + "\n")
    return new_id


def _write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by the owner only (0600), replacing it atomically."""
    partial = path.with_name(path.name + ".tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(partial, 0o600)
    os.replace(partial, path)


class TokenCache:
    """The anonymous token and its expiry, in a 0600 JSON file under the config dir."""

    def __init__(self, path: Path | str | None = None) -> None:
        self._path = Path(path) if path is not None else None

    @property
    def path(self) -> Path:
        return self._path if self._path is not None else config_dir() / TOKEN_FILE

    def load(self, api_url: str | None = None) -> tuple[str, float] | None:
        """(token, expires_at) if a token is cached, unexpired and (when given) issued by `api_url`."""
        try:
            entry = json.loads(self.path.read_text(encoding="utf-8"))
            token, expires_at = str(entry["token"]), float(entry["expires_at"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if api_url is not None and entry.get("api_url") != api_url:  # unknown issuer: not for this API
            return None
        if expires_at - TOKEN_EXPIRY_MARGIN_S <= time.time():
            return None
        return token, expires_at

    def save(self, token: str, expires_at: float, api_url: str | None = None) -> None:
        entry = {"token": token, "expires_at": float(expires_at), "api_url": api_url}
        _write_private(self.path, json.dumps(entry))

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

    def __repr__(self) -> str:
        return f"TokenCache(path={str(self.path)!r})"


@dataclass(frozen=True)
class Settings:
    """What the environment says; the client fills in what is missing (client id, token)."""

    api_url: str
    web_url: str
    token: str | None
    client_id: str | None
    platform: str

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            api_url=normalize_url(env.get(protocol.ENV_API_URL) or protocol.DEFAULT_API_URL),
            web_url=normalize_url(env.get(protocol.ENV_WEB_URL) or protocol.DEFAULT_WEB_URL),
            token=env.get(protocol.ENV_TOKEN, "").strip() or None,
            client_id=env.get(protocol.ENV_CLIENT_ID, "").strip() or None,
            platform=env.get(protocol.ENV_SKILL_SOURCE, "").strip() or DEFAULT_PLATFORM,
        )

    def __repr__(self) -> str:  # the token and the client id stay out of reprs
        return (
            f"Settings(api_url={self.api_url!r}, web_url={self.web_url!r}, "
            f"token={'<set>' if self.token else None}, client_id={'<set>' if self.client_id else None}, "
            f"platform={self.platform!r})"
        )


def normalize_url(url: str) -> str:
    return url.strip().rstrip("/")

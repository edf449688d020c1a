"""Run the local backend: `LocalBackend` (uvicorn on a background thread: tests, `nemo-jupyter serve`,
`NEMO_LOCAL_INPROCESS=1` notebooks) or `.serve_forever()` in the foreground. Finding the one that runs
in the background for notebooks is `discovery.py`'s."""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import threading
import time
import warnings
from pathlib import Path

import uvicorn

from .. import protocol
from .app import Backend
from .faults import Faults, Stats
from .store import Store
from .turn import StreamDropped

STOP_TIMEOUT_S = 15.0  # how long stop() waits for uvicorn to finish its open requests


def default_data_dir() -> Path:
    """`$XDG_DATA_HOME/nemo-jupyter`, else `~/.local/share/nemo-jupyter`."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "nemo-jupyter"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _HideInjectedDrops(logging.Filter):
    """A stream cut on purpose (fault `drop_after_events`) is not a server error worth a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], StreamDropped))


logging.getLogger("uvicorn.error").addFilter(_HideInjectedDrops())


class LocalBackend:
    """The local NemoVideo-compatible backend on its own thread.

    A stopped backend is not started again: make a new one on the same `data_dir` (its state is kept).

    >>> with LocalBackend() as backend:
    ...     backend.url   # 'http://127.0.0.1:<free port>'
    """

    def __init__(self, data_dir: str | Path | None = None, host: str = "127.0.0.1", port: int = 0, *,
                 credits: int = 100, token_ttl_s: float = 7 * 86400,
                 max_upload_bytes: int = protocol.MAX_UPLOAD_BYTES, agent=None) -> None:
        if not is_loopback(host):
            warnings.warn(f"the local backend listens on {host}, not only on this machine", stacklevel=2)
        self.host, self.port = host, port
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.faults, self.stats = Faults(), Stats()
        self.store = Store(self.data_dir, credits=credits, token_ttl_s=token_ttl_s)
        self.backend = Backend(self.store, self.faults, self.stats, max_upload_bytes=max_upload_bytes, agent=agent)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def _uvicorn(self) -> uvicorn.Server:
        config = uvicorn.Config(self.backend.app(), log_level="warning", lifespan="off",
                                timeout_graceful_shutdown=2, access_log=False)
        return uvicorn.Server(config)

    def bind(self) -> socket.socket:
        """Open the listening socket (on a free port when `port` is 0) and fix `.port`, hence `.url`."""
        if self._socket is None:
            family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and without
            # it every keep-alive answer (headers and body written apart) waits ~40 ms for a delayed ACK.
            self._socket = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._socket.bind((self.host, self.port))
            self.port = self._socket.getsockname()[1]
        return self._socket

    def start(self) -> LocalBackend:
        """Serve on a background thread; returns once the server accepts connections."""
        sock = self.bind()
        self._server = self._uvicorn()
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True,
                                        name=f"nemo-local-{self.port}")
        self._thread.start()
        while not self._server.started and self._thread.is_alive():
            time.sleep(0.01)
        if not self._server.started:
            self.stop()
            raise RuntimeError(f"the local backend did not start on {self.url}")
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT_S)
        self._close()
        self._server = self._thread = None

    def _close(self) -> None:
        """After the server stopped: end background work, then the database and the socket."""
        self.backend.stop()
        self.store.close()
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def serve_forever(self) -> None:
        """Serve in the foreground until Ctrl-C (what `nemo-jupyter serve` does)."""
        try:
            self._uvicorn().run(sockets=[self.bind()])
        finally:
            self._close()

    def __enter__(self) -> LocalBackend:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"LocalBackend(url={self.url!r}, data_dir={str(self.data_dir)!r})"

"""The local backend that outlives a kernel: found through a discovery file, the way Jupyter finds its
servers, started when there is none, and stopped on request.

`<data dir>/server.json` (mode 0600) holds `url, host, port, pid, data_dir, instance, started`; the
serving process writes it once it accepts connections and removes it when it stops. It is *live* when
its pid runs and `GET /_local/identity` on its port answers the same random `instance`; otherwise it is
stale (a crash, a reboot, the port now taken by something else) and is replaced. `ensure()` holds an
exclusive lock on `<data dir>/server.lock` while it looks and starts, so kernels connecting at once end
with one server. The started server's output goes to `<data dir>/server.log`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from .app import SERVICE
from .server import default_data_dir

ENV_INPROCESS = "NEMO_LOCAL_INPROCESS"  # "1": `%nemo connect --local` runs the backend inside the kernel (tests)
FILE_NAME, LOCK_NAME, LOG_NAME = "server.json", "server.lock", "server.log"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
IDENTITY_TIMEOUT_S = 2.0


class DiscoveryError(RuntimeError):
    """The background backend could not be started or stopped (one line, naming the log)."""


@dataclass(frozen=True)
class ServerInfo:
    url: str
    host: str
    port: int
    pid: int
    data_dir: str
    instance: str
    started: float


def inprocess_wanted() -> bool:
    return os.environ.get(ENV_INPROCESS, "").strip().lower() in ("1", "true", "yes")


def _folder(data_dir: str | os.PathLike | None) -> Path:
    return Path(data_dir).expanduser() if data_dir is not None else default_data_dir()


def write(backend) -> Path:
    """Announce a running `LocalBackend` (called by the serving process once it accepts connections)."""
    folder = _folder(backend.data_dir)
    info = ServerInfo(url=backend.url, host=backend.host, port=backend.port, pid=os.getpid(),
                      data_dir=str(folder.resolve()), instance=backend.backend.instance, started=time.time())
    folder.mkdir(parents=True, exist_ok=True)
    path, scratch = folder / FILE_NAME, folder / f".{FILE_NAME}.{os.getpid()}"
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        json.dump(asdict(info), file)
    os.replace(scratch, path)  # never a half-written file for a reader
    return path


def remove(backend) -> None:
    """Withdraw the announcement, if it is still this process's."""
    info = read(backend.data_dir)
    if info is not None and info.pid == os.getpid() and info.instance == backend.backend.instance:
        (_folder(backend.data_dir) / FILE_NAME).unlink(missing_ok=True)


def read(data_dir: str | os.PathLike | None = None) -> ServerInfo | None:
    """The discovery file as written (live or not), or None when there is none or it is unreadable."""
    try:
        raw = json.loads((_folder(data_dir) / FILE_NAME).read_text(encoding="utf-8"))
        return ServerInfo(**{name: raw[name] for name in ServerInfo.__dataclass_fields__})
    except (OSError, ValueError, KeyError, TypeError):
        return None


def is_live(info: ServerInfo) -> bool:
    """Its process runs and its port answers as that very server (not a stranger that took the port)."""
    if not _pid_runs(info.pid):
        return False
    try:
        answer = httpx.get(f"{info.url}/_local/identity", timeout=IDENTITY_TIMEOUT_S, trust_env=False)  # no proxy
        return answer.json() == {"service": SERVICE, "instance": info.instance}
    except (httpx.HTTPError, ValueError):
        return False


def status(data_dir: str | os.PathLike | None = None) -> ServerInfo | None:
    """The live server of this data dir, or None."""
    info = read(data_dir)
    return info if info is not None and is_live(info) else None


def ensure(data_dir: str | os.PathLike | None = None) -> tuple[ServerInfo, bool]:
    """(the live server of this data dir, whether it was started now): reused when live, else started
    detached (its own session: it outlives this process); a stale discovery file is replaced."""
    folder = _folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder):
        found = status(folder)
        if found is not None:
            return found, False
        (folder / FILE_NAME).unlink(missing_ok=True)  # stale
        return _start(folder), True


def stop(data_dir: str | os.PathLike | None = None) -> ServerInfo | None:
    """Stop the live server of this data dir (SIGTERM, then SIGKILL after a wait); None if none ran."""
    folder = _folder(data_dir)
    with _locked(folder):
        info = status(folder)
        if info is None:
            (folder / FILE_NAME).unlink(missing_ok=True)
            return None
        os.kill(info.pid, signal.SIGTERM)
        if not _wait_gone(info.pid, STOP_TIMEOUT_S):
            os.kill(info.pid, signal.SIGKILL)
            _wait_gone(info.pid, 5.0)
        (folder / FILE_NAME).unlink(missing_ok=True)
        return info


def _start(folder: Path) -> ServerInfo:
    log = open(folder / LOG_NAME, "ab")  # noqa: SIM115 - handed to the child, closed here right after
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "nemo_jupyter.cli", "serve", "--port", "0", "--data", str(folder)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            env={k: v for k, v in os.environ.items() if k != ENV_INPROCESS}, cwd=folder)
    finally:
        log.close()
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        info = read(folder)
        if info is not None and info.pid == child.pid and is_live(info):
            return info
        if child.poll() is not None:
            raise DiscoveryError(f"the local backend stopped as it started (exit {child.returncode}): "
                                 f"see {folder / LOG_NAME}")
        time.sleep(0.05)
    child.terminate()
    raise DiscoveryError(f"the local backend did not start within {START_TIMEOUT_S:g} s: see {folder / LOG_NAME}")


@contextmanager
def _locked(folder: Path):
    try:
        import fcntl
    except ImportError:  # Windows: no flock; kernels starting at the same instant may race there
        fcntl = None
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _pid_runs(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would end the process there: the identity check decides alone
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive, but not ours (the identity check decides)
        return True
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """A child that ended but was not reaped yet still 'runs' for kill(0)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _pid_runs(pid):
            return True
        time.sleep(0.05)
    return False

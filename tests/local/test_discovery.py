"""The local backend that outlives the kernel: started detached on a data dir, found again through its
discovery file, stale files replaced, one server for kernels connecting at once, `serve --status/--stop`,
and a real kernel killed mid-render whose render a new kernel delivers with no second render."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from backend_api import Api

from nemo_jupyter import cli, protocol
from nemo_jupyter.local import discovery

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def data_dir(tmp_path):
    """A data dir whose background server (if a test started one) is stopped afterwards."""
    folder = tmp_path / "data"
    yield folder
    discovery.stop(folder)


def test_started_once_then_found_again(data_dir):
    info, started = discovery.ensure(data_dir)
    assert started and info.url.startswith("http://127.0.0.1:") and info.pid != os.getpid()
    path = data_dir / discovery.FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert info.data_dir == str(data_dir.resolve()) and info.port == int(info.url.rsplit(":", 1)[1])
    again, started_again = discovery.ensure(data_dir)
    assert again == info and not started_again
    answer = httpx.post(info.url + protocol.PATH_ANON_TOKEN, headers={protocol.HEADER_CLIENT_ID: "t"})
    assert answer.json()["data"]["token"].startswith(protocol.TOKEN_PREFIX)


def test_kernels_connecting_at_once_end_with_one_server(data_dir):
    found = []
    threads = [threading.Thread(target=lambda: found.append(discovery.ensure(data_dir))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert len(found) == 3 and len({info.pid for info, _ in found}) == 1
    assert sorted(started for _, started in found) == [False, False, True]


def _write_stale(data_dir: Path, pid: int, port: int) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / discovery.FILE_NAME).write_text(
        f'{{"url": "http://127.0.0.1:{port}", "host": "127.0.0.1", "port": {port}, "pid": {pid}, '
        f'"data_dir": "{data_dir}", "instance": "0123456789abcdef", "started": 1.0}}')


def test_a_file_of_a_dead_server_is_replaced(data_dir):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    _write_stale(data_dir, gone.pid, 9)
    assert discovery.read(data_dir).pid == gone.pid and discovery.status(data_dir) is None
    info, started = discovery.ensure(data_dir)
    assert started and info.pid != gone.pid and discovery.read(data_dir) == info


def test_a_port_taken_by_something_else_is_not_taken_for_the_server(data_dir):
    with socket.socket() as stranger:  # a live process (this one) listening on the port, but not our server
        stranger.bind(("127.0.0.1", 0))
        stranger.listen()
        port = stranger.getsockname()[1]
        _write_stale(data_dir, os.getpid(), port)
        assert discovery.status(data_dir) is None
        info, started = discovery.ensure(data_dir)
    assert started and info.port != port


def test_serve_status_and_stop(data_dir, capsys):
    assert cli.main(["serve", "--status", "--data", str(data_dir)]) == 3
    assert "no local backend is running" in capsys.readouterr().out
    info, _ = discovery.ensure(data_dir)
    assert cli.main(["serve", "--status", "--data", str(data_dir)]) == 0
    assert capsys.readouterr().out.startswith(f"running: {info.url} (pid {info.pid}")
    assert cli.main(["serve", "--data", str(data_dir), "--port", "0"]) == 1  # one server per data dir
    assert "already serves this data folder" in capsys.readouterr().err
    assert cli.main(["serve", "--stop", "--data", str(data_dir)]) == 0
    assert capsys.readouterr().out.startswith("stopped: ")
    assert not (data_dir / discovery.FILE_NAME).exists() and discovery.status(data_dir) is None
    with pytest.raises(httpx.ConnectError):
        httpx.get(info.url + "/_local/identity", timeout=2)


# --- a real kernel, killed mid-render -------------------------------------------------------------
def _execute(client, code: str, timeout: float = 120.0) -> str:
    """Run `code` in the kernel; everything it printed or displayed as text (raises on an error)."""
    shown: list[str] = []

    def output(message):
        content = message["content"]
        if message["msg_type"] == "stream":
            shown.append(content["text"])
        elif message["msg_type"] in ("execute_result", "display_data"):
            data = content["data"]
            shown.append(data.get("text/html") or data.get("text/markdown") or data.get("text/plain", ""))
        elif message["msg_type"] == "error":
            shown.append("\n".join(content["traceback"]))

    reply = client.execute_interactive(code, timeout=timeout, output_hook=output)
    text = "".join(shown)
    assert reply["content"]["status"] == "ok", text
    return text


@pytest.mark.slow
def test_a_kernel_killed_mid_render_is_resumed_by_the_next_with_one_render(tmp_path, monkeypatch, make_clip):
    from jupyter_client.manager import KernelManager

    monkeypatch.delenv(discovery.ENV_INPROCESS)  # the real thing: the backend in the background
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    data_dir = Path(os.environ["XDG_DATA_HOME"]) / "nemo-jupyter"  # the default data dir, under tmp_path here
    clip, out = make_clip(1.0), tmp_path / "out"
    kernel, api = KernelManager(kernel_name="python3"), None
    kernel.start_kernel(cwd=str(tmp_path))
    try:
        client = kernel.client()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        shown = _execute(client, "%load_ext nemo_jupyter\n%nemo connect --local")
        assert "started in the background" in shown
        session_id = shown.rsplit("session ", 1)[1].strip().rstrip(".")
        url = discovery.status(data_dir).url
        api = Api(url)
        _execute(client, f"%nemo upload {clip}")
        api.faults(render_wall_s=8.0)
        client.execute(f"%nemo export --out {out} --quality draft")  # not waited for: the kernel dies first
        render_id = _wait_for_a_processing_render(api)
        os.kill(kernel.provisioner.pid, signal.SIGKILL)  # the kernel dies mid-render (no Ctrl-C, no clean-up)
        _wait_until(lambda: not kernel.is_alive())
        kernel.restart_kernel(now=True)  # a new kernel process
        client.wait_for_ready(timeout=60)
        shown = _execute(client, "%load_ext nemo_jupyter\n%nemo connect --local\n%nemo renders")
        assert "running since" in shown and render_id in shown
        assert f"Resumed session {session_id}." in _execute(client, f"%nemo session {session_id}")
        assert "1. Video:" in _execute(client, "%nemo status")  # its clip is still there
        shown = _execute(client, "%nemo export --resume")
        assert "Traceback" not in shown and render_id in shown
        assert (out / f"{render_id}.mp4").stat().st_size > 1000
        assert api.stats()["requests"]["POST " + protocol.PATH_RENDER] == 1
    finally:
        if api is not None:
            api.close()
        kernel.shutdown_kernel(now=True)
        discovery.stop(data_dir)


def _wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _wait_for_a_processing_render(api: Api, timeout: float = 90.0) -> str:
    from nemo_jupyter.render_journal import RenderJournal

    journal, deadline = RenderJournal(), time.monotonic() + timeout
    while time.monotonic() < deadline:
        entries = journal.entries(api.url)
        polled = entries and "GET " + protocol.PATH_RENDER_STATUS.format(render_id=entries[-1]["id"])
        if polled and api.stats()["requests"].get(polled):
            return entries[-1]["id"]  # asked for and polled at least once: it runs on the server
        time.sleep(0.1)
    raise AssertionError("the kernel's render never started")

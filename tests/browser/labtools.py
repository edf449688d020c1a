"""A JupyterLab 4 server on 127.0.0.1 for the browser tests (it serves Notebook 7 too), with nothing
reaching the network, and the helpers to drive a notebook in either and ask its kernel questions."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    "--autoplay-policy=no-user-gesture-required", "--mute-audio",
]

SERVER_CONFIG = {
    "ServerApp": {"open_browser": False, "allow_root": True, "ip": "127.0.0.1"},
    "LabApp": {
        "news_url": None,
        "check_for_updates_class": "jupyterlab.handlers.announcements.NeverCheckForUpdate",
        "extension_manager": "readonly",
        "expose_app_in_browser": True,
    },
    "JupyterNotebookApp": {"expose_app_in_browser": True},  # Notebook 7, at /notebooks/<path>
    "JupyterNotebookApp": {"expose_app_in_browser": True},  # Notebook 7: window.jupyterapp too
    "LanguageServerManager": {"autodetect": False},
}
NOTIFICATIONS = {"fetchNews": "false", "checkForUpdates": False}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Lab:
    """`Lab(folder, env)` starts `jupyter lab` (stopped by `.stop()`); `.url`, `.root`, `.token`."""

    def __init__(self, folder: Path, env: dict[str, str], timeout: float = 90.0) -> None:
        self.root = folder / "root"
        self.runtime = folder / "runtime"
        config, settings = folder / "config", folder / "settings"
        for path in (self.root, self.runtime, config, settings / "@jupyterlab" / "apputils-extension"):
            path.mkdir(parents=True, exist_ok=True)
        (config / "jupyter_server_config.json").write_text(json.dumps(SERVER_CONFIG))
        (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(json.dumps(NOTIFICATIONS))
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / "lab.log"
        full_env = {**os.environ, **env, "JUPYTER_CONFIG_DIR": str(config), "JUPYTER_RUNTIME_DIR": str(self.runtime),
                    "JUPYTERLAB_SETTINGS_DIR": str(settings), "JUPYTERLAB_WORKSPACES_DIR": str(folder / "workspaces")}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jupyter", "lab", f"--port={self.port}", f"--ServerApp.token={self.token}",
                 f"--ServerApp.root_dir={self.root}", "--ServerApp.port_retries=0"],
                stdout=log, stderr=subprocess.STDOUT, env=full_env, cwd=self.root)
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/api/status", headers=self.headers, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"jupyter lab did not start in {timeout} s: {self.log.read_text()[-2000:]}")

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    def kernel_connection_file(self, notebook: str, timeout: float = 60.0) -> Path:
        """The connection file of the kernel the server started for `notebook`."""
        deadline = time.monotonic() + timeout
        while True:
            sessions = httpx.get(f"{self.url}/api/sessions", headers=self.headers, timeout=5).json()
            for session in sessions:
                path = self.runtime / f"kernel-{(session.get('kernel') or {}).get('id')}.json"
                if session.get("path") == notebook and path.exists():
                    return path
            if time.monotonic() > deadline:
                raise LookupError(f"no kernel for {notebook}; sessions: {[s.get('path') for s in sessions]}")
            time.sleep(0.3)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


class Kernel:
    """A second client of a notebook's kernel: evaluates expressions there and returns them."""

    def __init__(self, connection_file: Path) -> None:
        from jupyter_client import BlockingKernelClient

        self.client = BlockingKernelClient()
        self.client.load_connection_file(str(connection_file))
        self.client.start_channels(hb=False)
        # (not wait_for_ready: with no kernel manager it may take a slow heartbeat for a death)
        deadline = time.monotonic() + 30
        while True:
            self.client.kernel_info()
            try:
                if self.client.get_shell_msg(timeout=2)["msg_type"] == "kernel_info_reply":
                    break
            except Exception:  # noqa: BLE001 - queue.Empty: ask again
                if time.monotonic() > deadline:
                    raise

    def value(self, expression: str, timeout: float = 30.0):
        """The JSON value of `expression` evaluated in the kernel."""
        out: list[str] = []

        def hook(msg):
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                out.append("\n".join(msg["content"]["traceback"]))

        code = f"import json as _json; print('@@' + _json.dumps({expression}))"
        self.client.execute_interactive(code, output_hook=hook, timeout=timeout, store_history=False)
        text = "".join(out)
        if "@@" not in text:
            raise AssertionError(f"kernel could not evaluate {expression!r}: {text[-1500:]}")
        try:
            return json.loads(text.split("@@", 1)[1])
        except ValueError:
            raise AssertionError(f"kernel answered {text[-1500:]!r} for {expression!r}") from None

    def wait_for(self, expression: str, predicate, timeout: float = 30.0, every: float = 0.3):
        deadline = time.monotonic() + timeout
        while True:
            value = self.value(expression)
            if predicate(value) or time.monotonic() > deadline:
                return value
            time.sleep(every)

    def close(self) -> None:
        self.client.stop_channels()


def notebook_json(cells: list[str]) -> dict:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


UIS = ("lab", "notebook")  # JupyterLab 4, Notebook 7
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}


def notebook_url(lab: Lab, name: str, ui: str = "lab") -> str:
    if ui == "notebook":
        return f"{lab.url}/notebooks/{name}?token={lab.token}"
    return f"{lab.url}/lab/tree/{name}?reset&token={lab.token}"  # reset: no tabs restored


def set_theme(page, theme: str) -> None:
    """Switch the open JupyterLab or Notebook 7 page to the light or dark theme (and wait for it)."""
    page.evaluate("name => window.jupyterapp.commands.execute('apputils:change-theme', {theme: name})", THEMES[theme])
    page.wait_for_function("light => document.body.dataset.jpThemeLight === light", arg=str(theme == "light").lower())
    page.wait_for_selector("#jupyterlab-splash", state="detached")  # JupyterLab's splash while it switches


class OpenNotebook:
    """A notebook open in JupyterLab (`ui="lab"`) or Notebook 7 (`ui="notebook"`), its kernel
    started; `.kernel` answers questions about its state."""

    def __init__(self, lab: Lab, page, name: str, ui: str = "lab") -> None:
        self.lab, self.page, self.name, self.ui = lab, page, name, ui
        page.goto(notebook_url(lab, name, ui))
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                               " && window.jupyterapp.shell.currentWidget.sessionContext")
        page.wait_for_function("() => window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel"
                               "?.status === 'idle'")
        self.kernel = Kernel(lab.kernel_connection_file(name))

    def run_all(self, timeout: float = 240.0) -> None:
        self.page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        self.kernel.value("1", timeout=timeout)  # queued behind the notebook's own cells
        failed = self.page.evaluate(  # from the notebook's model: cells out of view may not be drawn
            "() => window.jupyterapp.shell.currentWidget.context.model.toJSON().cells.flatMap(c => c.outputs || [])"
            ".filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue)")
        if failed:
            raise AssertionError(f"a notebook cell failed: {failed}")

    def save(self) -> Path:
        self.page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        self.page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")
        return self.lab.root / self.name

    def close(self) -> None:
        """Stop talking to the kernel and shut it down (its session too)."""
        self.kernel.close()
        sessions = httpx.get(f"{self.lab.url}/api/sessions", headers=self.lab.headers, timeout=5).json()
        for session in sessions:
            if session.get("path") == self.name:
                httpx.delete(f"{self.lab.url}/api/sessions/{session['id']}", headers=self.lab.headers, timeout=30)


DROP_SCRIPT = """
async (files) => {
  // Valid WAV files: a 44-byte header, then pseudo-random 16-bit samples (seeded per file).
  const drop = new DataTransfer();
  const hashes = [];
  for (const [bytes, name, seed] of files) {
    const data = new Uint8Array(bytes);
    const view = new DataView(data.buffer);
    const ascii = (at, s) => [...s].forEach((c, i) => view.setUint8(at + i, c.charCodeAt(0)));
    ascii(0, "RIFF"); view.setUint32(4, bytes - 8, true); ascii(8, "WAVE"); ascii(12, "fmt ");
    view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
    view.setUint32(24, 48000, true); view.setUint32(28, 96000, true); view.setUint16(32, 2, true);
    view.setUint16(34, 16, true); ascii(36, "data"); view.setUint32(40, bytes - 44, true);
    let x = seed;
    for (let i = 44; i < bytes; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; data[i] = x & 0xff; }
    drop.items.add(new File([data], name, { type: "audio/wav" }));
    const digest = await crypto.subtle.digest("SHA-256", data);
    hashes.push(Array.from(new Uint8Array(digest)).map((b) => b.toString(16).padStart(2, "0")).join(""));
  }
  const zone = document.querySelector(".nemo-dropzone");
  zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: drop, bubbles: true, cancelable: true }));
  zone.dispatchEvent(new DragEvent("drop", { dataTransfer: drop, bubbles: true, cancelable: true }));
  return hashes;
}
"""


def drop_wavs(page, *files: tuple[int, str]) -> list[str]:
    """Drop generated WAV files (`(size, name)` each) on the page's upload zone at once; their SHA-256s."""
    return page.evaluate(DROP_SCRIPT, [[size, name, 2463534242 + n] for n, (size, name) in enumerate(files)])

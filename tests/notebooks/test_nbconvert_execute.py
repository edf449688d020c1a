"""A notebook run headless — `jupyter nbconvert --execute` (to HTML and to a notebook), nbclient,
papermill — keeps the static forms of our widgets with no extra flag: the reply, the timeline
picture, the `<video>` with its poster, the upload list; no widget-view, no bundle code in its
widget state, no repr, no token. A kernel of a UI (a Jupyter server sets `JPY_SESSION_NAME`) keeps
the live widget; and a widget manager connecting late (the `jupyter.widget.control` comm) turns a
static-only output live again. See `nemo_jupyter/widgets/frontend.py`.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from nemo_jupyter.static_forms import WIDGET_VIEW
from nemo_jupyter.widgets.frontend import UI_ENV

ROOT = Path(__file__).resolve().parents[2]

CELLS = [
    "%load_ext nemo_jupyter\nfrom nemo_jupyter.local.media.samples import make_clip\n"
    "clip = make_clip('clip.mp4', seconds=2, label='clip')",
    "%nemo connect --local",
    "%nemo upload {clip}",
    '%%nemo\nadd title "Hello Offline" from 0s to 1s',
    "%nemo timeline",
    "%nemo export --out out.mp4 --quality draft",
    "%nemo upload",
]


def headless_env(**extra: str) -> dict[str, str]:
    """This process's environment (its own config and data dirs, the in-kernel local backend) with
    the checkout importable and no sign of a UI, as on a CI machine."""
    env = {key: value for key, value in os.environ.items() if key not in UI_ENV}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**env, **extra}


def write_notebook(folder: Path, name: str = "offline.ipynb") -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / name
    nbformat.write(notebook, str(path))
    return path


def nbconvert(path: Path, *args: str, env: dict[str, str] | None = None) -> None:
    done = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--execute", *args, path.name],
                          cwd=path.parent, env=env or headless_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def svgs(html: str) -> list[str]:
    return [base64.b64decode(data).decode("utf-8") for data in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html)]


def test_nbconvert_to_html_execute_shows_the_static_results(tmp_path):
    """Plain `jupyter nbconvert --to html --execute`, offline: what each widget did, no widget."""
    nbconvert(write_notebook(tmp_path), "--to", "html")
    html = (tmp_path / "offline.html").read_text(encoding="utf-8")
    assert 'Added text "Hello Offline"' in html and "What changed" in html  # the reply's Markdown
    timelines = [svg for svg in svgs(html) if "<svg" in svg and "Hello Offline" in svg]
    assert timelines and all("clip.mp4" in svg for svg in timelines)  # the lanes, their segments named
    (video,) = re.findall(r"<video[^>]*>", html)
    assert 'src="out.mp4"' in video and 'poster="data:image/jpeg;base64,' in video
    assert "Upload: no file was dropped here." in html or "no file was dropped here" in html
    assert not re.search(r"object at 0x|Error displaying widget|model not found|TimelineWidget\(", html)
    assert "nmv_usr_" not in html
    assert not re.search(r'<script type="application/vnd\.jupyter\.widget-view\+json">', html), "no live widget"


def test_nbconvert_to_notebook_execute_keeps_static_forms_and_no_bundle_code(tmp_path):
    """`--to notebook --execute` (nbclient, as papermill runs it): our outputs have no widget-view,
    and the widget state nbclient stores has none of our bundles' code."""
    nbconvert(write_notebook(tmp_path), "--to", "notebook", "--output", "ran.ipynb")
    text = (tmp_path / "ran.ipynb").read_text(encoding="utf-8")
    notebook = json.loads(text)
    marked = [o for cell in notebook["cells"] for o in cell.get("outputs", []) if o.get("metadata", {}).get("nemo_jupyter")]
    assert len(marked) >= 4, "reply, timeline, player and uploader each left an output"
    assert all(WIDGET_VIEW not in o["data"] for o in marked)
    assert not [o for cell in notebook["cells"] for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    assert '"_esm"' not in text and '"_css"' not in text
    assert "nmv_usr_" not in text and "object at 0x" not in text
    assert len(text.encode()) < 120_000, len(text.encode())


def test_a_kernel_started_for_a_ui_keeps_the_live_widget(tmp_path):
    """The same run in a kernel a Jupyter server started for a document (`JPY_SESSION_NAME`): the
    outputs keep their widget-view, whether or not a widget manager has connected yet."""
    from nbclient import NotebookClient

    path = write_notebook(tmp_path)
    notebook = nbformat.read(str(path), as_version=4)
    notebook.cells = notebook.cells[:2] + [nbformat.v4.new_code_cell("%nemo timeline")]
    env = headless_env(JPY_SESSION_NAME=str(path))
    from jupyter_client.manager import KernelManager

    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(env=env, cwd=str(tmp_path))
    try:
        NotebookClient(notebook, km=manager, timeout=180).execute()
    finally:
        manager.shutdown_kernel(now=True)
    shown = [o for o in notebook.cells[-1].outputs if o.get("metadata", {}).get("nemo_jupyter")]
    assert shown and all(WIDGET_VIEW in o["data"] for o in shown)


def iopub_until(client, predicate, timeout: float = 60.0) -> list[dict]:
    seen, deadline = [], time.monotonic() + timeout
    while not any(predicate(m) for m in seen):
        assert time.monotonic() < deadline, [m["msg_type"] for m in seen]
        try:
            seen.append(client.get_iopub_msg(timeout=1))
        except Exception:  # noqa: BLE001 - queue.Empty: wait on
            pass
    return seen


def test_a_widget_manager_connecting_late_makes_a_static_output_live(tmp_path):
    """Displayed in a kernel with no sign of a UI (so static only); then a widget manager opens the
    control comm and asks for the models, as JupyterLab does: it gets them, the bundle's code is
    sent to the shown widget's model, and the output is shown again with its widget-view."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", env=headless_env(), cwd=str(tmp_path))
    try:
        msg_id = client.execute("from nemo_jupyter.widgets import PlayerWidget\n"
                                "player = PlayerWidget('https://cdn.example/v.mp4')\nplayer")
        seen = iopub_until(client, lambda m: m["msg_type"] == "status" and m["parent_header"].get("msg_id") == msg_id
                           and m["content"]["execution_state"] == "idle")
        (shown,) = [m for m in seen if m["msg_type"] == "display_data"]
        assert WIDGET_VIEW not in shown["content"]["data"] and "<video" in shown["content"]["data"]["text/html"]
        display_id = shown["content"]["transient"]["display_id"]
        (opened,) = [m for m in seen if m["msg_type"] == "comm_open" and "nemo_jupyter." in
                     str(m["content"]["data"]["state"].get("_anywidget_id"))]
        assert "_esm" not in opened["content"]["data"]["state"]

        control = uuid.uuid4().hex
        client.shell_channel.send(client.session.msg(
            "comm_open", {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}},
            metadata={"version": "1.0.0"}))
        client.shell_channel.send(client.session.msg("comm_msg", {"comm_id": control, "data": {"method": "request_states"}}))
        seen = iopub_until(client, lambda m: m["msg_type"] == "update_display_data")
        kinds = [(m["msg_type"], (m["content"].get("data") or {}).get("method")) for m in seen if m["msg_type"] != "status"]
        states = next(m for m in seen if m["msg_type"] == "comm_msg" and m["content"]["data"].get("method") == "update_states")
        model = states["content"]["data"]["states"][opened["content"]["comm_id"]]["state"]
        assert model.get("_esm"), "the widget manager gets the model's code"
        sent = [m for m in seen if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == opened["content"]["comm_id"]
                and "_esm" in (m["content"]["data"].get("state") or {})]
        assert sent, kinds
        update = seen[-1]
        assert update["content"]["transient"]["display_id"] == display_id
        assert update["content"]["data"][WIDGET_VIEW]["model_id"] == opened["content"]["comm_id"]
        assert seen.index(states) < seen.index(update), "the model's state reaches the page before its view"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


@pytest.fixture(autouse=True)
def _no_ui_in_this_process(monkeypatch):
    for name in UI_ENV:
        monkeypatch.delenv(name, raising=False)


def shown_by(client, code: str, metadata: dict | None = None) -> dict:
    """The display_data of running `code` as a cell sent with `metadata` (as a notebook UI sends it)."""
    content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
               "allow_stdin": False, "stop_on_error": True}
    msg = client.session.msg("execute_request", content, metadata=metadata or {})
    client.shell_channel.send(msg)
    seen = iopub_until(client, lambda m: m["msg_type"] == "status" and m["parent_header"].get("msg_id") == msg["header"]["msg_id"]
                       and m["content"]["execution_state"] == "idle")
    (shown,) = [m for m in seen if m["msg_type"] == "display_data"]
    return shown["content"]["data"]


def test_a_cell_sent_by_a_notebook_ui_keeps_the_live_widget_for_the_kernels_life(tmp_path):
    """No JPY_SESSION_NAME (a server that does not set it): the cell's metadata, as JupyterLab 4 and
    Notebook 7 send it, is enough, and the kernel stays live after it, even for a bare request."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", env=headless_env(), cwd=str(tmp_path))
    code = "from nemo_jupyter.widgets import PlayerWidget\nPlayerWidget('https://cdn.example/v.mp4')"
    try:
        lab_cell = {"deletedCells": [], "recordTiming": False, "cellId": uuid.uuid4().hex}
        assert WIDGET_VIEW in shown_by(client, code, lab_cell)
        assert WIDGET_VIEW in shown_by(client, code), "once a UI was seen, it stays"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)

"""An end-to-end notebook run leaks neither the token nor the client id, anywhere a user could see them.

The quickstart notebook runs in a real kernel (nbclient) against its own local backend, with three
cells added around it: one that sends every log record, at every level, to a file; one after the
connect cell that does the same for the backend's (uvicorn's) own loggers; and one at the end that
prints the reprs of the objects a user holds, an error's message and repr, and the session link.
Then every artefact is searched for both secrets: the saved notebook JSON (outputs and widget
state), the log file, and the token cache and config dir modes are checked.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from nemo_jupyter import config, protocol

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "notebooks" / "quickstart.ipynb"
CLIENT_ID = "c0ffee00-1eak-7e57-a11d-0123456789ab"

LOG_ALL = """\
import logging
logging.basicConfig(level=logging.DEBUG, filename={log!r}, force=True,
                    format="%(levelname)s %(name)s %(message)s")
"""
LOG_BACKEND = """\
import logging
for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "nemo_jupyter"):
    logger = logging.getLogger(name)
    logger.setLevel(logging.DEBUG)
    logger.addHandler(logging.getLogger().handlers[0])
"""
SHOW_EVERYTHING = """\
magics = get_ipython().magics_manager.registry["NemoMagics"]
print(repr(magics.client), repr(magics.session), repr(magics.local), repr(edit), repr(video))
from nemo_jupyter.client.errors import NemoError
try:
    magics._wait(magics.client.state("999999999"))
except Exception as error:
    print(type(error).__name__, str(error), repr(error), repr(error.__context__))
print(magics._wait(magics.session.link()))
"""


def code_cell(source: str, tags: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def instrumented(log: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(QUICKSTART, as_version=4)
    cells = [code_cell(LOG_ALL.format(log=str(log)))]
    for cell in notebook.cells:
        cells.append(cell)
        if cell.cell_type == "code" and cell.source.strip().startswith("%nemo connect"):
            cells.append(code_cell(LOG_BACKEND))
    cells.append(code_cell(SHOW_EVERYTHING))
    cells.append(code_cell("%nemo session 999999999", tags=("raises-exception",)))  # an error the user sees
    notebook.cells = cells
    return notebook


@pytest.fixture
def kernel_env(monkeypatch, tmp_path):
    """The kernel imports this checkout, keeps its config in the test's dir, and uses a known client id."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv(protocol.ENV_CLIENT_ID, CLIENT_ID)
    return Path(os.environ[protocol.ENV_CONFIG_DIR])


def test_a_notebook_run_leaks_neither_token_nor_client_id(kernel_env, tmp_path):
    log = tmp_path / "all-records.log"
    notebook = instrumented(log)
    NotebookClient(notebook, timeout=180, kernel_name="python3", store_widget_state=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    saved = tmp_path / "executed.ipynb"
    nbformat.write(notebook, saved)

    cached = config.TokenCache(kernel_env / config.TOKEN_FILE).load()
    assert cached is not None, "the kernel cached the token it used"
    token = cached[0]
    assert token.startswith(protocol.TOKEN_PREFIX)

    text, records = saved.read_text(encoding="utf-8"), log.read_text(encoding="utf-8")
    assert "HTTP Request: POST" in records, "the log file caught the client's records"
    executed = json.loads(text)
    widgets = executed["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    assert widgets.get("state"), "the widgets' state was saved in the notebook (and is searched below)"
    shown = "\n".join(_outputs(executed))
    assert "/workspace/claim?ct=clm_" in shown and "LocalBackend(url=" in shown, "the last cells ran"
    assert "no longer exists" in shown or "not found" in shown.lower(), "the error cell showed its error"
    for secret in (token, CLIENT_ID):
        assert secret not in text, "in the executed notebook JSON"
        assert secret not in records, "in a log record"

    # the secrets that are kept: private files in a private dir
    assert stat.S_IMODE(kernel_env.stat().st_mode) == 0o700
    assert stat.S_IMODE((kernel_env / config.TOKEN_FILE).stat().st_mode) == 0o600


def _outputs(notebook: dict) -> list[str]:
    found = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            found.append(json.dumps(output))
    return found

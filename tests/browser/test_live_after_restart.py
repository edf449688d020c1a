"""A widget displayed by the very first cell of a Run All right after a kernel restart is live in
JupyterLab 4 and Notebook 7, never only its static form (widgets/frontend.py leaves the
widget-view out only in a kernel with no widget frontend and no sign of a UI).

Two kernels: the usual one (the server sets `JPY_SESSION_NAME`, so the widget-view is always
there), and one whose kernelspec blanks `JPY_SESSION_NAME`, where only the widget manager's
`jupyter.widget.control` comm tells the kernel a frontend is there: if the first cell ran before
that comm opened, the output must have turned live once it did. Each run prints whether the comm
was open when the first cell ran (pytest -s shows the race's outcome).
"""

from __future__ import annotations

import json
import sys

import nbformat
import pytest

from labtools import UIS, Lab, OpenNotebook, notebook_json

from nemo_jupyter.static_forms import WIDGET_VIEW

FIRST = ("import ipywidgets\nfrom nemo_jupyter.widgets import PlayerWidget\n"
         "print('control comm open:', ipywidgets.Widget._control_comm is not None)\n"
         "PlayerWidget('https://cdn.example/first.mp4')")
SECOND = "from nemo_jupyter.widgets import StreamView\nStreamView()"
BARE = "python3-bare"  # a kernel started without JPY_SESSION_NAME, as by a server that does not set it

RESTARTS = {
    # what "Restart Kernel and Run All Cells" does once its dialog is confirmed
    "restart, then run all": "() => { const p = window.jupyterapp.shell.currentWidget;"
                             " return p.sessionContext.restartKernel().then("
                             "() => window.jupyterapp.commands.execute('notebook:run-all-cells')); }",
    # harsher: Run All sent while the kernel is still restarting (queued until it is back)
    "run all while restarting": "() => { const p = window.jupyterapp.shell.currentWidget;"
                                " p.sessionContext.restartKernel();"
                                " return window.jupyterapp.commands.execute('notebook:run-all-cells'); }",
}


@pytest.fixture(scope="module")
def kernels_lab(lab_backend, tmp_path_factory):
    """A JupyterLab of this module's own, which knows the `python3-bare` kernel too."""
    folder = tmp_path_factory.mktemp("lab-kernels")
    spec = folder / "share" / "kernels" / BARE
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (no JPY_SESSION_NAME)", "language": "python",
        "env": {"JPY_SESSION_NAME": ""},
    }))
    running = Lab(folder, {"NEMO_API_URL": lab_backend.url, "NEMO_CONFIG_DIR": str(folder / "nemo-config"),
                           "JUPYTER_PATH": str(folder / "share")})
    yield running
    running.stop()


def first_outputs(page) -> list[dict]:
    return page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.toJSON().cells[0].outputs")


@pytest.mark.parametrize("restart", RESTARTS)
@pytest.mark.parametrize("kernel", ["python3", BARE])
@pytest.mark.parametrize("ui", UIS)
def test_the_first_cell_of_a_run_all_after_a_restart_is_live(kernels_lab, page, ui, kernel, restart):
    name = f"live_{ui}_{kernel}_{restart.split(',')[0].replace(' ', '_')}.ipynb"
    notebook = notebook_json([FIRST, SECOND])
    notebook.metadata["kernelspec"]["name"] = kernel
    nbformat.write(notebook, str(kernels_lab.root / name))
    opened = OpenNotebook(kernels_lab, page, name, ui)
    try:
        session_name = opened.kernel.value("__import__('os').environ.get('JPY_SESSION_NAME', '')")
        assert (session_name == "") == (kernel == BARE), session_name
        page.evaluate(RESTARTS[restart])
        page.wait_for_function("() => { const c = window.jupyterapp.shell.currentWidget.context.model.toJSON().cells;"
                               " return c.every(x => x.execution_count && (x.outputs || []).some(o => o.data)); }",
                               timeout=120_000)
        # the first cell's output ends with its widget-view and is drawn live
        page.wait_for_function(
            "() => window.jupyterapp.shell.currentWidget.context.model.toJSON().cells[0].outputs"
            f".some(o => o.data && o.data['{WIDGET_VIEW}'])", timeout=30_000)
        first_cell = page.locator(".jp-Notebook .jp-Cell").first
        first_cell.locator(".nemo-player").wait_for(state="attached", timeout=30_000)
        assert first_cell.locator(".jp-OutputArea-output video:not(.nemo-player video)").count() == 0, \
            "the static <video> is not what shows"
        page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".nemo-stream").wait_for(state="attached", timeout=30_000)
        printed = "".join("".join(o.get("text", "")) for o in first_outputs(page) if o.get("output_type") == "stream")
        print(f"\n{ui} / {kernel} / {restart}: {printed.strip()}")
        assert "control comm open:" in printed
        text = page.evaluate("() => document.querySelector('.jp-Notebook').textContent")
        assert "Error displaying widget" not in text and "model not found" not in text
    finally:
        opened.close()

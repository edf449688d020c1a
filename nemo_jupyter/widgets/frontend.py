"""Is there a widget frontend to draw a live widget? A notebook run headless (`jupyter nbconvert
--execute`, nbclient, papermill) has none, and there a widget's output is only its static form.

Why it matters: nbclient stores every widget's state in `metadata.widgets`, and nbconvert then
draws an output's widget-view (a script needing a CDN) instead of its static form. A widget's
output without a widget-view shows its static form everywhere.

Why it is safe: a widget-view is left out only inside a kernel that has shown no sign of a UI,
ever (once one is seen, it holds for the kernel's life):
- it was not started for a document by a Jupyter server (`JPY_SESSION_NAME`: the kernels of
  JupyterLab, Notebook 7, JupyterHub, and VS Code's), nor by VS Code (`VSCODE_PID`,
  `__vsc_ipynb_file__`), Voila (`SERVER_SOFTWARE=voila/…`) or Colab;
- the request being run was not sent by a notebook UI (JupyterLab 4 and Notebook 7 send each
  cell with `cellId`, `deletedCells` and `recordTiming` in its metadata; nbclient sends none) nor
  is it a comm message (only a frontend sends those);
- no widget manager has opened the `jupyter.widget.control` comm. Not enough on its own: a
  manager opens it when it connects to the kernel, so in a fresh or restarted kernel, before
  ipywidgets is imported, it finds no such target and never asks again (seen in JupyterLab 4).
Headless needs positive evidence: a cell (`execute_request`) run with none of those signs. A
thread of no request (a background loop) follows the cells; before any cell has decided, it is live.
There a model's state also leaves out the bundle's code (`CODE_TRAITS`, ~35 KB a model, which
nbclient would store in `metadata.widgets`). Outside a kernel (plain Python, tests) nothing is
decided: the bundle keeps its widget-view. Should a widget manager open the control comm later
(after answering its request for every model's state, code included), each widget shown without
its widget-view gets its code and is shown again with it (`refresh_static`, by its display id).
"""

from __future__ import annotations

import os
import sys
import weakref
from typing import Any

CONTROL_TARGET = "jupyter.widget.control"
UI_ENV = ("JPY_SESSION_NAME", "VSCODE_PID")  # set for the kernels of a Jupyter server / of VS Code
CODE_TRAITS = ("_esm", "_css")  # the bundle's code: a headless kernel's models leave it out

_waiting: "weakref.WeakSet[Any]" = weakref.WeakSet()  # widgets shown with their static form only


def _kernel_shell() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return shell if getattr(shell, "kernel", None) is not None else None


UI_REQUEST_KEYS = ("cellId", "deletedCells", "recordTiming")  # a notebook UI's execute_request metadata
_ui_seen = False  # a sign of a UI was seen: live widgets for the kernel's life
_headless_run = False  # a cell was run with no sign of a UI (what a thread with no request follows)


def _request(shell: Any) -> dict:
    """The request the kernel is running in this thread ({} in a thread of no request)."""
    try:
        return shell.kernel.get_parent("shell") or {}
    except (AttributeError, TypeError):
        return {}


def _ui_signs(shell: Any, request: dict) -> bool:
    """The kernel was started by something that shows widgets, or the request it runs came from one."""
    if (any(os.environ.get(name) for name in UI_ENV) or os.environ.get("SERVER_SOFTWARE", "").startswith("voila")
            or "google.colab" in sys.modules or "__vsc_ipynb_file__" in getattr(shell, "user_ns", {})):
        return True
    kind = str((request.get("header") or {}).get("msg_type", ""))
    return kind.startswith("comm_") or any(key in (request.get("metadata") or {}) for key in UI_REQUEST_KEYS)


def headless() -> bool:
    """True only inside a kernel that has shown no sign of a widget frontend (see the module): while
    it runs a cell sent without a UI's metadata, or, in a thread of no request, once it has."""
    global _ui_seen, _headless_run
    from ipywidgets import Widget

    if _ui_seen or Widget._control_comm is not None:
        return False
    shell = _kernel_shell()
    if shell is None:
        return False
    request = _request(shell)
    if _ui_signs(shell, request):
        _ui_seen = True
        return False
    if (request.get("header") or {}).get("msg_type") == "execute_request":
        _headless_run = True
    return _headless_run


def shown_static_only(widget: Any) -> None:
    """`widget` was displayed without its widget-view: show it live once a widget manager connects."""
    _waiting.add(widget)
    _watch_control_comm()


_watching = False


def _watch_control_comm() -> None:
    """Stand between ipywidgets and the control comm's opening (once), to upgrade waiting widgets."""
    global _watching
    if _watching:
        return
    from comm import get_comm_manager
    from ipywidgets import Widget

    manager = get_comm_manager()
    if manager is None:
        return

    def opened(comm: Any, msg: dict) -> None:
        Widget.handle_control_comm_opened(comm, msg)

        def answered(request: dict) -> None:
            Widget._handle_control_comm_msg(request)  # the manager gets every model's state first
            for widget in list(_waiting):
                _waiting.discard(widget)
                widget.send_state(list(CODE_TRAITS))  # the code its model was made without
                widget.refresh_static()  # now with its widget-view

        comm.on_msg(answered)

    manager.register_target(CONTROL_TARGET, opened)
    _watching = True

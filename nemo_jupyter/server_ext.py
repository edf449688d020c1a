"""The Jupyter server extension: notebooks are saved with the static forms of the nemo widgets.

Installed with the package and enabled by `jupyter-config/jupyter_server_config.d/nemo_jupyter.json`
(`pip install` puts it in `<prefix>/etc/jupyter`). It registers a contents-manager pre-save hook
that drops, from the file only, the widget-view of each nemo widget's output and the widgets'
models: the open page keeps its live widgets, and a reopen or nbconvert shows the reply, the
timeline picture, the `<video>` and the upload list (see `nemo_jupyter.static_forms`).
"""

from __future__ import annotations

from typing import Any

from .static_forms import freeze_notebook


def pre_save(model: dict, **_: Any) -> None:
    """The pre-save hook: a notebook's JSON keeps what lasts of our widgets."""
    if isinstance(model, dict) and model.get("type") == "notebook":
        freeze_notebook(model.get("content"))


def _jupyter_server_extension_points() -> list[dict]:
    return [{"module": "nemo_jupyter.server_ext"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    serverapp.contents_manager.register_pre_save_hook(pre_save)
    serverapp.log.info("nemo_jupyter: notebooks are saved with the static forms of its widgets")

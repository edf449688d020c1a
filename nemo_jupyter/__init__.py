"""nemo_jupyter: re-edit AI-generated video clips from a notebook through the NemoVideo agent API.

`%load_ext nemo_jupyter` registers the `%nemo` / `%%nemo` magics. The public names are imported
lazily so that `import nemo_jupyter` stays cheap (no pandas, no widgets until they are used).
"""

from __future__ import annotations

import importlib

from ._version import __version__

_PUBLIC = {
    "NemoClient": "nemo_jupyter.client",
    "AsyncNemoClient": "nemo_jupyter.client",
    "Session": "nemo_jupyter.session",
    "AsyncSession": "nemo_jupyter.session",
    "EditResult": "nemo_jupyter.session",
    "Render": "nemo_jupyter.session",
    "Draft": "nemo_jupyter.draft",
    "batch": "nemo_jupyter.batches",
    "abatch": "nemo_jupyter.batches",
    "LocalBackend": "nemo_jupyter.local",
    "widgets": "nemo_jupyter.widgets",
}

__all__ = ["__version__", "load_ipython_extension", "unload_ipython_extension", *_PUBLIC]


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'nemo_jupyter' has no attribute {name!r}")
    mod = importlib.import_module(module)
    return mod if module.endswith("." + name) else getattr(mod, name)


def load_ipython_extension(ipython) -> None:
    from .magics import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython) -> None:
    from .magics import unload_ipython_extension as _unload

    _unload(ipython)

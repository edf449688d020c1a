"""What every nemo widget shares: its bundle from `static/`, and one dispatch of custom messages.

Custom messages carry a `kind`; a widget lists the kinds it answers in `_handlers` (kind → method
name). The dispatcher is registered once per widget, in `__init__`, never per view.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, Callable, ClassVar

import anywidget

STATIC = Path(__file__).resolve().parent.parent / "static"

_MISSING_BUNDLE = """
export default { render({ el }) {
  el.textContent = "nemo_jupyter: the widget bundle {name}.js is missing; build it with `npm run build` in js/.";
} };
"""


def bundle(name: str) -> Path | str:
    """The built `static/<name>.js`, or (not built yet) a stand-in that says how to build it."""
    path = STATIC / f"{name}.js"
    return path if path.is_file() else _MISSING_BUNDLE.replace("{name}", name)


def stylesheet(name: str) -> Path | str:
    path = STATIC / f"{name}.css"
    return path if path.is_file() else ""


class NemoWidget(anywidget.AnyWidget):
    """An anywidget whose custom messages are routed by their `kind`."""

    _handlers: ClassVar[dict[str, str]] = {}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_msg(self._dispatch)

    def _dispatch(self, _widget: Any, content: Any, buffers: list) -> None:
        kind = content.get("kind") if isinstance(content, dict) else None
        method = self._handlers.get(kind) if isinstance(kind, str) else None
        if method is not None:
            getattr(self, method)(content, buffers)


class BlockingSession:
    """A Session's face over an AsyncSession for the widgets: every awaitable it returns is waited
    for with `run` (the magics pass their background loop's runner). Works from any thread."""

    def __init__(self, session: Any, run: Callable[[Any], Any]) -> None:
        self._session, self._run = session, run

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._session, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            result = attribute(*args, **kwargs)
            return self._run(result) if inspect.isawaitable(result) else result

        return call


def blocking_session(session: Any, widget: str) -> Any:
    """`session` if its methods answer directly; an AsyncSession is refused with what to do instead."""
    if inspect.iscoroutinefunction(getattr(session, "edit", None)):
        raise TypeError(f"{widget} needs a Session, not an AsyncSession: "
                        "pass BlockingSession(async_session, run) with a runner that waits for a coroutine.")
    return session

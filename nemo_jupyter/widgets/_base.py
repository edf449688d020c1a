"""What every nemo widget shares: its bundle from `static/`, one dispatch of custom messages, and
the static form of its result that a saved notebook keeps.

Custom messages carry a `kind`; a widget lists the kinds it answers in `_handlers` (kind → method
name). The dispatcher is registered once per widget, in `__init__`, never per view.

What lasts: each widget's mime bundle carries `static_bundle()` (Markdown or HTML) and a stable
`static_text()` next to its widget-view, marked for the save hook (`nemo_jupyter.static_forms`).
Every display of a widget shares one display id, so `refresh_static()` brings the saved form of
every copy up to date once its result has changed (a new order, a finished upload). In a kernel
with no widget frontend (`frontend.headless()`: nbconvert --execute, nbclient, papermill) the
bundle is the static form alone.
"""

from __future__ import annotations

import inspect
import uuid
from pathlib import Path
from typing import Any, Callable, ClassVar

import anywidget

from .. import static_forms
from . import frontend

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
        self._display_id = uuid.uuid4().hex
        self._shown = False

    # --- what lasts -----------------------------------------------------------------------------
    def static_bundle(self) -> dict[str, str]:
        """The result as a saved notebook shows it: `{mime: content}` (HTML or Markdown)."""
        return {}

    def static_text(self) -> str:
        """A stable one-line `text/plain` (never `<… object at 0x…>`)."""
        return type(self).__name__

    def __repr__(self) -> str:
        try:
            return self.static_text()
        except AttributeError:  # asked while the widget is still being made
            return type(self).__name__

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict, dict]:
        static = {**self.static_bundle(), "text/plain": self.static_text()}
        if frontend.headless():  # nbconvert --execute, nbclient, papermill: the static form alone
            return static, dict(static_forms.MARKED)
        found = super()._repr_mimebundle_(**kwargs)
        data, metadata = found if isinstance(found, tuple) else (found or {}, {})
        return {**data, **static}, {**metadata, **static_forms.MARKED}

    def get_state(self, key: Any = None, drop_defaults: bool = False) -> dict:
        """The model's state; in a kernel with no widget frontend, without the bundle's code (~35 KB a
        model that nbclient would store in the notebook for nothing: no output shows the model)."""
        state = super().get_state(key, drop_defaults)
        if frontend.headless():
            for name in frontend.CODE_TRAITS:
                state.pop(name, None)
        return state

    def _ipython_display_(self) -> None:
        from IPython.display import display

        data, metadata = self._repr_mimebundle_()
        display(data, raw=True, metadata=metadata, display_id=self._display_id)
        self._shown = True
        if static_forms.WIDGET_VIEW not in data:
            frontend.shown_static_only(self)

    def refresh_static(self) -> None:
        """Re-send the displayed outputs with the current static form (the live view is redrawn)."""
        if self._shown:
            from IPython.display import update_display

            data, metadata = self._repr_mimebundle_()
            update_display(data, raw=True, metadata=metadata, display_id=self._display_id)

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

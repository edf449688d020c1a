"""Helpers for the widgets' Python tests: talk to a widget as its front end would."""

from __future__ import annotations

import pytest


class FrontEnd:
    """Sends custom messages to a widget and records what the widget sends back."""

    def __init__(self, widget, monkeypatch):
        self.widget = widget
        self.received: list[tuple[dict, list]] = []
        monkeypatch.setattr(widget, "send", lambda content, buffers=None: self.received.append((content, list(buffers or []))))

    def send(self, content: dict, buffers: list | None = None) -> None:
        self.widget._handle_custom_msg(content, buffers or [])

    def kinds(self) -> list[str]:
        return [content.get("kind") for content, _ in self.received]


@pytest.fixture
def front_end(monkeypatch):
    return lambda widget: FrontEnd(widget, monkeypatch)


def _draft_json(scenes=("a", "b", "c"), seconds=2.0, title="Hello"):
    """A small local-backend-shaped draft: one video track of scenes, a music track, a title."""
    ms = int(seconds * 1000)
    video = [{"id": f"seg_{name}", "st": i * ms, "d": ms, "src": f"med_{name}", "in": 0, "m": {"name": name}}
             for i, name in enumerate(scenes)]
    total = ms * len(scenes)
    return {
        "d": total,
        "t": [
            {"id": "trk_v", "tt": 0, "m": {"name": "Video"}, "sg": video},
            {"id": "trk_a", "tt": 1, "m": {"name": "BGM"}, "sg": [{"id": "seg_bgm", "st": 0, "d": total, "src": "med_bgm", "m": {"name": "Lo-fi", "volume": 0.35}}]},
            {"id": "trk_t", "tt": 7, "m": {"name": "Title"}, "sg": [{"id": "seg_title", "st": 0, "d": 1000, "m": {"text": title}}]},
        ],
    }


@pytest.fixture
def draft_json():
    """draft_json(scenes=("a", "b", "c"), seconds=2.0, title="Hello") -> a draft dict."""
    return _draft_json

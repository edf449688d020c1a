"""The local NemoVideo-compatible backend: `with LocalBackend() as backend: backend.url`."""

from __future__ import annotations

from .server import LocalBackend

__all__ = ["LocalBackend"]

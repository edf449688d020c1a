"""The NemoVideo agent API client: one sans-IO request core (`core.py`), two faces over it.

`NemoClient` (blocking, httpx.Client) and `AsyncNemoClient` (asyncio, httpx.AsyncClient) offer the
same calls; `events` holds the typed stream events, `errors` the typed exceptions.
"""

from __future__ import annotations

from . import errors, events
from .aio import AsyncNemoClient
from .errors import NemoError
from .render import RenderJob
from .sync import NemoClient

__all__ = ["NemoClient", "AsyncNemoClient", "RenderJob", "NemoError", "errors", "events"]

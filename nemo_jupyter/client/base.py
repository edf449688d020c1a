"""What the sync and async faces share: construction (one signature, `ClientCore`'s),
the simple attributes, and method delegation.

A face method such as `credits` is made by `delegate(ClientCore.credits, driver)`: it creates the
core's generator and hands it to the face's driver (`_run` / `_arun`), with the core method's
name, signature and docstring.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from .core import ClientCore

# Core calls whose result is simply the generator's return value (the same on both faces).
SIMPLE_CALLS = (
    "create_session",
    "claim_link",
    "credits",
    "state",
    "upload",
    "upload_urls",
    "render",
    "render_status",
    "render_cancel",
)


def delegate_sync(core_method: Callable) -> Callable:
    @functools.wraps(core_method)
    def method(self, *args: Any, **kwargs: Any) -> Any:
        return self._run(core_method(self._core, *args, **kwargs))

    return _returning_result(method, core_method)


def delegate_async(core_method: Callable) -> Callable:
    @functools.wraps(core_method)
    async def method(self, *args: Any, **kwargs: Any) -> Any:
        return await self._arun(core_method(self._core, *args, **kwargs))

    return _returning_result(method, core_method)


def _returning_result(method: Callable, core_method: Callable) -> Callable:
    """Show the call's result type (`dict`), not the core's generator type (`Call[dict]`)."""
    signature = inspect.signature(core_method)
    returns = signature.return_annotation
    if isinstance(returns, str) and returns.startswith("Call[") and returns.endswith("]"):
        method.__signature__ = signature.replace(return_annotation=returns[len("Call[") : -1])
    return method


def with_simple_calls(delegate: Callable[[Callable], Callable]) -> Callable[[type], type]:
    """Class decorator: add every SIMPLE_CALLS method, built by `delegate`."""

    def decorate(cls: type) -> type:
        for name in SIMPLE_CALLS:
            setattr(cls, name, delegate(getattr(ClientCore, name)))
        return cls

    return decorate


class BaseNemoClient:
    """Construction and the attributes both faces share; no I/O here.

    A face names its HTTP client class in `http_client` (`httpx.Client` or `httpx.AsyncClient`).
    """

    http_client: type

    def __init__(self, *args: Any, **options: Any) -> None:
        """Every argument goes to `ClientCore` (the signature shows them all); the HTTP client waits
        `timeout` seconds for each request."""
        self._core = ClientCore(*args, **options)
        self._http = self.http_client(timeout=self._core.timeout, follow_redirects=True)

    __init__.__signature__ = inspect.signature(ClientCore.__init__)  # help() and completion show them all

    @classmethod
    def from_env(cls, **options: Any):
        """A client configured from NEMO_API_URL, NEMO_WEB_URL, NEMO_TOKEN, NEMO_CLIENT_ID, SKILL_SOURCE."""
        return cls(**options)

    @property
    def api_url(self) -> str:
        return self._core.api_url

    @property
    def timeout(self) -> float:
        """Seconds each HTTP request may take (a reply stream's reads wait `read_timeout` instead)."""
        return self._core.timeout

    @property
    def web_url(self) -> str:
        return self._core.web_url

    @property
    def client_id(self) -> str:
        return self._core.client_id

    def register_url(self) -> str:
        """Where an anonymous user registers to keep this client's work and get credits."""
        return self._core.register_url()

    def logout(self) -> None:
        """Remove the cached anonymous token; the next call fetches a new one."""
        self._core.logout()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(api_url={self.api_url!r})"  # no token, no client id

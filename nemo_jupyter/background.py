"""An asyncio loop on a daemon thread, so that a notebook cell can wait on network I/O.

`asyncio.run` fails inside a kernel (its loop is already running) and nest_asyncio is abandoned:
the coroutines run on a loop of their own, and the cell's thread waits, doing its own display work
between waits. Ctrl-C in the cell cancels the coroutine, waits for its clean-up (closing a stream,
cancelling a render on the server) and re-raises.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any, Awaitable, Callable, TypeVar

T = TypeVar("T")

CLEANUP_WAIT_S = 15.0  # how long Ctrl-C waits for the cancelled work to tidy up


class BackgroundLoop:
    def __init__(self, name: str = "nemo-jupyter-loop") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def submit(self, coro: Awaitable[T]) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Awaitable[T], while_waiting: Callable[[], None] | None = None,
            interval: float = 0.1) -> T:
        """Run `coro` on the loop and wait for it, calling `while_waiting()` on this thread meanwhile."""
        started, finished = threading.Event(), threading.Event()

        async def tracked() -> Any:
            started.set()
            try:
                return await coro
            finally:
                finished.set()

        future = self.submit(tracked())
        try:
            while True:
                try:
                    return future.result(timeout=interval)
                except concurrent.futures.TimeoutError:
                    if while_waiting is not None:
                        while_waiting()
        except KeyboardInterrupt:
            if future.cancel() and started.is_set():
                finished.wait(CLEANUP_WAIT_S)
            raise
        finally:
            if while_waiting is not None:
                while_waiting()

    def stop(self) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=5)
        if not self.loop.is_running() and not self.loop.is_closed():
            self.loop.close()

"""`AsyncNemoClient`: the asyncio face over the request core, on an `httpx.AsyncClient`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from .base import BaseNemoClient, delegate_async, with_simple_calls
from .core import Call, Send, T
from .events import Event
from .render import RenderJob
from .upload import Progress


@with_simple_calls(delegate_async)
class AsyncNemoClient(BaseNemoClient):
    """The NemoVideo agent API for asyncio: the same calls as `NemoClient`, awaited."""

    http_client = httpx.AsyncClient

    async def __aenter__(self) -> AsyncNemoClient:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()

    async def close(self) -> None:
        await self._http.aclose()

    async def _arun(self, call: Call[T]) -> T:
        """Drive a core call: send its requests, sleep its waits, feed it the answers."""
        try:
            step = next(call)
            while True:
                reply, failure = None, None
                try:
                    if isinstance(step, Send):
                        reply = await self._send(step)
                    else:
                        await asyncio.sleep(step.seconds)
                except httpx.HTTPError as exc:
                    failure = self._core.transport_error(exc)  # thrown below, outside this handler
                step = call.throw(failure) if failure else call.send(reply)
        except StopIteration as done:
            return done.value
        finally:
            call.close()

    async def _send(self, send: Send) -> httpx.Response:
        response = await self._http.send(send.request, stream=True)
        if send.wants_body(response):
            try:
                await response.aread()
            finally:
                await response.aclose()
        return response

    async def stream(self, session_id: str, text: str) -> AsyncIterator[Event]:
        """Send one instruction and yield the reply's events as they arrive (never re-sent)."""
        response = await self._arun(self._core.start_stream(session_id, text))
        parser = self._core.event_parser()
        try:
            async for chunk in response.aiter_text():
                for event in parser.feed(chunk):
                    yield event
        except httpx.HTTPError as exc:
            raise self._core.stream_failure(parser, exc) from None
        finally:
            await response.aclose()
        for event in parser.finish():
            yield event

    async def download(self, job_or_url: RenderJob | str, path: str | Path, progress: Progress | None = None) -> Path:
        """Save a finished render (or any URL the API gave) to `path`, streaming it to disk."""
        response = await self._arun(self._core.start_download(job_or_url))
        sink = self._core.file_sink(path, response, job_or_url, progress)
        try:
            with sink:
                async for chunk in response.aiter_bytes():
                    sink.write(chunk)
        except httpx.HTTPError as exc:
            raise self._core.transport_error(exc) from None
        finally:
            await response.aclose()
        return sink.path

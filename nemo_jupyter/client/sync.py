"""`NemoClient`: the blocking face over the request core, on an `httpx.Client`."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from .base import BaseNemoClient, delegate_sync, with_simple_calls
from .core import Call, Send, T
from .events import Event
from .render import RenderJob
from .upload import Progress


@with_simple_calls(delegate_sync)
class NemoClient(BaseNemoClient):
    """The NemoVideo agent API, blocking. See docs/architecture.md for the calls."""

    http_client = httpx.Client

    def __enter__(self) -> NemoClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _run(self, call: Call[T]) -> T:
        """Drive a core call: send its requests, sleep its waits, feed it the answers."""
        try:
            step = next(call)
            while True:
                reply, failure = None, None
                try:
                    if isinstance(step, Send):
                        reply = self._send(step)
                    else:
                        time.sleep(step.seconds)
                except httpx.HTTPError as exc:
                    failure = self._core.transport_error(exc)  # thrown below, outside this handler
                step = call.throw(failure) if failure else call.send(reply)
        except StopIteration as done:
            return done.value
        finally:
            call.close()

    def _send(self, send: Send) -> httpx.Response:
        response = self._http.send(send.request, stream=True)
        if send.wants_body(response):
            try:
                response.read()
            finally:
                response.close()
        return response

    def stream(self, session_id: str, text: str) -> Iterator[Event]:
        """Send one instruction and yield the reply's events as they arrive (never re-sent)."""
        response = self._run(self._core.start_stream(session_id, text))
        parser = self._core.event_parser()
        try:
            for chunk in response.iter_text():
                yield from parser.feed(chunk)
        except httpx.HTTPError as exc:
            raise self._core.stream_failure(parser, exc) from None
        finally:
            response.close()
        yield from parser.finish()

    def download(self, job_or_url: RenderJob | str, path: str | Path, progress: Progress | None = None) -> Path:
        """Save a finished render (or any URL the API gave) to `path`, streaming it to disk."""
        response = self._run(self._core.start_download(job_or_url))
        sink = self._core.file_sink(path, response, job_or_url, progress)
        try:
            with sink:
                for chunk in response.iter_bytes():
                    sink.write(chunk)
        except httpx.HTTPError as exc:
            raise self._core.transport_error(exc) from None
        finally:
            response.close()
        return sink.path

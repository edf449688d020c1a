"""One instruction on `/run_sse`: ask the agent, apply its change, stream it as ADK events.

The agent runs on a worker thread, and the edit is applied (and charged) there, whatever happens
to the connection: like the cloud, a dropped stream does not undo an edit. While it works, the
stream carries `: ping` comment lines. Faults shape the stream (stall, heartbeats only, a broken
frame, delays, a drop after N events, silent replies, a synthetic benchmark stream).
"""

from __future__ import annotations

import asyncio
import random
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass

from .faults import FaultSettings
from .sse import PING, Invocation, error_frame, frame
from .state import DERIVED_KEYS, public_state, without_history
from .store import Store

BROKEN_FRAME = 'data: {"content": {"parts": [{"text": "cut in ha\n\n'


class StreamDropped(Exception):
    """Raised inside a stream to cut the connection without a clean end (injected fault)."""


class OutOfCreditsMidTurn(RuntimeError):
    pass


def default_agent() -> Callable:
    from .agent import respond

    return respond


@dataclass
class Turn:
    store: Store
    session: dict
    user_id: str
    text: str
    streaming: bool
    settings: FaultSettings
    agent: Callable | None
    base_url: str
    session_lock: threading.Lock  # one instruction at a time per session
    broken_frame: bool = False

    def run_agent(self):
        """On a worker thread: the agent's reply, charged and applied to the session together."""
        agent = self.agent or default_agent()
        session_id = self.session["id"]
        with self.session_lock:  # the agent reads the draft the previous instruction left
            session = self.store.session(session_id, self.user_id) or self.session
            reply = agent(public_state(self.store, session, self.base_url), self.text)
            cost = 1 if getattr(reply, "charge", False) else 0
            if not self.store.apply_edit(self.user_id, session_id, stored_delta(reply), cost):
                raise OutOfCreditsMidTurn("out of credits: this edit was not applied")
        return reply

    async def stream(self) -> AsyncIterator[str]:
        settings = self.settings
        if settings.stall_s:
            await asyncio.sleep(settings.stall_s)
        if settings.heartbeats_only_s:
            async for ping in _pings(settings.heartbeats_only_s, settings.heartbeat_s):
                yield ping
        if self.broken_frame:
            yield BROKEN_FRAME
        invocation = Invocation()
        if settings.bench_events:
            events: Iterator[dict] = _bench_events(invocation, settings.bench_events)
        else:
            work = asyncio.ensure_future(asyncio.to_thread(self.run_agent))
            while not (await asyncio.wait({work}, timeout=settings.heartbeat_s))[0]:
                yield PING
            try:
                reply = work.result()
            except Exception as exc:  # noqa: BLE001 - a failing agent ends the stream with an error frame
                yield error_frame(exc)
                return
            silent = random.random() < settings.silent_share
            events = iter(_reply_events(invocation, reply, streaming=self.streaming, silent=silent))
        sent = 0
        for event in events:
            if settings.drop_after_events is not None and sent >= settings.drop_after_events:
                raise StreamDropped(f"stream dropped after {sent} events (injected fault)")
            if settings.event_delay_s:
                await asyncio.sleep(settings.event_delay_s)
            yield frame(event)
            sent += 1


def stored_delta(reply) -> dict:
    """The part of the reply's state change that is stored: the derived keys are the store's own."""
    return {k: v for k, v in (getattr(reply, "state_delta", None) or {}).items() if k not in DERIVED_KEYS}


def _reply_events(invocation: Invocation, reply, *, streaming: bool, silent: bool) -> list[dict]:
    events = []
    name = getattr(reply, "tool_name", None)
    if name:
        delta = stored_delta(reply)
        response = {"result": {"status": "ok", "changed": sorted(delta)}}
        events += invocation.tool_events(name, getattr(reply, "tool_args", None) or {}, response,
                                         without_history(delta))
    text = getattr(reply, "text", None)
    if text and not silent:
        events += invocation.text_events(text, streaming=streaming)
    return events


def _bench_events(invocation: Invocation, count: int) -> Iterator[dict]:
    """`count` one-word partial chunks sharing one id, then the whole text."""
    event_id = str(uuid.uuid4())
    for i in range(count):
        yield invocation.event([{"text": f"w{i} "}], partial=True, event_id=event_id)
    yield invocation.event([{"text": "".join(f"w{i} " for i in range(count))}], event_id=event_id)


async def _pings(total_s: float, every_s: float) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    end = loop.time() + total_s
    while (left := end - loop.time()) > 0:
        yield PING
        await asyncio.sleep(min(every_s, left))

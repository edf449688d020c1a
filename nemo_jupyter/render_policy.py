"""When to ask a render's status next: pure (no clock, no I/O), shared by `session.py`'s poll plan and
`benchmarks/bench_notice.py`.

The server reports progress (0-100). From the samples seen so far the policy estimates when the render
will finish and sleeps most of the way there, polling again just after the estimate; each poll
refines the estimate, so a steady render costs a handful of polls and is noticed well under 2 s after it
ends. Without progress it backs off as before (×growth), but to a low cap. A `Retry-After` is a floor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence


HELD_AT = 99.0  # progress a server may report for a while before it is done (muxing, upload)


@dataclass(frozen=True)
class PollTimings:
    """The policy's knobs (seconds); `session.Settings` carries them."""

    first_s: float = 1.0  # the first poll after the render was asked for
    growth: float = 1.5  # backoff factor while there is no progress to go by
    blind_max_s: float = 4.0  # longest gap without progress (the noticing delay's bound then)
    max_s: float = 30.0  # longest gap of all, however far the estimate
    lead: float = 0.75  # sleep this share of the time the estimate says is left
    settle_s: float = 2.5  # closer than this to the estimate: poll just after it
    after_s: float = 0.3  # how long after the estimated finish that poll comes
    late_s: float = 1.0  # past the estimate and still running: poll this often
    stretch: float = 2.0  # no gap longer than this times the time elapsed (early estimates are rough)


@dataclass(frozen=True)
class Sample:
    """A status answer: seconds since the render was asked for, and its progress (0-100)."""

    at: float
    progress: float


def estimated_finish(samples: Sequence[Sample]) -> float | None:
    """When the render should reach 100 %, from the progress seen (None: nothing to go by yet).

    The rate runs from the last sample still at 0 % (or the request itself) to the newest one; once two
    samples moved, from the first that moved, so a queue before the start does not skew it. Samples at
    `HELD_AT` % or more are left out: servers hold 99 % while they finish the file."""
    moved = [s for s in samples if 0.0 < s.progress < HELD_AT]
    if not moved:
        return None
    newest = moved[-1]
    if len(moved) >= 2 and newest.progress > moved[0].progress:
        origin = moved[0]
    else:
        zeros = [s for s in samples if s.progress <= 0.0 and s.at < newest.at]
        origin = zeros[-1] if zeros else Sample(0.0, 0.0)
    rate = (newest.progress - origin.progress) / max(newest.at - origin.at, 1e-6)
    if rate <= 0:
        return None
    return newest.at + (100.0 - newest.progress) / rate


def next_delay(samples: Sequence[Sample], now: float, timings: PollTimings = PollTimings(),
               retry_after: float | None = None, blind_delay: float | None = None) -> float:
    """Seconds to sleep before the next status poll (see `next_poll`)."""
    return next_poll(samples, now, timings, retry_after, blind_delay)[0]


def next_poll(samples: Sequence[Sample], now: float, timings: PollTimings = PollTimings(),
              retry_after: float | None = None, blind_delay: float | None = None) -> tuple[float, float | None]:
    """(seconds to sleep before the next status poll, the `blind_delay` for the call after it).

    `samples`: every answer so far (oldest first); `now`: seconds since the render was asked for;
    `retry_after`: the server's Retry-After on the last poll, a floor; `blind_delay`: the previous gap
    while there was no progress (the backoff grows from it); the one returned is this gap while there
    is still no progress to go by, else None."""
    finish = estimated_finish(samples)
    if finish is None:
        delay = timings.first_s if blind_delay is None else min(blind_delay * timings.growth, timings.blind_max_s)
    else:
        left = finish - now
        if left <= 0:
            delay = timings.late_s
        elif left <= timings.settle_s:
            delay = left + timings.after_s
        else:
            delay = max(left * timings.lead, timings.late_s)
        delay = min(delay, max(now, timings.first_s) * timings.stretch)
    delay = max(min(delay, timings.max_s), retry_after or 0.0)
    return delay, (delay if finish is None else None)

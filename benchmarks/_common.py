"""What the benchmarks share: timing the best of R runs."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_times(repeat: int, *works: Callable[[], object]) -> list[float]:
    """The best wall time of each of `works` over `repeat` rounds; within a round they take turns, so
    that a busy moment of the machine does not hit only one of them."""
    best = [float("inf")] * len(works)
    for _ in range(repeat):
        for index, work in enumerate(works):
            started = time.perf_counter()
            work()
            best[index] = min(best[index], time.perf_counter() - started)
    return best


def best_of(repeat: int, work: Callable[[], object]) -> float:
    """The best wall time of `work` over `repeat` runs."""
    return best_times(repeat, work)[0]

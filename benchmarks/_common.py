"""What the benchmarks share: timing the best of R runs, and the local backend in a child process."""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil

from nemo_jupyter import protocol

SERVER_START_S = 30.0
SERVER = textwrap.dedent(
    """
    import sys
    from nemo_jupyter.local import LocalBackend

    backend = LocalBackend(sys.argv[1], port=0, credits=1_000_000)
    backend.bind()
    print(backend.url, flush=True)
    backend.serve_forever()
    """
)


def options(doc: str, argv: list[str] | None, **defaults: object) -> argparse.Namespace:
    """A benchmark's command line: `--name` for each keyword, typed by its default; a default given as
    `(value, "help")` also says what it is."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    for name, default in defaults.items():
        value, say = default if isinstance(default, tuple) else (default, None)
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value, help=say)
    return parser.parse_args(argv)


def cpu_seconds() -> float:
    """CPU seconds used so far by this process and its finished children (ffmpeg runs)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def best_times(repeat: int, *works: Callable[[], object], cpu: list[float] | None = None) -> list[float]:
    """The best wall time of each of `works` over `repeat` rounds; within a round they take turns, so
    that a busy moment of the machine does not hit only one of them. A `cpu` list is filled with the
    best CPU seconds of each (this process and its children): steadier than wall time on a shared machine."""
    best = [float("inf")] * len(works)
    least_cpu = [float("inf")] * len(works)
    for _ in range(repeat):
        for index, work in enumerate(works):
            started, cpu_before = time.perf_counter(), cpu_seconds()
            work()
            best[index] = min(best[index], time.perf_counter() - started)
            least_cpu[index] = min(least_cpu[index], cpu_seconds() - cpu_before)
    if cpu is not None:
        cpu[:] = least_cpu
    return best


def best_of(repeat: int, work: Callable[[], object]) -> float:
    """The best wall time of `work` over `repeat` runs."""
    return best_times(repeat, work)[0]


class ChildServer:
    """The local backend in a child process, so that its work shares neither this process's GIL nor
    its memory (many credits, so one user can do a whole benchmark)."""

    def __init__(self, data_dir: Path) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", SERVER, str(data_dir)], stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http://"):
            self.stop()
            raise RuntimeError("the local backend did not start")
        self.ps = psutil.Process(self.process.pid)
        deadline = time.monotonic() + SERVER_START_S
        while True:  # the socket is bound before uvicorn serves: wait for an answer
            try:
                httpx.post(self.url + protocol.PATH_ANON_TOKEN, headers={protocol.HEADER_CLIENT_ID: "probe"}, timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def cpu_s(self) -> float:
        """CPU seconds of the server and of its finished children (ffmpeg renders, probes, analyses)."""
        times = self.ps.cpu_times()
        return times.user + times.system + times.children_user + times.children_system

    def rss_mb(self) -> float:
        return self.ps.memory_info().rss / 2**20

    def stats(self, token: str) -> dict:
        answer = httpx.get(self.url + "/_local/stats", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        return answer.json()["data"]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

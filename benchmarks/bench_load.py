"""Load on the local backend, which runs in a child process (its own GIL, its RSS measured with psutil).

    python benchmarks/bench_load.py [--sessions 50] [--clips 20] [--concurrency 4]

(a) N concurrent sessions on one `AsyncNemoClient`, each through `AsyncSession`: upload a 1 s clip,
    three edits by the default agent, then four state reads. Reported: failures, requests per
    second over the whole run (the server's own count), p50/p99 of the state reads, the server's
    RSS at rest and at its peak (sampled every 50 ms; ffmpeg children not included).
(b) `nemo_jupyter.batch` on C clips (upload, one edit, export at the `draft` quality) with
    concurrency 4 against the same C clips one by one; the ratio of the wall times.
The tests in tests/load run the same workload and assert on it; this script prints the figures.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from _common import ChildServer, options

from nemo_jupyter import config
from nemo_jupyter.client import AsyncNemoClient
from nemo_jupyter.session import AsyncSession, Settings

EDITS = ('add title "Load" from 0s to 1s', "make it twice as fast", "turn off the sound")
STATE_READS = 4
FAST_POLLS = Settings(render_poll_first_s=0.1, render_poll_max_s=0.5)


class PeakRss:
    """Samples a process's RSS on a thread while the `with` block runs."""

    def __init__(self, server: ChildServer, every_s: float = 0.05) -> None:
        self.server, self.every_s = server, every_s
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, self.server.rss_mb())
            self._stop.wait(self.every_s)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, self.server.rss_mb())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def _one_session(client: AsyncNemoClient, clip: Path, reads: list[float]) -> None:
    session = AsyncSession(client)
    await session.upload(clip)
    for text in EDITS:
        result = await session.edit(text)
        if not result.text.startswith("Done"):
            raise AssertionError(f"the agent did not apply {text!r}: {result.text}")
    for _ in range(STATE_READS):
        started = time.perf_counter()
        state = await session.state()
        reads.append(time.perf_counter() - started)
    if len((state.get("draft") or {}).get("t") or []) < 2:
        raise AssertionError("the edits are not in the state")


def sessions_load(server: ChildServer, clip: Path, sessions: int = 50) -> dict:
    """N sessions at once on one AsyncNemoClient; failures, req/s, state-read latency, server RSS."""
    reads: list[float] = []

    async def run() -> tuple[list, float]:
        async with AsyncNemoClient(api_url=server.url, timeout=120) as client:
            await client.credits()  # the token first, so that the sessions do not wait on it
            started = time.perf_counter()
            outcomes = await asyncio.gather(*(_one_session(client, clip, reads) for _ in range(sessions)),
                                            return_exceptions=True)
            return outcomes, time.perf_counter() - started

    token = _token(server)
    before = sum(server.stats(token)["requests"].values()) if token else 0
    rest_mb = server.rss_mb()
    with PeakRss(server) as rss:
        outcomes, seconds = asyncio.run(run())
    token = _token(server)
    requests = sum(server.stats(token)["requests"].values()) - before
    failures = [repr(o) for o in outcomes if isinstance(o, BaseException)]
    return {"sessions": sessions, "failures": failures, "seconds": seconds, "requests": requests,
            "req_per_s": requests / seconds, "state_reads": len(reads),
            "state_p50_ms": 1000 * statistics.median(reads) if reads else float("nan"),
            "state_p99_ms": 1000 * percentile(reads, 0.99) if reads else float("nan"),
            "rss_rest_mb": rest_mb, "rss_peak_mb": rss.peak_mb, "rss_after_mb": server.rss_mb()}


def _token(server: ChildServer) -> str | None:
    cached = config.TokenCache().load(server.url)
    return cached[0] if cached else None


def batch_ratio(server: ChildServer, clips: list[Path], out_dir: Path, concurrency: int = 4) -> dict:
    """Wall time of `batch` with `concurrency` against the same clips one by one."""
    from nemo_jupyter.batches import batch

    def rows(tag: str) -> list[dict]:
        return [{"clip": str(clip), "instruction": EDITS[0], "output": str(out_dir / f"{tag}_{n}.mp4")}
                for n, clip in enumerate(clips)]

    timings, cpu, frames = {}, {}, {}
    for tag, width in (("together", concurrency), ("one_by_one", 1)):
        started, cpu_before, own_before = time.perf_counter(), server.cpu_s(), time.process_time()
        frames[tag] = batch(rows(tag), concurrency=width, api_url=server.url, quality="draft", progress=False,
                            settings=FAST_POLLS)
        timings[tag] = time.perf_counter() - started
        cpu[tag] = (server.cpu_s() - cpu_before, time.process_time() - own_before)
    cores = os.cpu_count() or 1
    floor = sum(cpu["one_by_one"]) / cores / timings["one_by_one"]  # all of the CPU work spread on every core
    return {"clips": len(clips), "concurrency": concurrency, "cores": cores, "cpu_floor_ratio": floor,
            "together_s": timings["together"],
            "one_by_one_s": timings["one_by_one"], "ratio": timings["together"] / timings["one_by_one"],
            "server_cpu_s": {tag: c[0] for tag, c in cpu.items()}, "client_cpu_s": {tag: c[1] for tag, c in cpu.items()},
            "failed": {tag: int((frame["status"] != "ok").sum()) for tag, frame in frames.items()},
            "errors": [e for frame in frames.values() for e in frame["error"].dropna().tolist()]}


def make_clips(folder: Path, count: int) -> list[Path]:
    from nemo_jupyter.local.media.samples import make_clip

    first = make_clip(folder / "clip.mp4", seconds=1.0, size=(320, 240))
    return [first] * count  # the same bytes uploaded again: each upload is still stored and probed


def main(argv: list[str] | None = None) -> dict:
    args = options(__doc__, argv, sessions=50, clips=20, concurrency=4)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        os.environ.setdefault("NEMO_CONFIG_DIR", str(folder / "config"))
        clips = make_clips(folder, args.clips)
        server = ChildServer(folder / "data")
        try:
            load = sessions_load(server, clips[0], args.sessions)
            batches = batch_ratio(server, clips, folder, args.concurrency)
        finally:
            server.stop()
    print(f"(a) {load['sessions']} concurrent sessions (upload, 3 edits, {STATE_READS} state reads each) "
          f"on one AsyncNemoClient, server in a child process")
    print(f"    failures {len(load['failures'])}, {load['requests']} requests in {load['seconds']:.1f} s = "
          f"{load['req_per_s']:.0f} req/s; state reads p50 {load['state_p50_ms']:.1f} ms, "
          f"p99 {load['state_p99_ms']:.1f} ms")
    print(f"    server RSS: {load['rss_rest_mb']:.0f} MB at rest, {load['rss_peak_mb']:.0f} MB peak, "
          f"{load['rss_after_mb']:.0f} MB after")
    print(f"(b) batch of {batches['clips']} clips (upload, edit, draft export): concurrency "
          f"{batches['concurrency']} {batches['together_s']:.1f} s, one by one {batches['one_by_one_s']:.1f} s, "
          f"failed {batches['failed']}")
    for tag in ("together", "one_by_one"):
        print(f"    {tag}: CPU {batches['server_cpu_s'][tag]:.1f} s server + ffmpeg, "
              f"{batches['client_cpu_s'][tag]:.1f} s client, in {batches[tag + '_s']:.1f} s of wall time")
    print(f"    ratio batch concurrency {batches['concurrency']} / one by one: {batches['ratio']:.2f} "
          f"(target <= 0.35; {batches['cores']} cores: the CPU work alone allows no less than "
          f"{batches['cpu_floor_ratio']:.2f})")
    return {"load": load, "batch": batches}


if __name__ == "__main__":
    main()

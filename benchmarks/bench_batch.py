"""`nemo_jupyter.batch` at scale, against the local backend in a child process.

    python benchmarks/bench_batch.py [--wall 5] [--rows 20] [--scale 1000] [--resume 40]

(1) Cloud-like renders: the backend's `render_wall_s` fault makes every render take `--wall` seconds
    of wall time without CPU (as a cloud renderer would); `--rows` rows (upload a tiny clip, one
    edit, `draft` export) at concurrency 1, 4 and 16. Ratios of the concurrency-1 (serial) time:
    targets <= 0.30 at 4 and <= 0.10 at 16 (20 rows at 16 need two waves: 0.10 is the floor).
(2) Scale: `--scale` rows against a fast scripted agent (the `bench_events` fault: a few streamed
    words, no agent, no render), with a journal: rows per second and this process's peak RSS growth
    over its RSS after a warm-up batch (target: flat, < 50 MB).
(3) Resume: a batch process of `--resume` rows with a journal is killed (SIGKILL) once half of its
    rows are journaled, then rerun with the journal: the server's count of /run_sse POSTs (exactly
    one per row in total is the target). Then the same killed at any moment (concurrency 4): the
    rows in flight then may be sent again, and only they.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import httpx
import psutil
from _common import ChildServer, options
from bench_load import PeakRss

from nemo_jupyter import config
from nemo_jupyter.batches import Journal, batch
from nemo_jupyter.session import Settings

EDIT = 'add title "Batch" from 0s to 1s'
POLLS = Settings()  # the session's own render polls: around the finish the server's progress predicts
KILLED_CHILD = textwrap.dedent(
    """
    import sys, time
    from nemo_jupyter.batches import batch

    url, journal, clip, rows, concurrency, pause = sys.argv[1:4] + [int(a) for a in sys.argv[4:7]]

    def read():
        for number in range(rows):
            if pause and number == rows // 2:  # half the rows journaled, none in flight: the parent kills now
                print("HALF", flush=True)
                time.sleep(300)
            yield clip, f"Row {number}"

    batch(read(), concurrency=concurrency, api_url=url, journal=journal, progress=False)
    """
)


def local(server: ChildServer, method: str, path: str, **body) -> dict:
    cached = config.TokenCache().load(server.url)
    if cached is None:
        raise RuntimeError("no token for the local backend yet")
    answer = httpx.request(method, server.url + path, headers={"Authorization": f"Bearer {cached[0]}"},
                           json=body or None, timeout=10)
    answer.raise_for_status()
    return answer.json()["data"]


def run_sse_posts(server: ChildServer) -> int:
    return local(server, "GET", "/_local/stats")["run_sse_posts"]


def cloud_like(server: ChildServer, clip: Path, out: Path, rows: int, wall_s: float) -> dict:
    local(server, "POST", "/_local/faults", reset=True, render_wall_s=wall_s)
    seconds, failed, cpu, own_cpu = {}, {}, {}, {}
    for width in (1, 4, 16):
        work = [{"clip": str(clip), "instruction": EDIT, "output": str(out / f"c{width}_{n}.mp4")} for n in range(rows)]
        started, cpu_before, own_before = time.perf_counter(), server.cpu_s(), time.process_time()
        frame = batch(work, concurrency=width, api_url=server.url, quality="draft", settings=POLLS, progress=False)
        seconds[width] = time.perf_counter() - started
        cpu[width], own_cpu[width] = server.cpu_s() - cpu_before, time.process_time() - own_before
        failed[width] = int((frame["status"] != "ok").sum())
    local(server, "POST", "/_local/faults", reset=True)
    waves = {w: -(-rows // w) for w in seconds}  # rows at a time: the renders alone take waves × wall_s
    return {"seconds": seconds, "failed": failed, "server_cpu_s": cpu, "client_cpu_s": own_cpu, "ratio": {w: seconds[w] / seconds[1] for w in seconds},
            "floor": {w: waves[w] * wall_s / seconds[1] for w in seconds}}


def own_rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def at_scale(server: ChildServer, image: Path, folder: Path, rows: int) -> dict:
    local(server, "POST", "/_local/faults", reset=True, bench_events=3)

    def work(count: int, tag: str):
        return ({"clip": str(image), "instruction": f"{tag} {n}", "take": n} for n in range(count))

    batch(work(20, "warm"), concurrency=8, api_url=server.url, journal=folder / "warm.jsonl", progress=False)
    rest_mb = own_rss_mb()
    with PeakRss(SimpleNamespace(rss_mb=own_rss_mb), every_s=0.02) as rss:  # this process, not the server
        started = time.perf_counter()
        frame = batch(work(rows, "row"), concurrency=8, api_url=server.url, journal=folder / "scale.jsonl",
                      progress=False)
        seconds = time.perf_counter() - started
    local(server, "POST", "/_local/faults", reset=True)
    return {"rows": rows, "seconds": seconds, "rows_per_s": rows / seconds, "rest_mb": rest_mb,
            "peak_mb": rss.peak_mb, "growth_mb": rss.peak_mb - rest_mb, "failed": int((frame["status"] != "ok").sum()),
            "journal_lines": len(Journal(folder / "scale.jsonl").read())}


def resume(server: ChildServer, clip: Path, folder: Path, rows: int, concurrency: int, between_rows: bool) -> dict:
    """Kill a batch process once half its rows are journaled, then rerun it with the journal.
    `between_rows`: the process waits there with no row in flight (one at a time); else it is killed
    whenever the journal reaches half, rows in flight or not."""
    journal = folder / f"resume_{concurrency}.jsonl"
    before = run_sse_posts(server)
    child = subprocess.Popen([sys.executable, "-c", KILLED_CHILD, server.url, str(journal), str(clip), str(rows),
                              str(concurrency), str(int(between_rows))], stdout=subprocess.PIPE, text=True)
    try:
        if between_rows and child.stdout.readline().strip() != "HALF":
            raise RuntimeError("the batch process did not reach half of its rows")
        while not between_rows and journal_lines(journal) < rows // 2 and child.poll() is None:
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    journaled = len(Journal(journal).read())
    killed_posts = run_sse_posts(server) - before
    frame = batch([(str(clip), f"Row {n}") for n in range(rows)], concurrency=4, api_url=server.url,
                  journal=journal, progress=False)
    return {"rows": rows, "concurrency": concurrency, "journaled_when_killed": journaled,
            "posts_before_kill": killed_posts, "posts": run_sse_posts(server) - before,
            "ok": int((frame["status"] == "ok").sum())}


def journal_lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def main(argv: list[str] | None = None) -> dict:
    args = options(__doc__, argv, wall=(5.0, "seconds each cloud-like render takes"), rows=20, scale=1000, resume=40)
    from nemo_jupyter.local.media.samples import make_clip

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        os.environ.setdefault("NEMO_CONFIG_DIR", str(folder / "config"))
        clip = make_clip(folder / "clip.mp4", seconds=1.0, size=(160, 120))
        image = folder / "still.png"
        from PIL import Image

        Image.new("RGB", (16, 16), "teal").save(image)
        server = ChildServer(folder / "data")
        try:
            batch([(str(clip), "warm up")], api_url=server.url, progress=False)  # the token, imports
            cloud = cloud_like(server, clip, folder, args.rows, args.wall)
            scale = at_scale(server, image, folder, args.scale)
            again = resume(server, clip, folder, args.resume, 1, between_rows=True)
            anytime = resume(server, clip, folder, args.resume, 4, between_rows=False)
        finally:
            server.stop()
    print(f"(1) cloud-like renders ({args.wall:g} s of wall time each, no CPU): {args.rows} rows, upload + edit + "
          "draft export")
    for width, seconds in cloud["seconds"].items():
        print(f"    concurrency {width:>2}: {seconds:6.1f} s, ratio of serial {cloud['ratio'][width]:.3f} (the renders' "
              f"waves alone: {cloud['floor'][width]:.3f}), CPU {cloud['server_cpu_s'][width]:.1f} s server, "
              f"{cloud['client_cpu_s'][width]:.1f} s client, "
              f"failed {cloud['failed'][width]}")
    print(f"    ratios of serial: {cloud['ratio'][4]:.2f} at 4 (target <= 0.30), {cloud['ratio'][16]:.3f} at 16 "
          "(target <= 0.10)")
    print(f"(2) {scale['rows']} rows, fast scripted agent, no renders, journal: {scale['rows_per_s']:.1f} rows/s "
          f"({scale['seconds']:.1f} s), failed {scale['failed']}, journal rows {scale['journal_lines']}")
    print(f"    client RSS: {scale['rest_mb']:.0f} MB before, {scale['peak_mb']:.0f} MB peak: growth "
          f"{scale['growth_mb']:.1f} MB (target < 50)")
    print(f"(3) resume: {again['rows']} rows, killed (SIGKILL) with {again['journaled_when_killed']} journaled "
          f"({again['posts_before_kill']} POSTs), rerun: {again['ok']} ok; /run_sse POSTs {again['posts']} for "
          f"{again['rows']} rows (target: exactly one per row)")
    print(f"    killed at any moment instead (concurrency 4, when {anytime['journaled_when_killed']} rows were "
          f"journaled): /run_sse POSTs {anytime['posts']} for {anytime['rows']} rows, "
          f"{anytime['posts'] - anytime['rows']} sent again (at most the 4 rows in flight)")
    return {"cloud": cloud, "scale": scale, "resume": again, "resume_anytime": anytime}


if __name__ == "__main__":
    main()

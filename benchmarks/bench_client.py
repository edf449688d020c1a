"""The client against bare baselines run alongside, on a local backend in its own process.

    python benchmarks/bench_client.py [--events N] [--upload-mb M] [--repeat R] [--skip-upload]

(a) Events per second of `NemoClient.stream()` against bare httpx-sse (+ json.loads of each frame)
    over the same synthetic stream of N partial-text events (the backend's `bench_events` fault).
(b) Uploading an M MB file: `NemoClient.upload()` in a child process against `curl -F files=@…`
    to the same server; peak RSS of each process (its VmHWM), throughput, and the CPU time of each
    uploader process (the client's seconds include Python's start-up and imports; its upload time
    is measured inside it).
Stream times are the best of R runs. The server runs in a child process (`_common.ChildServer`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx
from _common import ChildServer
from httpx_sse import connect_sse

from nemo_jupyter import config, protocol

UPLOADER = textwrap.dedent(
    """
    import sys, time
    from nemo_jupyter.client import NemoClient

    url, session_id, path = sys.argv[1:4]
    with NemoClient(api_url=url, timeout=600) as client:
        client.credits()
        started = time.perf_counter()
        client.upload(session_id, path)
        print(time.perf_counter() - started)
    """
)


def bench_stream(client, url: str, token: str, session_id: str, events: int, repeat: int) -> tuple:
    """Best rates (wall, client CPU) of `client.stream()` and of bare httpx-sse on the same stream."""
    with httpx.Client(timeout=120) as http:
        http.post(f"{url}/_local/faults", json={"session_id": session_id, "bench_events": events},
                  headers={"Authorization": f"Bearer {token}"}).raise_for_status()

    def ours() -> int:
        return sum(1 for _ in client.stream(session_id, "bench"))

    body = {"app_name": protocol.APP_NAME, "user_id": protocol.USER_ID, "session_id": session_id,
            "new_message": {"parts": [{"text": "bench"}]}, "streaming": True}

    def bare() -> int:
        count = 0
        with httpx.Client(timeout=120) as http, connect_sse(
            http, "POST", f"{url}{protocol.PATH_RUN_SSE}", json=body, headers={"Authorization": f"Bearer {token}"}
        ) as source:
            for sse in source.iter_sse():
                json.loads(sse.data)
                count += 1
        return count

    return best_rates({"ours": ours, "bare": bare}, events, repeat).values()


def best_rates(readers: dict, events: int, repeat: int) -> dict:
    """{name: (events per wall second, events per CPU second of this process)}, best of `repeat`;
    the readers take turns, so that a busy moment of the machine does not hit only one of them."""
    wall = {name: float("inf") for name in readers}
    cpu = dict(wall)
    for _ in range(repeat):
        for name, work in readers.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            seen = work()
            wall[name] = min(wall[name], time.perf_counter() - started)
            cpu[name] = min(cpu[name], time.process_time() - started_cpu)
            assert seen >= events, f"{name}: only {seen} of {events} events"
    return {name: (events / wall[name], events / cpu[name]) for name in readers}


def run_measured(command: list[str], env: dict | None = None) -> tuple[float, float, float, str]:
    """(wall seconds, CPU seconds, peak RSS in MB, stdout) of a child process.

    The peak is the child's own VmHWM, read while it runs: wait4's ru_maxrss would also count this
    (bigger) process's memory from before the child's exec.
    """
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    peak_kb = 0
    while True:
        peak_kb = max(peak_kb, _high_water_kb(child.pid))
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.01)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    out, err = child.stdout.read().decode(), child.stderr.read().decode()
    if child.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {err[-500:]}")
    return seconds, usage.ru_utime + usage.ru_stime, peak_kb / 1024, out


def _high_water_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmHWM")), 0)
    except OSError:
        return 0


def bench_upload(client, url: str, token: str, session_id: str, size_mb: int, folder: Path) -> dict:
    from nemo_jupyter.local.media.samples import make_clip

    path = folder / "big.mp4"
    with open(make_clip(folder / "seed.mp4", seconds=1.0, size=(320, 240)), "rb") as seed, open(path, "wb") as big:
        big.write(seed.read())
        big.truncate(size_mb * 1024 * 1024)  # a sparse tail: ffmpeg still reads the clip's header
    with open(path, "rb") as warm:  # into the page cache, so that neither uploader pays the first read
        while warm.read(1 << 20):
            pass
    env = {**os.environ, protocol.ENV_CLIENT_ID: client.client_id}
    _, ours_cpu, ours_rss, out = run_measured([sys.executable, "-c", UPLOADER, url, session_id, str(path)], env)
    ours_s = float(out.strip().splitlines()[-1])
    # The token goes to curl in a 0600 file, not on its command line; "Expect:" stops curl from
    # waiting a second for a "100 Continue" before a large body.
    header = folder / "auth-header"
    header.write_text(f"Authorization: Bearer {token}\n")
    header.chmod(0o600)
    upload_url = url + protocol.PATH_UPLOAD.format(session_id=session_id)
    curl_s, curl_cpu, curl_rss, _ = run_measured(
        ["curl", "-sS", "--fail", "-o", "/dev/null", "-H", "Expect:", "-H", f"@{header}", "-F", f"files=@{path}", upload_url]
    )
    return {"size_mb": size_mb, "ours_s": ours_s, "ours_cpu": ours_cpu, "ours_rss": ours_rss,
            "curl_s": curl_s, "curl_cpu": curl_cpu, "curl_rss": curl_rss}


def print_upload(up: dict) -> None:
    mb = up["size_mb"]
    print(f"(b) upload of a {mb} MB file to the same server")
    print(f"    {'uploader':<34}{'peak RSS MB':>12}{'seconds':>10}{'MB/s':>10}{'CPU s':>10}")
    for label, key in (("NemoClient.upload() (process)", "ours"), ("curl -F files=@…", "curl")):
        seconds = up[f"{key}_s"]
        print(f"    {label:<34}{up[f'{key}_rss']:>12.0f}{seconds:>10.2f}{mb / seconds:>10.0f}{up[f'{key}_cpu']:>10.2f}")
    print(f"    {'ratio throughput client / curl':<34}{'':>12}{'':>10}{up['curl_s'] / up['ours_s']:>10.2f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--upload-mb", type=int, default=450)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-upload", action="store_true")
    args = parser.parse_args(argv)

    from nemo_jupyter.client import NemoClient

    folder = Path(tempfile.mkdtemp(prefix="bench-client-"))
    os.environ[protocol.ENV_CONFIG_DIR] = str(folder / "config")
    server = ChildServer(folder / "data")
    try:
        with NemoClient(api_url=server.url, timeout=600) as client:
            session_id = client.create_session()["session_id"]
            token = config.TokenCache().load(server.url)[0]
            ours, bare = bench_stream(client, server.url, token, session_id, args.events, args.repeat)
            print(f"(a) {args.events} streamed events, best of {args.repeat} (CPU: this process only)")
            print(f"    {'reader':<34}{'events/s':>12}{'events/CPU s':>14}")
            print(f"    {'NemoClient.stream()':<34}{ours[0]:>12,.0f}{ours[1]:>14,.0f}")
            print(f"    {'httpx-sse + json.loads (bare)':<34}{bare[0]:>12,.0f}{bare[1]:>14,.0f}")
            print(f"    {'ratio stream() / bare':<34}{ours[0] / bare[0]:>12.2f}{ours[1] / bare[1]:>14.2f}")
            if not args.skip_upload:
                print_upload(bench_upload(client, server.url, token, session_id, args.upload_mb, folder))
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

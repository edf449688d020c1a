"""How late the client notices a render's completion, and how many status polls it spends: the
progress-guided policy (`nemo_jupyter.render_policy`, what `Session.export` runs) against today's
backoff (1 s growing x1.5 to every 30 s) and the seed's fixed polling (every 30 s, at most 10 polls).

    python benchmarks/bench_notice.py [--real 10,45,90,180] [--sim 1,10,45,90,180,300]

(a) Simulated, on a clock of its own: a cloud-like server whose render lasts D s after a queue of
    0-1 s, reporting progress linear in time, refreshed every 0.5 s, rounded to 0.1 % and held at 99 %
    until done (as the local backend's `render_wall_s` fault does); 0.05 s per request. Each policy runs through the same
    loop; 40 runs per duration with random queue and refresh phase. Mean / worst lateness, mean polls.
(b) Measured: `Session.export` (default settings) on a local backend whose renders take D s of wall
    time (`render_wall_s`), all D at once, one session each: the server's completion time against the
    moment the client saw 100 %, and the status polls the server counted for that render.
Targets: lateness <= 2 s, <= 1 poll per 5 s of render time.
"""

from __future__ import annotations

import math
import os
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

from _common import options

from nemo_jupyter.render_policy import PollTimings, Sample, next_poll

SEED_EVERY_S, SEED_POLLS = 30.0, 10
TODAY_FIRST_S, TODAY_GROWTH, TODAY_MAX_S = 1.0, 1.5, 30.0  # the backoff before render_policy
TICK_S, RTT_S, RUNS = 0.5, 0.05, 40
Policy = Callable[[list, float, dict], "float | None"]  # (samples, now, memory) -> next delay, None: give up


def new_policy(samples: list, now: float, memory: dict) -> float:
    delay, memory["blind"] = next_poll(samples, now, PollTimings(), blind_delay=memory.get("blind"))
    return delay


def today_policy(samples: list, now: float, memory: dict) -> float:
    delay = memory.get("next", TODAY_FIRST_S)
    memory["next"] = min(delay * TODAY_GROWTH, TODAY_MAX_S)
    return delay


def seed_policy(samples: list, now: float, memory: dict) -> float | None:
    return SEED_EVERY_S if len(samples) <= SEED_POLLS else None


POLICIES = {"new": new_policy, "today": today_policy, "seed 30 s": seed_policy}


def simulate(policy: Policy, duration: float, queue: float, phase: float) -> tuple[float | None, int]:
    """(lateness s or None if the policy gave up, polls) for one render of `duration` s after `queue` s."""
    now, samples, memory, polls = 0.0, [Sample(0.0, 0.0)], {}, 0
    while True:
        delay = policy(samples, now, memory)
        if delay is None:
            return None, polls
        now += delay + RTT_S
        polls += 1
        running = now - queue
        if running >= duration:
            return now - (queue + duration), polls
        refreshed = 0.0 if running < phase else math.floor((running - phase) / TICK_S) * TICK_S + phase
        samples.append(Sample(now, round(min(99.0, 100.0 * refreshed / duration), 1)))  # held at 99 % at the end


def simulated(durations: list[float]) -> list[dict]:
    rows = []
    for duration in durations:
        row = {"duration_s": duration}
        for name, policy in POLICIES.items():
            rnd = random.Random(int(duration * 10))
            runs = [simulate(policy, duration, rnd.uniform(0, 1), rnd.uniform(0, TICK_S)) for _ in range(RUNS)]
            seen = [late for late, _ in runs if late is not None]
            row[name] = {"late_mean": statistics.mean(seen) if seen else None, "late_max": max(seen) if seen else None,
                         "polls": statistics.mean(polls for _, polls in runs), "gave_up": 1 - len(seen) / len(runs)}
        rows.append(row)
    return rows


def measured(durations: list[float], folder: Path) -> list[dict]:
    """Real exports, all at once, on a local backend with cloud-like render times."""
    from nemo_jupyter import protocol
    from nemo_jupyter.client import NemoClient
    from nemo_jupyter.local import LocalBackend
    from nemo_jupyter.local.media.samples import make_clip
    from nemo_jupyter.session import Session

    rows: list[dict] = []
    with LocalBackend(folder / "data") as backend, NemoClient(api_url=backend.url) as client:
        clip = make_clip(folder / "clip.mp4", seconds=1.0, size=(320, 180))

        def one(duration: float) -> None:
            session = Session(client)
            session.upload(clip)
            backend.faults.set(session_id=session.session_id, render_wall_s=duration)
            noticed: dict = {}

            def progress(stage: str, percent: float) -> None:
                if stage == "render" and percent >= 100.0 and "at" not in noticed:
                    noticed["at"] = time.time()

            render = session.export(folder / f"out_{duration:g}.mp4", quality="draft", progress=progress)
            job = backend.store.render(render.id)
            polls = backend.stats.requests["GET " + protocol.PATH_RENDER_STATUS.format(render_id=render.id)]
            rows.append({"duration_s": duration, "render_s": job["completed"] - job["created"],
                         "late_s": noticed["at"] - job["completed"], "polls": polls})

        threads = [threading.Thread(target=one, args=(d,)) for d in durations]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return sorted(rows, key=lambda row: row["duration_s"])


def _f(value: float | None, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def main(argv: list[str] | None = None) -> dict:
    args = options(__doc__, argv, sim=("1,10,45,90,180,300", "render durations (s) simulated for (a)"),
                   real=("10,45,90,180", "render durations (s) measured for (b), all at once (about the longest); '' skips (b)"))
    table = simulated([float(x) for x in args.sim.split(",")])
    print(f"(a) simulated ({RUNS} runs each; progress refreshed every {TICK_S:g} s, {RTT_S:g} s a request): "
          "lateness mean / worst (s), polls per render, polls per 5 s of render time")
    print(f"    {'render s':>9}" + "".join(f"{name + ': late, polls, /5 s':>40}" for name in POLICIES))
    for row in table:
        cells = []
        for name in POLICIES:
            r = row[name]
            late = "gives up" if r["late_mean"] is None else f"{r['late_mean']:.2f} / {r['late_max']:.2f}"
            late += f" ({r['gave_up']:.0%} lost)" if r["gave_up"] else ""
            cells.append(f"{late:>24}{r['polls']:>7.1f}{r['polls'] * 5 / row['duration_s']:>8.2f}")
        print(f"    {row['duration_s']:>9g}" + "".join(f"{c:>40}" for c in cells))
    bench = [row for row in table if 10 <= row["duration_s"] <= 180] or table
    total_s = sum(row["duration_s"] for row in bench)
    summary = {}
    for name in POLICIES:
        seen = [row[name]["late_mean"] for row in bench if row[name]["late_mean"] is not None]
        summary[name] = {"late_mean": statistics.mean(seen) if seen else None,
                         "late_max": max((row[name]["late_max"] or 0) for row in bench),
                         "polls_per_5s": 5 * sum(row[name]["polls"] for row in bench) / total_s}
    lengths = ", ".join(f"{row['duration_s']:g}" for row in bench)
    print(f"    renders of {lengths} s together: " + "; ".join(
        f"{name} late {_f(s['late_mean'])} s (worst {_f(s['late_max'])}), {s['polls_per_5s']:.2f} polls / 5 s"
        for name, s in summary.items()))
    new, today = summary["new"], summary["today"]
    print(f"    ratio new / today: lateness {new['late_mean'] / today['late_mean']:.3f}, "
          f"polls {new['polls_per_5s'] / today['polls_per_5s']:.3f}")

    rows: list[dict] = []
    if args.real:
        with tempfile.TemporaryDirectory() as scratch:
            os.environ.setdefault("NEMO_CONFIG_DIR", str(Path(scratch) / "config"))
            rows = measured([float(x) for x in args.real.split(",")], Path(scratch))
        print("(b) measured: Session.export on a local backend (render_wall_s), all at once: "
              "server completion -> client saw 100 %")
        print(f"    {'render s':>9}{'took s':>9}{'late s':>9}{'polls':>7}{'polls / 5 s':>13}")
        for row in rows:
            print(f"    {row['duration_s']:>9g}{row['render_s']:>9.2f}{row['late_s']:>9.2f}{row['polls']:>7d}"
                  f"{row['polls'] * 5 / row['duration_s']:>13.2f}")
        print(f"    measured: worst late {max(row['late_s'] for row in rows):.2f} s, "
              f"{5 * sum(row['polls'] for row in rows) / sum(row['duration_s'] for row in rows):.2f} polls / 5 s")
    return {"simulated": table, "summary": summary, "measured": rows}


if __name__ == "__main__":
    main()

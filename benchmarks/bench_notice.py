"""Time from a render's completion on the server to the client noticing it: `Session.export`'s adaptive
polling (soon at first, backing off: `session.Settings` defaults) against the seed's fixed polling
(every 30 s, at most 10 polls).

    python benchmarks/bench_notice.py [--lengths 1,4,8]

(a) Computed from the two poll schedules, for renders lasting 1 s to 15 min (means over every
    duration in a range, 0.1 s apart): the delay between the completion and the next poll, and
    the number of status polls made; the seed never sees a render that lasts over 300 s.
(b) Measured: `Session.export` (default settings) on a local backend, rendering clips of the given
    lengths at the `high` preset; the server's own completion time against the moment the client's
    progress callback saw 100 %. The seed's delay for the same render durations is computed.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import tempfile
import time
from pathlib import Path

from nemo_jupyter.session import Settings

SEED_EVERY_S, SEED_POLLS = 30.0, 10
BINS_S = [(1, 10), (10, 30), (30, 120), (120, 300), (300, 900)]  # renders lasting between a and b seconds
STEP_S = 0.1


def adaptive_polls(settings: Settings, until_s: float) -> list[float]:
    """The times (from the start) at which Session.export polls the status, up to the first at or after `until_s`."""
    times, at, delay = [], 0.0, settings.render_poll_first_s
    while not times or times[-1] < until_s:
        at += delay
        times.append(at)
        delay = min(delay * settings.render_poll_growth, settings.render_poll_max_s)
    return times


def seed_polls(until_s: float) -> list[float] | None:
    """The seed's poll times up to the one that sees the render done, or None when it gives up first."""
    needed = max(1, math.ceil(until_s / SEED_EVERY_S))
    return None if needed > SEED_POLLS else [SEED_EVERY_S * n for n in range(1, needed + 1)]


def computed(settings: Settings) -> list[dict]:
    """Mean lateness and polls for renders lasting anywhere in each bin (a 0.1 s grid: no lucky multiples)."""
    rows = []
    for low, high in BINS_S:
        durations = [low + STEP_S * (n + 0.5) for n in range(int((high - low) / STEP_S))]
        ours = [adaptive_polls(settings, d) for d in durations]
        seed = [seed_polls(d) for d in durations]
        seen = [(d, polls) for d, polls in zip(durations, seed) if polls is not None]
        rows.append({"bin": (low, high),
                     "ours_late_s": statistics.mean(polls[-1] - d for d, polls in zip(durations, ours)),
                     "ours_polls": statistics.mean(len(polls) for polls in ours),
                     "seed_late_s": statistics.mean(polls[-1] - d for d, polls in seen) if seen else None,
                     "seed_polls": statistics.mean(len(polls) if polls else SEED_POLLS for polls in seed),
                     "seed_gives_up": 1 - len(seen) / len(durations)})
    return rows


def measured(lengths: list[float], folder: Path) -> list[dict]:
    """Real exports on a local backend: render duration and how late the client noticed completion."""
    from nemo_jupyter.client import NemoClient
    from nemo_jupyter.local import LocalBackend
    from nemo_jupyter.local.media.samples import make_clip
    from nemo_jupyter.session import Session

    rows = []
    with LocalBackend(folder / "data") as backend, NemoClient(api_url=backend.url) as client:
        for length in lengths:
            clip = make_clip(folder / f"clip_{length:g}.mp4", seconds=length, size=(640, 360))
            session = Session(client)
            session.upload(clip)
            noticed = {}

            def progress(stage: str, percent: float, noticed=noticed) -> None:
                if stage == "render" and percent >= 100.0 and "at" not in noticed:
                    noticed["at"] = time.time()

            render = session.export(folder / f"out_{length:g}.mp4", quality="high", progress=progress)
            job = backend.store.render(render.id)
            duration = job["completed"] - job["created"]
            rows.append({"length_s": length, "duration_s": duration, "ours_delay_s": noticed["at"] - job["completed"],
                         "seed_delay_s": SEED_EVERY_S * max(1, math.ceil(duration / SEED_EVERY_S)) - duration})
    return rows


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", default="1,4,8", help="clip lengths (s) rendered for (b)")
    args = parser.parse_args(argv)
    settings = Settings()
    table = computed(settings)
    print(f"(a) computed: adaptive polls (first {settings.render_poll_first_s:g} s, x{settings.render_poll_growth:g}, "
          f"at most every {settings.render_poll_max_s:g} s) vs the seed (every {SEED_EVERY_S:g} s, "
          f"at most {SEED_POLLS} polls); means over renders lasting anywhere in the range")
    print(f"    {'render lasts s':>15}{'ours late s':>13}{'ours polls':>12}{'seed late s':>13}{'seed polls':>12}"
          f"{'ratio late':>12}")
    for row in table:
        low, high = row["bin"]
        if row["seed_late_s"] is None:
            seed, ratio = "never sees", "-"
        else:
            seed, ratio = f"{row['seed_late_s']:.1f}", f"{row['ours_late_s'] / row['seed_late_s']:.2f}"
        print(f"    {f'{low}-{high}':>15}{row['ours_late_s']:>13.1f}{row['ours_polls']:>12.1f}{seed:>13}"
              f"{row['seed_polls']:>12.1f}{ratio:>12}")
    print("    ratio late ours / seed by range: " + ", ".join(
        f"{row['bin'][0]}-{row['bin'][1]} s {row['ours_late_s'] / row['seed_late_s']:.2f}"
        for row in table if row["seed_late_s"] is not None))

    with tempfile.TemporaryDirectory() as scratch:
        os.environ.setdefault("NEMO_CONFIG_DIR", str(Path(scratch) / "config"))
        rows = measured([float(x) for x in args.lengths.split(",")], Path(scratch))
    print("(b) measured: Session.export on a local backend (server completion -> client progress at 100 %)")
    print(f"    {'clip s':>8}{'render s':>10}{'ours late s':>13}{'seed late s':>13}")
    for row in rows:
        print(f"    {row['length_s']:>8g}{row['duration_s']:>10.2f}{row['ours_delay_s']:>13.2f}{row['seed_delay_s']:>13.2f}")
    ours = statistics.mean(row["ours_delay_s"] for row in rows)
    seed = statistics.mean(row["seed_delay_s"] for row in rows)
    print(f"    ratio mean lateness ours / seed (measured renders): {ours / seed:.3f}")
    return {"computed": table, "measured": rows, "ratio_measured": ours / seed}


if __name__ == "__main__":
    main()

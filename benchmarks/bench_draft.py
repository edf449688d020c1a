"""Draft.to_dataframe() and Draft.diff() on 10 000 segments, against baselines run alongside.

    python benchmarks/bench_draft.py [--segments N] [--repeat R]

Baselines: json.loads of the same draft (the floor any reader pays) and a naive per-row
DataFrame build (one dict per segment, `pd.DataFrame(list_of_dicts)`, no type coercion).
Times are the best of R runs.
"""

from __future__ import annotations

import argparse
import json

import pandas as pd
from _common import best_of

from nemo_jupyter.draft import Draft


def make_draft(segments: int, shift_ms: int = 0) -> dict:
    return {"d": segments * 1000, "t": [{"id": "trk_v", "tt": 0, "m": {"name": "Video"}, "sg": [
        {"id": f"seg_{i}", "st": i * 1000 + shift_ms, "d": 1000, "src": "med_1", "in": 0,
         "m": {"name": f"clip {i}", "speed": 1}} for i in range(segments)]}]}


def naive_frame(raw: dict) -> pd.DataFrame:
    rows = []
    for number, track in enumerate(raw["t"], start=1):
        for segment in track["sg"]:
            rows.append({"track": number, "segment": segment["id"], "start_s": segment["st"] / 1000,
                         "duration_s": segment["d"] / 1000, **segment["m"]})
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    raw, moved = make_draft(args.segments), make_draft(args.segments, shift_ms=500)
    text = json.dumps(raw)
    loads = best_of(args.repeat, lambda: json.loads(text))
    naive = best_of(args.repeat, lambda: naive_frame(raw))
    frame = best_of(args.repeat, lambda: Draft(raw).to_dataframe())
    diff = best_of(args.repeat, lambda: Draft(raw).diff(moved))  # both frames built inside
    one_change = json.loads(text)
    one_change["t"][0]["sg"][-1]["d"] = 500
    diff_one = best_of(args.repeat, lambda: Draft(raw).diff(one_change))

    print(f"{args.segments} segments, best of {args.repeat}")
    print(f"{'operation':<34}{'ms':>9}{'x json.loads':>14}{'x naive frame':>15}")
    for name, seconds in [("json.loads (baseline)", loads), ("naive per-row DataFrame (baseline)", naive),
                          ("Draft.to_dataframe()", frame), ("Draft.diff() (every segment moved)", diff),
                          ("Draft.diff() (one segment trimmed)", diff_one)]:
        print(f"{name:<34}{seconds * 1000:>9.1f}{seconds / loads:>14.1f}{seconds / naive:>15.2f}")
    verdict = "meets" if frame < 0.1 else "MISSES"
    print(f"to_dataframe() {verdict} the 100 ms target ({frame * 1000:.1f} ms)")


if __name__ == "__main__":
    main()

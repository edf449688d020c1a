"""Run every benchmark (each `benchmarks/bench_*.py`, in its own process, one after the other), show
each one's own table, then one table of the ratios they measured against their baselines.

    python benchmarks/run_all.py [--quick] [--only client,render,...] [--markdown]

`--quick` runs each with small sizes (a smoke run: the figures are not the published ones);
`--markdown` prints the summary as a Markdown table (what benchmarks/README.md holds).
A benchmark whose output has no line a row below reads shows "not found" (its format changed).
"""

from __future__ import annotations

import argparse
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK = {
    "client": ["--events", "20000", "--upload-mb", "50", "--repeat", "1"],
    "draft": ["--repeat", "2"],
    "render": ["--seconds", "2", "--repeat", "1"],
    "analysis": ["--seconds", "3", "--sizes", "320x240,1280x720", "--repeat", "1"],
    "load": ["--sessions", "20", "--clips", "8"],
    "notice": ["--real", "10"],
    "batch": ["--wall", "1", "--rows", "8", "--scale", "100", "--resume", "10"],
    "frames": ["--seconds", "3", "--repeat", "1"],
}
NUMBER = r"([0-9][0-9,]*\.?[0-9]*)"


@dataclass(frozen=True)
class Row:
    bench: str
    measure: str
    pattern: str  # a regex over the benchmark's output; its groups are the values shown
    meaning: str  # what the value compares with (and the target, if any)
    show: str = "{0}"
    last: bool = False  # the last line that matches (a table's last row), not the first

    def read(self, output: str) -> str:
        found = list(re.finditer(self.pattern, output, re.MULTILINE))
        if not found:
            return "not found"
        return self.show.format(*found[-1 if self.last else 0].groups())


ROWS = [
    Row("client", "SSE events/s: stream() / bare httpx-sse", r"ratio stream\(\) / bare\s+" + NUMBER,
        "1.00 = as fast as httpx-sse + json.loads alone"),
    Row("client", "upload throughput: ours / curl -F", r"ratio throughput client / curl\s+" + NUMBER,
        "1.00 = as fast as curl -F"),
    Row("client", "upload peak RSS MB: ours vs curl",
        r"NemoClient\.upload\(\) \(process\)\s+" + NUMBER + r"[\s\S]*?curl -F files=@\S*\s+" + NUMBER,
        "client memory flat whatever the file size", "{0} vs {1}"),
    Row("draft", "to_dataframe(): x naive per-row frame", r"^Draft\.to_dataframe\(\)\s+\S+\s+\S+\s+" + NUMBER,
        "< 1 = faster than the naive build"),
    Row("draft", "to_dataframe() ms (10 000 segments)", r"^Draft\.to_dataframe\(\)\s+" + NUMBER, "target < 100 ms"),
    Row("draft", "diff() every segment moved: x naive frame",
        r"^Draft\.diff\(\) \(every segment moved\)\s+\S+\s+\S+\s+" + NUMBER, "two frames built inside"),
    Row("render", "reference edit: render_draft / hand ffmpeg", r"\(encode\)\s+\S+\s+\S+\s+" + NUMBER, "target <= 1.2"),
    Row("render", "stream copy: render_draft / hand concat", r"\(stream copy\)\s+\S+\s+\S+\s+" + NUMBER, "ffmpeg start-up dominated"),
    Row("render", "layered draft: render_draft / hand ffmpeg", r"^layered \(.*?\)\s+\S+\s+\S+\s+" + NUMBER,
        "2 overlays, logo, 2 crossfades, loop; target <= 1.2"),
    Row("analysis", "analysis / plain decode (largest size)", r"^\d+x\d+\s+\S+\s+\S+\s+\S+\s+" + NUMBER + r"\s+\S+\s+\S+$",
        "1.00 = free on top of decoding", last=True),
    Row("analysis", "4 separate passes / our 1 pass (largest size)", r"^\d+x\d+(?:\s+\S+){5}\s+" + NUMBER + r"$",
        "> 1 = one pass saves that much", last=True),
    Row("load", "concurrent sessions: failures, req/s", r"failures (\d+), \d+ requests in \S+ s = " + NUMBER + " req/s",
        "every session: upload, 3 edits, 4 state reads", "{0} failed, {1} req/s"),
    Row("load", "state read p50 / p99 ms", r"state reads p50 " + NUMBER + r" ms, p99 " + NUMBER + " ms",
        "under that load", "{0} / {1}"),
    Row("load", "server RSS MB at rest / peak", r"server RSS: " + NUMBER + r" MB at rest, " + NUMBER + " MB peak",
        "bounded", "{0} / {1}"),
    Row("load", "batch: concurrency 4 / one by one", r"one by one: " + NUMBER + r" \(target <= 0\.35; (\d+) cores"
        r": the CPU work alone allows no less than " + NUMBER, "target 0.35", "{0} (CPU floor on {1} cores: {2})"),
    Row("batch", "cloud-like renders: concurrency 4 / 16 of serial",
        r"ratios of serial: " + NUMBER + r" at 4 \(target <= 0\.30\), " + NUMBER + " at 16",
        "targets 0.30 / 0.10 (20 rows at 16: 0.10 is the floor)", "{0} / {1}"),
    Row("batch", "1 000 rows: rows/s, client RSS growth MB",
        r"journal: " + NUMBER + r" rows/s[\s\S]*?growth " + NUMBER + " MB", "target growth < 50 MB", "{0} rows/s, {1} MB"),
    Row("batch", "SIGKILL halfway + resume: /run_sse POSTs / rows",
        r"/run_sse POSTs (\d+) for (\d+) rows", "target: exactly one per row", "{0} / {1}"),
    Row("notice", "render noticed: late s (worst), polls / 5 s", r"together: new late " + NUMBER + r" s \(worst "
        + NUMBER + r"\), " + NUMBER, "10-180 s renders, simulated; targets <= 2 s, <= 1", "{0} ({1}), {2}"),
    Row("notice", "lateness: new / today's backoff", r"ratio new / today: lateness " + NUMBER, "today: 1 s x1.5 to 30 s"),
    Row("notice", "seed (every 30 s): late s, polls / 5 s", r"seed 30 s late " + NUMBER + r" s \(worst \S+\), " + NUMBER,
        "the seed's fixed polling", "{0}, {1}"),
    Row("notice", "measured exports: worst late s, polls / 5 s", r"measured: worst late " + NUMBER + r" s, " + NUMBER,
        "real renders (render_wall_s)", "{0}, {1}"),
    Row("frames", "one frame 640 px (layered, warm): s, / render+extract",
        r"^one frame 640 px, median of 12 times\s+" + NUMBER + r"\s+\S+\s+" + NUMBER,
        "target <= 0.150 s; draft-preset render + frame_at", "{0}, {1}"),
    Row("frames", "12-frame sheet (warm): s, / render+extract",
        r"^12-frame sheet \(320 px frames\)\s+" + NUMBER + r"\s+\S+\s+" + NUMBER, "target <= 1.0 s", "{0}, {1}"),
    Row("frames", "cold: first frame s / first sheet s", r"first frame " + NUMBER + r" s .*first sheet " + NUMBER + " s",
        "empty cache: fetch, probe, proxies", "{0} / {1}"),
]


def benchmarks(only: set[str] | None) -> list[tuple[str, Path]]:
    found = [(path.stem.removeprefix("bench_"), path) for path in sorted(HERE.glob("bench_*.py"))]
    return [(name, path) for name, path in found if only is None or name in only]


def run(name: str, path: Path, quick: bool) -> tuple[str, float, int]:
    """Run one benchmark, echoing its output as it comes; (output, seconds, exit status)."""
    print(f"\n=== {path.name} ===", flush=True)
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, str(path), *(QUICK.get(name, []) if quick else [])],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=HERE.parent)
    lines = []
    for line in process.stdout:
        print(line, end="", flush=True)
        lines.append(line)
    return "".join(lines), time.perf_counter() - started, process.wait()


def summary(outputs: dict[str, str], markdown: bool) -> list[str]:
    rows = [(row.bench, row.measure, row.read(outputs[row.bench]), row.meaning) for row in ROWS if row.bench in outputs]
    headers = ("bench", "measure", "value", "compared with")
    if markdown:
        return [f"| {' | '.join(headers)} |", f"|{'---|' * len(headers)}"] + [f"| {' | '.join(r)} |" for r in rows]
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    return ["  ".join(str(cell).ljust(width) for cell, width in zip(r, widths)) for r in [headers, *rows]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--only", help="comma-separated names, e.g. client,render")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    outputs, failed = {}, []
    for name, path in benchmarks(set(args.only.split(",")) if args.only else None):
        output, seconds, status = run(name, path, args.quick)
        outputs[name] = output
        print(f"--- {path.name}: {seconds:.0f} s{'' if status == 0 else f', exit status {status}'}")
        if status != 0:
            failed.append(name)
    print(f"\n=== ratios ({'quick run' if args.quick else 'full run'}; Python {platform.python_version()}) ===")
    for line in summary(outputs, args.markdown):
        print(line)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

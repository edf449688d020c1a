"""`nemo-jupyter demo`: the whole loop offline, in under a minute.

Starts the local backend, makes three sample "AI-generated" clips and a music track with ffmpeg's
test sources, uploads them, edits the timeline in plain words through `/run_sse` (reorder, trim,
title, music) printing the agent's replies as they stream, exports a 1080p MP4 and prints where it
is and the timeline summary. No account, no network: everything runs on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from . import protocol

CLIPS = (  # (file name, ffmpeg test source, caption, tone)
    ("city_dusk.mp4", "testsrc2", "Scene 1 - city at dusk", 330),
    ("deep_zoom.mp4", "mandelbrot", "Scene 2 - deep zoom", 440),
    ("neon_grid.mp4", "testsrc", "Scene 3 - neon grid", 550),
)
INSTRUCTIONS = (
    "reorder to 3,1,2",
    "trim scene 2 to 2s",
    'add title "Urban Dreams" from 0s to 3s at top',
    "add music lofi_tone.m4a at 35%",
)


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The demo's options, for `nemo-jupyter demo` (cli.py) and `python -m nemo_jupyter.demo`."""
    parser.add_argument("--dir", default=None, help="work folder (default: a new temporary folder)")
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each sample clip (default 4)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = add_arguments(argparse.ArgumentParser(prog="nemo-jupyter demo", description=__doc__.splitlines()[0]))
    return run(parser.parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """The demo with parsed options; 0 when the export worked, 1 (and one line on stderr) if not."""
    started = time.monotonic()
    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="nemo-demo-"))
    try:
        work.mkdir(parents=True, exist_ok=True)  # a --dir that is a file fails here, in one line
        print(f"nemo-jupyter demo - working in {work}")
        out = _run(work, args.seconds)
    except Exception as exc:  # noqa: BLE001 - the demo ends with one line, whatever broke
        print(f"demo failed: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}", file=sys.stderr)
        return 1
    print(f"\nexported: {out}")
    print(f"done in {time.monotonic() - started:.1f} s")
    return 0


def _run(work: Path, seconds: float) -> Path:
    from .local import LocalBackend

    sources = _make_samples(work / "samples", seconds)
    with LocalBackend(data_dir=work / "backend") as backend, _local_client(backend.url, work) as client:
        print(f"local backend on {backend.url}")
        session_id = client.create_session()["session_id"]
        uploaded = client.upload(session_id, *sources)
        names = ", ".join(f["filename"] for f in uploaded.get("files", []))
        print(f"uploaded: {names}\n")
        for instruction in INSTRUCTIONS:
            _edit(client, session_id, instruction)
        print(_summary(client.state(session_id)["state"]))
        return _export(client, session_id, work / "nemo-demo.mp4")


def _make_samples(folder: Path, seconds: float) -> list[Path]:
    from .local.media.samples import make_clip, make_tone

    print("making sample clips ", end="", flush=True)
    paths = []
    for name, pattern, caption, tone in CLIPS:
        paths.append(make_clip(folder / name, seconds=seconds, size=(1280, 720), pattern=pattern, tone_hz=tone, label=caption))
        print(".", end="", flush=True)
    paths.append(make_tone(folder / "lofi_tone.m4a", seconds=3 * seconds, hz=220))
    print(f" {len(paths)} files")
    return paths


@contextmanager
def _local_client(api_url: str, work: Path):
    """A client for the local backend with its own config dir: a real cloud token is neither sent
    nor overwritten (the token cache holds one token)."""
    from .client import NemoClient

    names = (protocol.ENV_CONFIG_DIR, protocol.ENV_TOKEN, protocol.ENV_CLIENT_ID)
    saved = {name: os.environ.pop(name, None) for name in names}
    os.environ[protocol.ENV_CONFIG_DIR] = str(work / "config")
    try:
        with NemoClient(api_url=api_url) as client:
            yield client
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None)
            if value is not None:
                os.environ[name] = value


def _edit(client, session_id: str, instruction: str) -> None:
    print(f"> {instruction}")
    print("  ", end="", flush=True)
    shown = False
    for event in client.stream(session_id, instruction):
        if event.kind == "text_chunk":
            print(event.text, end="", flush=True)
            shown = True
        elif event.kind == "text" and not event.streamed:
            print(event.text, end="", flush=True)
            shown = True
        elif event.kind == "tool_call":
            print(f"[tool: {event.name}] ", end="", flush=True)
    print("" if shown else "(done, no reply text)", end="\n\n")


def _summary(state: dict) -> str:
    from .draft import Draft

    return Draft.from_state(state).summary()


def _export(client, session_id: str, path: Path) -> Path:
    """The session's export rules (a failed render tried once more, a stuck one cancelled), polled briskly."""
    from .session import Session

    live = sys.stdout.isatty()
    print("exporting 1080p MP4" + ("" if live else " ..."), end="" if live else "\n", flush=True)

    def show(stage: str, percent: float) -> None:
        if live and stage == "render":
            print(f"\rexporting 1080p MP4: {percent:5.1f}%", end="", flush=True)

    session = Session(client, session_id, render_poll_first_s=0.2, render_poll_max_s=1.0)
    render = session.export(path, quality="high", progress=show)
    if live:
        print()
    return render.path


if __name__ == "__main__":
    sys.exit(main())

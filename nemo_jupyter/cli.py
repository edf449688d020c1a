"""`nemo-jupyter serve` (the local backend in the foreground; `--status` / `--stop` for the one
running on a data dir, e.g. started by `%nemo connect --local`) and `nemo-jupyter demo`."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import warnings
from datetime import datetime

from . import demo as demo_module

DEFAULT_PORT = 8765


def _serve(args: argparse.Namespace) -> int:
    from .local import discovery
    from .local.server import LocalBackend, is_loopback

    if args.status or args.stop:
        return _manage(args, discovery)
    running = discovery.status(args.data)
    if running is not None:
        print(f"nemo-jupyter serve: a local backend already serves this data folder at {running.url} "
              f"(pid {running.pid}): use it, or stop it with `nemo-jupyter serve --stop`", file=sys.stderr)
        return 1
    if not is_loopback(args.host):
        print(f"warning: listening on {args.host} makes the backend reachable from other machines", file=sys.stderr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the warning above says it once, in plain words
        backend = LocalBackend(args.data, host=args.host, port=args.port)
    try:
        backend.bind()
    except OSError as error:  # a port in use, a host that does not resolve: one line, not a traceback
        print(f"nemo-jupyter serve: cannot listen on {args.host}:{args.port} ({error.strerror or error}): "
              "choose another --host or --port (--port 0 takes a free one)", file=sys.stderr)
        return 1
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda *_: stopping.set())
    backend.start()
    discovery.write(backend)
    print(f"nemo-jupyter local backend on {backend.url} (data in {backend.data_dir}); Ctrl-C stops it", flush=True)
    print(f"use it with: export NEMO_API_URL={backend.url}", flush=True)
    try:
        while not stopping.wait(1.0):
            pass
    finally:
        discovery.remove(backend)
        backend.stop()
    return 0


def _manage(args: argparse.Namespace, discovery) -> int:
    """`serve --status` (exit 0 when one runs, 3 when none) and `serve --stop`."""
    info = discovery.status(args.data) if args.status else discovery.stop(args.data)
    where = args.data or "the default data folder"
    if info is None:
        print(f"no local backend is running on {where}")
        return 3 if args.status else 0
    since = datetime.fromtimestamp(info.started).strftime("%Y-%m-%d %H:%M:%S")
    verb = "running" if args.status else "stopped"
    print(f"{verb}: {info.url} (pid {info.pid}, data in {info.data_dir}, since {since})")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="nemo-jupyter", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the local NemoVideo-compatible backend")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT}; 0: any free)")
    serve.add_argument("--data", default=None, help="data folder (default: ~/.local/share/nemo-jupyter)")
    manage = serve.add_mutually_exclusive_group()
    manage.add_argument("--status", action="store_true", help="say whether a backend serves the data folder")
    manage.add_argument("--stop", action="store_true", help="stop the backend that serves the data folder")
    serve.set_defaults(run=_serve)
    demo = commands.add_parser("demo", help="generate clips, edit, render and print the result on a local backend")
    demo_module.add_arguments(demo)
    demo.set_defaults(run=demo_module.run)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

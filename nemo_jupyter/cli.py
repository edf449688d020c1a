"""`nemo-jupyter serve` (the local backend in the foreground) and `nemo-jupyter demo`."""

from __future__ import annotations

import argparse
import sys
import warnings

from . import demo as demo_module

DEFAULT_PORT = 8765


def _serve(args: argparse.Namespace) -> int:
    from .local.server import LocalBackend, is_loopback

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
    print(f"nemo-jupyter local backend on {backend.url} (data in {backend.data_dir}); Ctrl-C stops it", flush=True)
    print(f"use it with: export NEMO_API_URL={backend.url}", flush=True)
    backend.serve_forever()
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="nemo-jupyter", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the local NemoVideo-compatible backend")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT}; 0: any free)")
    serve.add_argument("--data", default=None, help="data folder (default: ~/.local/share/nemo-jupyter)")
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

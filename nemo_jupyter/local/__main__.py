"""`python -m nemo_jupyter.local [--host] [--port] [--data]`: the same as `nemo-jupyter serve`."""

from __future__ import annotations

import sys

from ..cli import main

sys.exit(main(["serve", *sys.argv[1:]]))

"""The load tests' server (the local backend in a child process) and the figures they print at the end."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from load_figures import FIGURES

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))  # bench_load: the workload


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from bench_load import ChildServer

    running = ChildServer(tmp_path_factory.mktemp("load-server"))
    yield running
    running.stop()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if FIGURES:
        terminalreporter.section("load figures (this machine, this run)")
        for line in FIGURES:
            terminalreporter.write_line(line)

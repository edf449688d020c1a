"""The fault matrix's backend (restartable, for "connection refused"), its timings, and the table.

Each cell of the matrix records its outcome in `MATRIX`; `pytest_terminal_summary` prints the table
(faults down, operations across, one table per face) at the end of the run.
"""

from __future__ import annotations

import pytest
from fault_cells import FAULTS, OPERATIONS
from fault_world import MATRIX, World


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    world = World(tmp_path_factory.mktemp("faults"))
    world.up()
    yield world
    world.down()


@pytest.fixture
def healthy(world):
    """The world, up and without faults before and after the test."""
    if world.backend is None:
        world.up()
    world.backend.faults.reset()
    yield world
    if world.backend is None:
        world.up()
    world.backend.faults.reset()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not MATRIX:
        return
    faces = sorted({face for face, _, _ in MATRIX})
    faults = [fault for fault in FAULTS if any(f == fault for _, f, _ in MATRIX)]
    operations = [op for op in OPERATIONS if any(o == op for _, _, o in MATRIX)]
    write = terminalreporter.write_line
    for face in faces:
        terminalreporter.section(f"fault matrix through the {face} (outcome of the faulty call; every cell "
                                 "then checked: one line, no token, no instruction twice, draft intact, next call works)")
        width = max(len(f) for f in faults) + 2
        columns = [2 + max([len(op)] + [len(outcome) for (f, _, o), outcome in MATRIX.items() if f == face and o == op])
                   for op in operations]
        write("".ljust(width) + "".join(op.ljust(w) for op, w in zip(operations, columns)))
        for fault in faults:
            cells = [MATRIX.get((face, fault, op), "—").ljust(w) for op, w in zip(operations, columns)]
            write(fault.ljust(width) + "".join(cells))

"""A real IPython InteractiveShell with `%load_ext nemo_jupyter`, connected to the local backend."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

FAST_CONFIG = {"recovery_first_s": 0.05, "recovery_every_s": 0.05, "recovery_polls": 3,
               "render_poll_first_s": 0.05, "render_poll_max_s": 0.2, "retry_wait": 0.05}


@pytest.fixture(scope="session")
def ip():
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "nemo_jupyter")
    for name, value in FAST_CONFIG.items():
        shell.run_line_magic("config", f"NemoMagics.{name} = {value!r}")
    yield shell
    shell.magics_manager.registry["NemoMagics"].close()


@pytest.fixture
def nemo(ip, backend):
    """The shell, connected to the shared backend with a new session; faults reset afterwards."""
    with capture_output():
        ip.run_line_magic("nemo", f"connect --url {backend.url}")
    ip.run_line_magic("config", "NemoMagics.view = 'text'")
    yield ip
    backend.faults.reset()


@pytest.fixture
def cell(ip):
    """cell(source) runs a cell as a notebook would: (result, captured); no output ever shows a token."""
    def run(source: str):
        with capture_output() as captured:
            result = ip.run_cell(source)
        shown = captured.stdout + captured.stderr + "".join(str(o.data) for o in captured.outputs)
        assert "nmv_usr_" not in shown
        return result, captured

    return run

"""Bad user input to `nemo-jupyter serve`: one line on stderr and exit status 1, no traceback."""

from __future__ import annotations

import socket

import pytest

from nemo_jupyter import cli


@pytest.fixture
def busy_port():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


def test_serve_on_a_port_in_use_says_so_in_one_line(busy_port, tmp_path, capsys):
    assert cli.main(["serve", "--port", str(busy_port), "--data", str(tmp_path / "data")]) == 1
    shown = capsys.readouterr()
    lines = [line for line in shown.err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in shown.err + shown.out
    assert f"cannot listen on 127.0.0.1:{busy_port}" in lines[0] and "--port 0" in lines[0]



def test_demo_in_a_folder_that_is_a_file_says_so_in_one_line(tmp_path, capsys):
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("a file")
    assert cli.main(["demo", "--dir", str(not_a_folder)]) == 1
    shown = capsys.readouterr()
    assert shown.err.startswith("demo failed: ") and len(shown.err.strip().splitlines()) == 1
    assert "Traceback" not in shown.err + shown.out

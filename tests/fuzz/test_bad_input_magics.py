"""Bad user input through the magics: each gives one clear error line, sends nothing, and keeps the session.

(tests/magics covers an unknown `{{name}}` and being not connected; these are the rest of issue 6's list.)
"""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from nemo_jupyter import protocol


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad-input")
    (folder / "notes.txt").write_text("not a video")
    (folder / "clips.mp4").mkdir()  # a folder with a video's name
    with open(folder / "huge.mp4", "wb") as sparse:  # 501 MB on paper, nothing on disk
        sparse.truncate(protocol.MAX_UPLOAD_BYTES + 1024 * 1024)
    return folder


@pytest.fixture
def shell(backend):
    ip = InteractiveShell.instance()
    if "NemoMagics" not in ip.magics_manager.registry:
        ip.run_line_magic("load_ext", "nemo_jupyter")
    magics = ip.magics_manager.registry["NemoMagics"]
    saved_view = magics.view
    ip.run_line_magic("config", "NemoMagics.view = 'text'")
    with capture_output():
        ip.run_line_magic("nemo", f"connect --url {backend.url}")
    yield ip
    magics.close()
    ip.run_line_magic("config", f"NemoMagics.view = {saved_view!r}")


CASES = [
    ("%nemo upload {f}/missing.mp4", ["No such file", "missing.mp4"]),
    ("%nemo upload {f}", ["is a folder"]),
    ("%nemo upload {f}/clips.mp4", ["is a folder"]),
    ("%nemo upload {f}/notes.txt", ["unsupported file type", "accepted formats", "mp4"]),
    ("%nemo upload {f}/huge.mp4", ["501 MB", "500 MB upload limit", "trim or compress"]),
    ("%nemo upload {f}/" + "a" * 300 + ".mp4", ["File name too long"]),
    ("%nemo upload ftp://example.com/a.mp4", ["Only http:// and https:// URLs"]),
    ("%nemo upload file:///etc/passwd", ["Only http:// and https:// URLs"]),
    ("%%nemo\n   \n", ["empty"]),
    ("%%nemo\n" + "make it pop " * 5000, ["59,999 characters", "shorten it"]),
    ("%nemo session not-a-session", ["not-a-session was not found", "nothing was changed"]),
    ("%nemo connect --url ftp://nowhere", ["must be an http:// or https:// address"]),
]


@pytest.mark.parametrize("source,words", CASES, ids=[c[0].split("\n")[0][:40] + str(i) for i, c in enumerate(CASES)])
def test_bad_input_is_one_clear_line_and_sends_nothing(shell, backend, files, source, words):
    magics = shell.magics_manager.registry["NemoMagics"]
    session_id = magics.session.session_id
    requests_before = sum(backend.stats.requests.values())
    with capture_output() as captured:
        result = shell.run_cell(source.replace("{f}", str(files)))
    assert not result.success
    errors = [line for line in captured.stdout.splitlines() if line.startswith("NemoVideo: ")]
    assert len(errors) == 1, captured.stdout
    assert "Traceback" not in captured.stdout + captured.stderr
    for word in words:
        assert word in errors[0]
    # nothing reached the server (a session lookup by id aside), and the session is the same one
    sent = sum(backend.stats.requests.values()) - requests_before
    assert sent <= (1 if "session" in source else 0)
    assert magics.session is not None and magics.session.session_id == session_id  # still connected, same session


def test_an_unknown_subcommand_names_the_help(shell):
    with capture_output() as captured:
        result = shell.run_cell("%nemo frobnicate now")
    shown = captured.stdout + captured.stderr
    assert not result.success and "invalid choice: 'frobnicate'" in shown and "See `%nemo help`" in shown
    assert "Traceback" not in shown and len([line for line in shown.splitlines() if line.strip()]) == 1


@pytest.mark.parametrize("source", ['%nemo upload "my clip.mp4', "%%nemo -o 'result\ntrim the first 2 seconds"])
def test_an_unclosed_quote_is_one_usage_line(shell, backend, source):
    requests_before = sum(backend.stats.requests.values())
    with capture_output() as captured:
        result = shell.run_cell(source)
    shown = captured.stdout + captured.stderr
    assert not result.success and "No closing quotation" in shown and "See `%nemo help`" in shown
    assert "Traceback" not in shown and len([line for line in shown.splitlines() if line.strip()]) == 1
    assert sum(backend.stats.requests.values()) == requests_before

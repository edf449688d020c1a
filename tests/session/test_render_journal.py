"""Renders that outlive the process that asked for them: the journal in the config dir, `Session.renders()`,
`Session.attach()`, and a client killed mid-render whose render is delivered with no second render."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from nemo_jupyter import protocol
from nemo_jupyter.client.errors import NemoError
from nemo_jupyter.render_journal import DELIVERED, NOT_STARTED, RenderJournal
from nemo_jupyter.session import NothingToExport, Session


def _render_posts(backend) -> int:
    return backend.stats.requests["POST " + protocol.PATH_RENDER]


def test_the_journal_is_private_merged_and_survives_a_torn_line(tmp_path):
    journal = RenderJournal(tmp_path / "renders.jsonl")
    journal.record("r1", session_id="s1", api_url="http://a", draft={"t": []}, path=tmp_path / "a.mp4", quality="high")
    journal.record("r2", session_id="s2", api_url="http://b", draft={"t": [1]}, path=None, quality="draft")
    journal.update("r1", status=DELIVERED, token="nmv_usr_secret")  # unknown keys (a token!) are never written
    with open(journal.path, "a") as file:
        file.write('{"id": "r3", "sess')  # a process killed mid-write
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600
    assert "nmv_usr_" not in journal.path.read_text()
    first, second = journal.entries()
    assert first["id"] == "r1" and first["status"] == DELIVERED and first["path"].endswith("a.mp4")
    assert second["draft_hash"] != first["draft_hash"] and len(first["draft_hash"]) == 16
    assert [e["id"] for e in journal.entries("http://b")] == ["r2"]
    assert journal.newest("http://a", "s1")["id"] == "r1"
    assert journal.newest("http://a", "other") is None  # r1 of another session is delivered already
    assert journal.newest("http://b", "other")["id"] == "r2"  # not delivered: resumable from anywhere
    journal.record("r4", session_id="s2", api_url="http://b", draft={}, path=None, quality="draft")
    journal.update("r4", status=NOT_STARTED)  # the server refused it: nothing to resume
    journal.record("r5", session_id="s3", api_url="http://b", draft={}, path=None, quality="draft")
    journal.update("r5", status="failed")
    assert journal.newest("http://b", "s2")["id"] == "r2" and journal.newest("http://b", "other")["id"] == "r2"
    assert journal.newest("http://b", "s3")["id"] == "r5"  # its own session's: attach says how it ended


def test_a_render_the_server_named_itself_is_journaled_under_that_name_only(tmp_path):
    journal = RenderJournal(tmp_path / "renders.jsonl")
    journal.record("render_ours", session_id="s1", api_url="http://api", draft={"t": []}, path=tmp_path / "a.mp4",
                   quality="high")
    journal.rename("render_ours", "job_server")
    entries = journal.entries()
    assert [e["id"] for e in entries] == ["job_server"]
    assert entries[0]["session_id"] == "s1" and entries[0]["path"] == str(tmp_path / "a.mp4")
    assert journal.newest("http://api")["id"] == "job_server"
    assert journal.newest("http://api", session_id="other")["id"] == "job_server"  # still pending: offered
    journal.update("job_server", status="delivered")
    assert journal.newest("http://api", session_id="other") is None  # and the client's own id never is


def test_an_export_is_journaled_and_listed_with_its_server_status(scripted_backend, scripted_client, make_clip,
                                                                  tmp_path):
    session = Session(scripted_client, render_poll_first_s=0.05, render_poll_max_s=0.2)
    session.upload(make_clip(1.0))
    render = session.export(tmp_path / "out.mp4", quality="draft")
    entry = session.journal.find(render.id)
    assert entry["session_id"] == session.session_id and entry["api_url"] == scripted_client.api_url
    assert entry["path"] == str(tmp_path / "out.mp4") and entry["status"] == DELIVERED
    table = session.renders()
    row = table[table["render_id"] == render.id].iloc[0]
    assert row["status"] == "completed" and row["delivered"] and row["session_id"] == session.session_id
    # attaching to a finished render downloads it again, without rendering
    posted = _render_posts(scripted_backend)
    again = Session(scripted_client).attach(render.id, tmp_path / "again.mp4")
    assert again.path.read_bytes() == render.path.read_bytes() and _render_posts(scripted_backend) == posted


def test_a_render_the_server_refused_is_journaled_as_not_started(scripted_backend, scripted_client, make_clip,
                                                                  tmp_path):
    session = Session(scripted_client)
    session.upload(make_clip(1.0))
    scripted_backend.faults.set(error_code=500, error_times=1, error_paths=[protocol.PATH_RENDER])
    with pytest.raises(NemoError):
        session.export(tmp_path, quality="draft")
    assert session.journal.entries()[-1]["status"] == NOT_STARTED
    with pytest.raises(NothingToExport):
        session.attach()


def test_attach_says_what_is_wrong_in_one_line(scripted_client):
    with pytest.raises(NothingToExport, match="No render started from this machine"):
        Session(scripted_client).attach()
    with pytest.raises(NemoError, match="does not know the render render_nope") as raised:
        Session(scripted_client).attach("render_nope")
    assert "\n" not in str(raised.value)


CHILD = """
import sys
from nemo_jupyter.client import NemoClient
from nemo_jupyter.session import Session

url, clip, out = sys.argv[1:4]
with NemoClient(api_url=url) as client:
    session = Session(client)
    session.upload(clip)
    print(session.session_id, flush=True)
    sys.stdin.readline()  # the test makes this session's renders slow, then lets the export start
    session.export(out, quality="draft")
"""


def test_a_client_killed_mid_render_is_resumed_with_one_render(scripted_backend, scripted_client, make_clip,
                                                               tmp_path):
    journal = RenderJournal()  # the config dir the child shares (NEMO_CONFIG_DIR) with this test
    posted = _render_posts(scripted_backend)
    child = subprocess.Popen([sys.executable, "-c", CHILD, scripted_backend.url, str(make_clip(1.0)),
                              str(tmp_path / "out")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             env=os.environ.copy())
    try:
        session_id = child.stdout.readline().strip()
        assert session_id, "the child did not start"
        scripted_backend.faults.set(session_id=session_id, render_wall_s=4.0)
        child.stdin.write("go\n")
        child.stdin.flush()
        render_id = _wait_for_processing(scripted_backend, journal)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    assert journal.find(render_id).get("status") is None  # the child never saw its end

    render = Session(scripted_client).attach()  # a new process: the newest render not yet delivered
    assert render.id == render_id and render.path == tmp_path / "out" / f"{render_id}.mp4"
    assert render.path.stat().st_size > 1000
    assert _render_posts(scripted_backend) - posted == 1
    assert journal.find(render_id)["status"] == DELIVERED


def _wait_for_processing(backend, journal: RenderJournal, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in journal.entries():
            job = backend.store.render(entry["id"])
            if job is not None and job["status"] == protocol.RENDER_PROCESSING:
                return entry["id"]
        time.sleep(0.05)
    raise AssertionError("the child's render never started: " + json.dumps(journal.entries()))


def test_the_magics_list_renders_and_resume_one(scripted_backend, make_clip, tmp_path):
    """`%nemo renders` and `%nemo export --resume` on the shell the magics tests use (in-process)."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "nemo_jupyter")
    magics = shell.magics_manager.registry["NemoMagics"]
    try:
        with capture_output():
            shell.run_line_magic("nemo", f"connect --url {scripted_backend.url}")
            shell.run_line_magic("nemo", f"upload {make_clip(1.0)}")
            first = shell.run_line_magic("nemo", f"export --out {tmp_path / 'a.mp4'} --quality draft")
        table = shell.run_line_magic("nemo", "renders")
        assert table.iloc[0]["render_id"] == first.id and table.iloc[0]["status"] == "completed"
        posted = _render_posts(scripted_backend)
        with capture_output() as captured:
            again = shell.run_line_magic("nemo", f"export --resume {first.id} --out {tmp_path / 'b.mp4'}")
        assert again.path.read_bytes() == first.path.read_bytes() and "saved to" in captured.stdout
        assert _render_posts(scripted_backend) == posted
        with capture_output() as captured:
            result = shell.run_cell("%nemo export --resume render_unknown")
        assert not result.success and "does not know the render render_unknown" in captured.stdout
    finally:
        magics.close()

from __future__ import annotations

import hashlib
import os

import pytest

from nemo_jupyter import protocol
from nemo_jupyter.session import Session
from nemo_jupyter.widgets import UploadWidget
from nemo_jupyter.widgets.upload import CHUNK_BYTES


def _send_file(browser, file_id, name, data, chunk=CHUNK_BYTES):
    """What js/src/chunk.ts does: begin, chunks (each waiting for its ack), end."""
    browser.send({"kind": "begin", "id": file_id, "name": name, "size": len(data)})
    for offset in range(0, len(data), chunk):
        piece = data[offset:offset + chunk]
        browser.send({"kind": "chunk", "id": file_id, "offset": offset}, [memoryview(piece)])
        ack = browser.received[-1][0]
        assert ack == {"kind": "ack", "id": file_id, "received": offset + len(piece)}
    browser.send({"kind": "end", "id": file_id})


def test_traits_come_from_the_protocol():
    widget = UploadWidget(session=None)
    assert widget.accept == list(protocol.ACCEPTED_EXTENSIONS)
    assert widget.max_bytes == protocol.MAX_UPLOAD_BYTES
    assert widget.chunk_bytes == 1024 * 1024


def test_a_file_reaches_the_backend_intact_with_progress_of_both_legs(client, backend, make_clip, front_end):
    session = Session(client)
    data = make_clip(2.0).read_bytes() + b""
    widget = UploadWidget(session)
    browser = front_end(widget)
    _send_file(browser, "f1", "my clip.mp4", data, chunk=64 * 1024)
    widget.wait(30)
    row = widget.files[0]
    assert (row["status"], row["received"], row["uploaded"], row["size"]) == ("done", len(data), len(data), len(data))
    answer = widget.results["f1"]
    assert answer["files"][0]["filename"] == "my clip.mp4"
    stored = [p for p in backend.data_dir.rglob("*") if p.is_file() and p.stat().st_size == len(data)]
    assert any(hashlib.sha256(p.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest() for p in stored)
    state = session.state()
    assert "my clip.mp4" in [m.get("name") for m in state.get("state", state)["video_infos"]]
    assert not any(os.scandir(widget._folder.name + "/f1"))  # the kernel's copy is gone


@pytest.mark.parametrize(("name", "size", "words"), [
    ("notes.txt", 10, "txt"),
    ("huge.mp4", protocol.MAX_UPLOAD_BYTES + 1, "500"),
])
def test_refused_before_any_byte(name, size, words, front_end):
    widget = UploadWidget(session=None)
    browser = front_end(widget)
    browser.send({"kind": "begin", "id": "f", "name": name, "size": size})
    content, _ = browser.received[-1]
    assert content["kind"] == "refused" and words in content["error"]
    assert widget.files[0]["status"] == "error" and "\n" not in widget.files[0]["error"]


def test_out_of_order_chunks_and_short_files_fail_cleanly(front_end):
    widget = UploadWidget(session=None)
    browser = front_end(widget)
    browser.send({"kind": "begin", "id": "a", "name": "a.mp4", "size": 10})
    browser.send({"kind": "chunk", "id": "a", "offset": 5}, [b"12345"])
    assert widget.files[0]["status"] == "error" and "out of order" in widget.files[0]["error"]
    browser.send({"kind": "begin", "id": "b", "name": "b.mp4", "size": 10})
    browser.send({"kind": "chunk", "id": "b", "offset": 0}, [b"12345"])
    browser.send({"kind": "end", "id": "b"})
    assert widget.files[1]["status"] == "error" and "5 of 10" in widget.files[1]["error"]


def test_a_name_cannot_escape_the_upload_folder(front_end, tmp_path):
    widget = UploadWidget(session=None)
    browser = front_end(widget)
    browser.send({"kind": "begin", "id": "x", "name": "../../etc/evil.mp4", "size": 3})
    path = widget._transfers["x"].path
    assert path.name == "evil.mp4" and path.parent.parent == type(path)(widget._folder.name)


def test_cancel_during_the_api_leg_stops_the_upload(front_end, tmp_path):
    import threading

    started, release = threading.Event(), threading.Event()

    class SlowSession:
        """The session's side of the API leg: reports progress until told to go on."""

        def upload(self, path, progress=None):
            progress(10, 100)
            started.set()
            release.wait(10)
            progress(50, 100)  # the widget raises here once cancelled
            return {"files": [{"filename": path.name}]}

    widget = UploadWidget(SlowSession())
    browser = front_end(widget)
    _send_file(browser, "c", "c.mp4", b"x" * 100)
    assert started.wait(10)
    assert widget.files[0]["status"] == "uploading"
    browser.send({"kind": "cancel", "id": "c"})
    release.set()
    widget.wait(10)
    assert widget.files[0]["status"] == "cancelled"
    assert widget.results == {}


def test_an_api_error_is_one_line_in_the_row(client, front_end):
    session = Session(client)
    widget = UploadWidget(session)
    browser = front_end(widget)
    _send_file(browser, "e", "broken.mp4", b"definitely not a video")
    widget.wait(30)
    row = widget.files[0]
    if row["status"] == "done":
        pytest.skip("this backend accepts undecodable media")
    assert row["status"] == "error" and row["error"] and "\n" not in row["error"]
    assert "nmv_usr_" not in row["error"]

"""Uploads: refused before a byte is sent; a 450 MB file streams with flat memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from nemo_jupyter import protocol
from nemo_jupyter.client import errors


def upload_requests(backend, requests_to) -> int:
    return requests_to(backend, "POST", "/api/upload-video/")


@pytest.fixture
def session(client):
    return client.create_session()["session_id"]


def test_unsupported_type_is_refused_before_sending(client, backend, session, tmp_path, make_clip, requests_to):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    before = upload_requests(backend, requests_to)
    with pytest.raises(errors.UnsupportedFile) as caught:
        client.upload(session, make_clip(1.0), bad)  # one bad file: nothing is sent
    assert "notes.txt" in str(caught.value) and "mp4" in str(caught.value)
    assert upload_requests(backend, requests_to) == before


def test_too_large_is_refused_before_sending(client, backend, session, tmp_path, requests_to):
    huge = tmp_path / "huge.mp4"
    with open(huge, "wb") as handle:
        handle.truncate(protocol.MAX_UPLOAD_BYTES + 1)  # sparse: no disk used
    before = upload_requests(backend, requests_to)
    with pytest.raises(errors.FileTooLarge, match="500 MB"):
        client.upload(session, huge)
    assert upload_requests(backend, requests_to) == before


def test_missing_file_and_no_file_are_refused_before_sending(client, backend, session, tmp_path, requests_to):
    before = upload_requests(backend, requests_to)
    with pytest.raises(FileNotFoundError):
        client.upload(session, tmp_path / "absent.mp4")
    with pytest.raises(ValueError):
        client.upload(session)
    assert upload_requests(backend, requests_to) == before


def test_a_server_side_refusal_is_typed(client, session, tmp_path):
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(b"this is not a video" * 100)
    with pytest.raises(errors.UnsupportedFile, match="fake.mp4"):
        client.upload(session, fake)


# The upload runs in a child process so that the backend (a thread of this process) does not
# count towards the client's memory.
UPLOADER = textwrap.dedent(
    """
    import json, sys, time
    from nemo_jupyter.client import NemoClient

    url, session_id, path = sys.argv[1:4]
    def memory_mb(field):  # VmRSS now, VmHWM the peak since this process started
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith(field)) / 1024
    with NemoClient(api_url=url, timeout=300) as client:
        client.credits()  # token and connection ready: everything but the upload is loaded
        before = memory_mb("VmHWM")
        calls = []
        started = time.perf_counter()
        answer = client.upload(session_id, path, progress=lambda sent, total: calls.append(sent))
        seconds = time.perf_counter() - started
        peak = memory_mb("VmHWM")
    print(json.dumps({"before_mb": before, "peak_mb": peak, "seconds": seconds,
                      "progress_calls": len(calls), "answer": answer}))
    """
)


def big_clip(path, size, make_clip):
    """A real clip padded with a sparse hole up to `size` bytes (ffmpeg still reads its header)."""
    with open(make_clip(1.0), "rb") as source, open(path, "wb") as target:
        target.write(source.read())
        target.truncate(size)
    return path


@pytest.mark.slow
def test_450_mb_upload_keeps_client_memory_flat(fresh_backend, tmp_path, make_clip):
    from nemo_jupyter.client import NemoClient

    size = 450 * 1024 * 1024
    path = big_clip(tmp_path / "big.mp4", size, make_clip)
    with NemoClient(api_url=fresh_backend.url) as client:
        session_id = client.create_session()["session_id"]
        client_id = client.client_id
    env = {**os.environ, protocol.ENV_CONFIG_DIR: str(tmp_path / "child-config"), protocol.ENV_CLIENT_ID: client_id}
    try:
        done = subprocess.run(
            [sys.executable, "-c", UPLOADER, fresh_backend.url, session_id, str(path)],
            capture_output=True, text=True, timeout=600, env=env,
        )
    finally:
        for received in fresh_backend.data_dir.rglob("big.mp4"):  # 450 MB of real disk: do not keep it
            received.unlink()
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    growth = result["peak_mb"] - result["before_mb"]
    print(f"450 MB upload: {result['seconds']:.1f} s, client peak RSS {result['before_mb']:.0f} -> {result['peak_mb']:.0f} MB")
    assert growth < 64, result
    assert result["progress_calls"] > 1000  # progress came as the bytes went out
    assert result["answer"]["files"][0]["filename"] == "big.mp4"


def test_upload_refused_with_429_is_sent_again_whole(client, backend, session, make_clip, requests_to):
    clip = make_clip(1.0)
    backend.faults.set(error_code=429, error_paths=["/api/upload-video/"], error_times=1)
    before = upload_requests(backend, requests_to)
    seen = []
    data = client.upload(session, clip, progress=lambda sent, total: seen.append((sent, total)))
    assert data["files"][0]["width"] == 320  # the second body was complete: ffmpeg read the clip
    assert upload_requests(backend, requests_to) == before + 2
    assert seen[-1][0] == seen[-1][1]

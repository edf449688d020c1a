"""Uploads: multipart and by URL, names that try to escape, types, the size limit while streaming."""

from __future__ import annotations

import json
import os
import subprocess
import time

import httpx
import pytest

from nemo_jupyter import protocol
from nemo_jupyter.local import LocalBackend
from nemo_jupyter.local.media.samples import make_image, make_tone


@pytest.fixture(scope="module")
def media_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("media")
    return {"image": make_image(folder / "still.png"), "tone": make_tone(folder / "music.wav", seconds=1.0)}


def _media_files(backend) -> list:
    return sorted(p for p in (backend.data_dir / "media").rglob("*") if p.is_file())


def test_two_videos_go_on_the_video_track_in_order(scripted, alice, clip, make_clip):
    longer = make_clip(2.0, (320, 240))
    session_id = alice.new_session()
    answer = alice.data(alice.upload(session_id, clip, longer, names=["first.mp4", "second.MP4"]))
    assert answer["session_state_applied"] is True
    first, second = answer["files"]
    assert first["filename"] == "first.mp4" and first["file_type"] == "video"
    assert (first["width"], first["height"], first["duration"]) == (320, 240, 1.0)
    assert second["duration"] == 2.0 and first["fps"] == 30
    state = alice.state(session_id)
    infos = state["video_infos"]
    assert [m["name"] for m in infos] == ["first.mp4", "second.MP4"]
    assert infos[0]["id"].startswith("med_") and infos[0]["d"] == 1000 and infos[0]["has_audio"] is True
    (track,) = state["draft"]["t"]
    assert track["tt"] == protocol.TRACK_VIDEO and track["id"].startswith("trk_")
    assert [(s["st"], s["d"], s["src"], s["in"]) for s in track["sg"]] == [(0, 1000, infos[0]["id"], 0), (1000, 2000, infos[1]["id"], 0)]
    assert state["draft"]["d"] == 3000


def test_the_file_url_plays_without_the_token_and_is_unguessable(scripted, alice, clip):
    session_id = alice.new_session()
    url = alice.data(alice.upload(session_id, clip))["files"][0]["cdn_url"]
    assert alice.token not in url
    key = url.split("/cdn/")[1].split("/")[0]
    assert len(key) == 32 and int(key, 16) >= 0  # 128 random bits
    played = httpx.get(url, headers={"Range": "bytes=0-99"})
    assert played.status_code == 206 and played.content == clip.read_bytes()[:100]
    assert httpx.get(url.replace(key, "0" * 32)).status_code == 404
    assert httpx.get(url.rsplit("/", 1)[0] + "/other.mp4").status_code == 404


def test_an_uploaded_video_is_analysed_in_the_background(alice, clip):
    session_id = alice.new_session()
    media_id = alice.data(alice.upload(session_id, clip))["files"][0]["media_id"]
    deadline = time.monotonic() + 60
    while (analysis := alice.state(session_id)["video_analyses"].get(media_id, {})).get("status") != "done":
        assert analysis.get("status") in ("running", None, "done"), analysis
        assert time.monotonic() < deadline, "analysis did not finish"
        time.sleep(0.1)
    assert analysis["progress"] == 100.0 and analysis["duration_s"] == pytest.approx(1.0, abs=0.1)
    assert "findings" in analysis


def test_an_image_lasts_three_seconds_and_audio_stays_off_the_timeline(alice, media_files):
    session_id = alice.new_session()
    files = alice.data(alice.upload(session_id, media_files["image"], media_files["tone"]))["files"]
    assert [f["file_type"] for f in files] == ["image", "audio"]
    state = alice.state(session_id)
    assert [m["type"] for m in state["video_infos"]] == ["image", "audio"]
    (track,) = state["draft"]["t"]
    assert [(s["d"], s["src"]) for s in track["sg"]] == [(3000, state["video_infos"][0]["id"])]
    assert state["video_analyses"] == {}


@pytest.mark.parametrize("name,expected", [
    ("../../../escape.mp4", "escape.mp4"),
    ("/etc/absolute.mp4", "absolute.mp4"),
    ("..\\..\\windows.mp4", "windows.mp4"),
    ("nul\x00byte.mp4", "nulbyte.mp4"),
    (".hidden.mp4", "hidden.mp4"),
    ("x" * 400 + ".mp4", "x" * 116 + ".mp4"),
])
def test_names_cannot_escape_the_data_dir(scripted, alice, clip, name, expected):
    session_id = alice.new_session()
    body = (b'--b0undary\r\nContent-Disposition: form-data; name="files"; filename="' + name.encode()
            + b'"\r\nContent-Type: video/mp4\r\n\r\n' + clip.read_bytes() + b"\r\n--b0undary--\r\n")
    answer = alice.data(alice.http.post(protocol.PATH_UPLOAD.format(session_id=session_id), content=body,
                                        headers={"Content-Type": "multipart/form-data; boundary=b0undary"}))
    assert answer["files"][0]["filename"] == expected
    media_root = (scripted.data_dir / "media").resolve()
    stored = [p for p in media_root.rglob("*") if p.is_file() and p.name == expected]
    assert stored and all(p.resolve().parent.parent == media_root for p in stored)
    assert not (scripted.data_dir.parent / "escape.mp4").exists() and not os.path.exists("/etc/absolute.mp4")


@pytest.mark.parametrize("name", ["notes.txt", "movie.mp4.exe", "noextension"])
def test_an_unsupported_type_is_4001_and_nothing_is_kept(scripted, alice, name):
    session_id = alice.new_session()
    before = _media_files(scripted)
    files = [(protocol.UPLOAD_FIELD, (name, b"x" * 1000, "application/octet-stream"))]
    answer = alice.http.post(protocol.PATH_UPLOAD.format(session_id=session_id), files=files)
    assert answer.status_code == 415 and answer.json()["code"] == protocol.CODE_UNSUPPORTED_FILE
    assert "mp4" in answer.json()["message"]
    assert _media_files(scripted) == before and alice.state(session_id)["video_infos"] == []


def test_a_file_that_is_not_media_is_4001(scripted, alice, tmp_path):
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(os.urandom(5000))
    session_id = alice.new_session()
    before = _media_files(scripted)
    answer = alice.upload(session_id, fake)
    assert answer.status_code == 415 and answer.json()["code"] == protocol.CODE_UNSUPPORTED_FILE
    assert _media_files(scripted) == before


def test_a_multipart_body_without_files_is_422(alice):
    session_id = alice.new_session()
    path = protocol.PATH_UPLOAD.format(session_id=session_id)
    assert alice.http.post(path, files=[("other", ("a.mp4", b"x"))]).status_code == 422
    assert alice.http.post(path, content=b"raw", headers={"Content-Type": "video/mp4"}).status_code == 422


@pytest.fixture
def small_limit(tmp_path):
    with LocalBackend(data_dir=tmp_path, max_upload_bytes=1024 * 1024) as limited:
        yield limited


def test_a_file_over_the_limit_is_4002_and_nothing_is_kept(small_limit, user_of):
    api = user_of(small_limit)
    session_id = api.new_session()
    files = [(protocol.UPLOAD_FIELD, ("big.mp4", b"\0" * (1024 * 1024 + 1), "video/mp4"))]
    answer = api.http.post(protocol.PATH_UPLOAD.format(session_id=session_id), files=files)
    assert answer.status_code == 413 and answer.json()["code"] == protocol.CODE_FILE_TOO_LARGE
    assert _media_files(small_limit) == []


def test_the_limit_cuts_a_streamed_body_off_early(small_limit, user_of):
    """The server stops reading at the limit: the client cannot push 200 MB through a 1 MB limit."""
    api = user_of(small_limit)
    session_id = api.new_session()
    boundary = "nemo-boundary"
    total, chunk, sent = 200 * 1024 * 1024, b"\0" * (256 * 1024), [0]

    def body():
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"huge.mp4\"\r\n"
               "Content-Type: video/mp4\r\n\r\n").encode()
        while sent[0] < total:
            sent[0] += len(chunk)
            yield chunk
        yield f"\r\n--{boundary}--\r\n".encode()

    started = time.monotonic()
    try:
        answer = api.http.post(protocol.PATH_UPLOAD.format(session_id=session_id), content=body(),
                               headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    except httpx.TransportError:
        pass  # the server answered 4002 and closed the connection while the client was still writing
    else:
        assert answer.status_code == 413 and answer.json()["code"] == protocol.CODE_FILE_TOO_LARGE
    assert sent[0] < 32 * 1024 * 1024, f"the client pushed {sent[0] >> 20} MB before being cut off"
    assert time.monotonic() - started < 20
    assert _media_files(small_limit) == []
    assert api.state(session_id)["video_infos"] == []


def test_upload_by_url_fetches_over_http(scripted, alice, clip):
    source = alice.new_session()
    url = alice.data(alice.upload(source, clip, names=["remote clip.mp4"]))["files"][0]["cdn_url"]
    target = alice.new_session()
    answer = alice.data(alice.http.post(protocol.PATH_UPLOAD.format(session_id=target),
                                        json={"urls": [url], "source_type": "url"}))
    (file,) = answer["files"]
    assert file["filename"] == "remote clip.mp4" and file["duration"] == 1.0
    assert file["cdn_url"] != url and httpx.get(file["cdn_url"]).content == clip.read_bytes()
    assert len(alice.state(target)["draft"]["t"][0]["sg"]) == 1


@pytest.mark.parametrize("urls,status", [
    (["file:///etc/passwd.mp4"], 422), (["ftp://example.com/a.mp4"], 422), (["not a url"], 422),
    ([], 422), ("http://x/a.mp4", 422),
])
def test_upload_by_url_refuses_what_is_not_an_http_url(alice, urls, status):
    session_id = alice.new_session()
    answer = alice.http.post(protocol.PATH_UPLOAD.format(session_id=session_id), json={"urls": urls, "source_type": "url"})
    assert answer.status_code == status
    assert alice.state(session_id)["video_infos"] == []


def test_upload_by_url_of_a_missing_file_or_wrong_type(scripted, alice):
    session_id = alice.new_session()
    path = protocol.PATH_UPLOAD.format(session_id=session_id)
    missing = alice.http.post(path, json={"urls": [f"{scripted.url}/cdn/{'0' * 32}/gone.mp4"]})
    assert missing.status_code == 422 and "HTTP 404" in missing.json()["message"]
    wrong = alice.http.post(path, json={"urls": [f"{scripted.url}/cdn/{'0' * 32}/page.html"]})
    assert wrong.status_code == 415 and wrong.json()["code"] == protocol.CODE_UNSUPPORTED_FILE


def test_the_curl_upload_command(scripted, alice, clip):
    session_id = alice.new_session()
    out = subprocess.run(
        ["curl", "-s", "-X", "POST", f"{scripted.url}/api/upload-video/nemo_agent/me/{session_id}",
         "-H", f"Authorization: Bearer {alice.token}", "-F", f"files=@{clip}"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout
    assert json.loads(out)["data"]["files"][0]["filename"] == clip.name


def test_upload_by_url_of_a_file_over_the_limit_is_4002(small_limit, scripted, alice, user_of, clip, tmp_path):
    padded = tmp_path / "padded.mp4"
    padded.write_bytes(clip.read_bytes())
    with open(padded, "r+b") as handle:
        handle.truncate(2 * 1024 * 1024)
    url = alice.data(alice.upload(alice.new_session(), padded))["files"][0]["cdn_url"]
    api = user_of(small_limit)
    session_id = api.new_session()
    answer = api.http.post(protocol.PATH_UPLOAD.format(session_id=session_id), json={"urls": [url], "source_type": "url"})
    assert answer.status_code == 413 and answer.json()["code"] == protocol.CODE_FILE_TOO_LARGE
    assert "1 MB" in answer.json()["message"]
    assert _media_files(small_limit) == [] and api.state(session_id)["video_infos"] == []


def test_video_infos_offer_a_poster_and_frame_strips(backend, make_clip):
    """The timeline widget's thumbnails: a poster per clip and strips per segment, JPEGs, no token needed."""
    import io

    import httpx
    from PIL import Image

    from nemo_jupyter.client import NemoClient

    with NemoClient(api_url=backend.url) as c:
        sid = c.create_session()["session_id"]
        c.upload(sid, make_clip(2.0, size=(320, 240)))
        info = c.state(sid)["state"]["video_infos"][0]
    poster = httpx.get(info["poster"])  # no bearer: a capability URL like the media's own
    assert poster.status_code == 200 and poster.headers["content-type"] == "image/jpeg"
    assert poster.headers["access-control-allow-origin"] == "*"  # a canvas that draws it stays readable
    assert Image.open(io.BytesIO(poster.content)).size == (320, 240)
    strip = httpx.get(info["poster"].replace("poster.jpg", "strip_0_2000.jpg"))
    width, height = Image.open(io.BytesIO(strip.content)).size
    assert strip.status_code == 200 and height == 48 and width >= 8 * 60
    assert httpx.get(info["poster"].replace("poster.jpg", "../../etc/passwd")).status_code == 404
    assert httpx.get(info["poster"].replace(info["poster"].split("/")[-3], "0" * 32)).status_code == 404


def _ffmpeg(*args) -> None:
    from nemo_jupyter.local.media.ffmpeg import run

    run(["-y", *args])


def test_a_gif_goes_on_the_timeline_with_its_own_length(alice, tmp_path):
    gif = tmp_path / "wave.gif"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=s=80x60:r=10:d=0.7", str(gif))
    session_id = alice.new_session()
    (answer,) = alice.data(alice.upload(session_id, gif))["files"]
    assert answer["file_type"] == "image" and answer["duration"] == 0.7
    state = alice.state(session_id)
    (info,) = state["video_infos"]
    assert (info["type"], info["d"], info["fps"]) == ("image", 700, 10)
    assert [s["d"] for s in state["draft"]["t"][0]["sg"]] == [700]


def test_a_phone_clip_reports_its_display_size(alice, tmp_path):
    """Stored 320x180 with a display matrix turning it upright: 180x320 in the answer and video_infos."""
    stored, phone = tmp_path / "stored.mp4", tmp_path / "phone.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=s=180x320:r=30:d=0.3", "-vf", "transpose=2", "-c:v", "libx264",
            "-preset", "ultrafast", str(stored))
    _ffmpeg("-display_rotation:v:0", "-90", "-i", str(stored), "-c", "copy", str(phone))
    session_id = alice.new_session()
    (answer,) = alice.data(alice.upload(session_id, phone))["files"]
    assert (answer["width"], answer["height"]) == (180, 320)
    (info,) = alice.state(session_id)["video_infos"]
    assert (info["width"], info["height"]) == (180, 320)


def test_a_file_ffmpeg_cannot_decode_is_refused_with_one_line(scripted, alice, media_files, tmp_path):
    """Its header reads (so a probe alone would take it), its picture does not decode."""
    data = media_files["image"].read_bytes()
    at = data.index(b"IDAT") + 8
    broken = tmp_path / "broken.png"
    broken.write_bytes(data[:at] + bytes(64) + data[at + 64 :])
    session_id = alice.new_session()
    before = _media_files(scripted)
    answer = alice.upload(session_id, broken)
    assert answer.status_code == 415 and answer.json()["code"] == protocol.CODE_UNSUPPORTED_FILE
    message = answer.json()["message"]
    assert message.startswith("broken.png cannot be decoded: ") and "\n" not in message and str(tmp_path) not in message
    assert _media_files(scripted) == before and alice.state(session_id)["video_infos"] == []


def test_sound_named_as_a_picture_is_refused_with_one_line(alice, media_files):
    session_id = alice.new_session()
    answer = alice.upload(session_id, media_files["tone"], names=["cover.png"])
    assert answer.status_code == 415 and answer.json()["message"] == "cover.png has no picture"

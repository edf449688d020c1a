"""Previews from a state's video_infos (local paths and URLs fetched once), posters and strips."""

from __future__ import annotations

import functools
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from mediacheck import colour_at, is_colour
from PIL import Image

from nemo_jupyter.local.media import MediaError, RenderError
from nemo_jupyter.local.media.preview import preview_draft
from nemo_jupyter.local.media.probe import probe
from nemo_jupyter.local.media.samples import make_clip
from nemo_jupyter.local.media.thumbs import frame_at, poster, strip


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("preview-src")
    return {
        "red": make_clip(folder / "red.mp4", seconds=1.0, color="red"),
        "blue": make_clip(folder / "blue.mp4", seconds=1.0, color="blue"),
    }


@pytest.fixture
def file_server(clips):
    """A real HTTP server over the clips' folder (stands in for a CDN)."""
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(clips["red"].parent))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


DRAFT = {"t": [{"tt": 0, "sg": [
    {"id": "s1", "st": 0, "d": 600, "src": "med_b"},
    {"id": "s2", "st": 600, "d": 600, "src": "med_r"},
]}]}
HD = {"width": 1920, "height": 1080, "fps": 30}


def test_preview_from_urls_downloads_each_once(clips, file_server, tmp_path):
    infos = [
        {"id": "med_r", "name": "red.mp4", "type": "video", "url": f"{file_server}/red.mp4"},
        {"id": "med_b", "name": "blue.mp4", "type": "video", "url": f"{file_server}/blue.mp4"},
        {"id": "med_unused", "name": "x.mp4", "type": "video", "url": f"{file_server}/missing.mp4"},
    ]
    cache = tmp_path / "cache"
    out = preview_draft(DRAFT, infos, HD, tmp_path / "p1.mp4", cache_dir=cache)
    info = probe(out)
    assert (info["width"], info["height"]) == (640, 360)  # the draft preset, aspect kept
    assert abs(info["d"] - 1200) <= 60
    assert is_colour(colour_at(out, 0.3), "blue") and is_colour(colour_at(out, 0.9), "red")
    assert len(list(cache.iterdir())) == 2

    fetched = []

    def fetch(url, dest):
        fetched.append(url)
        raise AssertionError("cached media must not be fetched again")

    preview_draft(DRAFT, infos, HD, tmp_path / "p2.mp4", fetch=fetch, cache_dir=cache)
    assert fetched == []


def test_preview_uses_local_paths_and_reports_bad_urls(clips, file_server, tmp_path):
    infos = {"med_r": {"path": str(clips["red"])}, "med_b": {"url": f"{file_server}/nope.mp4", "name": "nope.mp4"}}
    with pytest.raises(RenderError) as err:
        preview_draft(DRAFT, infos, HD, tmp_path / "p.mp4", cache_dir=tmp_path / "cache")
    assert "could not download nope.mp4" in str(err.value) and "\n" not in str(err.value)
    assert not (tmp_path / "p.mp4").exists()
    infos["med_b"] = {"path": str(clips["blue"])}
    out = preview_draft(DRAFT, infos, HD, tmp_path / "p.mp4", cache_dir=tmp_path / "cache")
    assert is_colour(colour_at(out, 0.9), "red")


def test_poster_and_strip_are_cached_by_path_and_mtime(tmp_path):
    clip = make_clip(tmp_path / "src" / "clip.mp4", seconds=1.0, size=(160, 120))
    cache = tmp_path / "thumbs"
    first = poster(clip, cache, width=80)
    assert Image.open(first).size == (80, 60)
    assert poster(clip, cache, width=80) == first
    band = strip(clip, cache, start_s=0.0, dur_s=1.0, frames=4, height=30)
    assert Image.open(band).size == (4 * 40, 30)
    # a new file at the same path gets new thumbnails
    shutil.copy(make_clip(tmp_path / "other.mp4", seconds=1.0, size=(160, 120), color="red"), clip)
    fresh = poster(clip, cache, width=80)
    assert fresh != first and is_colour(Image.open(fresh).getpixel((40, 30)), "red")


def test_frame_errors_are_one_line(tmp_path):
    clip = make_clip(tmp_path / "c.mp4", seconds=0.5, size=(64, 48))
    assert frame_at(clip, 0.1).size == (64, 48)
    with pytest.raises(MediaError, match="no frame at 9.00 s"):
        frame_at(clip, 9.0)
    with pytest.raises(MediaError, match="no such media file"):
        poster(tmp_path / "gone.mp4", tmp_path / "cache")

"""`Session.frame` / `.frames`, `AsyncSession`'s, and `%nemo frames`, on the local backend over real HTTP:
frames drawn here from the state's media (fetched once from the backend's CDN URLs)."""

from __future__ import annotations

import asyncio
import tempfile

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from PIL import Image

from nemo_jupyter.client import AsyncNemoClient, NemoClient
from nemo_jupyter.session import AsyncSession, FramesFailed, NothingToExport, Session


def is_near(rgb, expected, tolerance=60) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(rgb, expected))


@pytest.fixture
def media_cache(tmp_path, monkeypatch):
    """The default media cache under this test's tmp dir (it lives in the temp dir)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path / "nemo_jupyter-media-cache"


@pytest.fixture
def red_then_blue(backend, make_clip, media_cache, fast):
    """A session on the shared backend: a red and a blue 1 s clip, a title over the first second."""
    with NemoClient(api_url=backend.url, retry_wait=0.05) as client:
        session = Session(client, **fast)
        session.upload(make_clip(1.0, (320, 180), color="red"), make_clip(1.0, (320, 180), color="blue"))
        session.edit('add title "Hello" from 0s to 1s at top')
        yield session


def cdn_gets(backend) -> int:
    return sum(n for key, n in backend.stats.requests.items() if key.startswith("GET /cdn/"))


def test_a_frame_is_the_composited_timeline_at_t(red_then_blue, backend, media_cache):
    first = red_then_blue.frame(0.5)
    assert isinstance(first, Image.Image) and first.size == (640, 360)
    assert is_near(first.getpixel((320, 200)), (255, 0, 0))
    top = first.crop((0, 0, 640, 90))
    assert top.getextrema()[1][1] > 200  # green in the top band: the white title over the red clip
    fetched = cdn_gets(backend)
    second = red_then_blue.frame(1.5, width=320)
    assert second.size == (320, 180) and is_near(second.getpixel((160, 100)), (0, 0, 255))
    assert cdn_gets(backend) == fetched  # media fetched once, then read from the cache
    assert len(list(media_cache.glob("*.mp4"))) == 2


def test_a_sheet_of_frames(red_then_blue):
    told = []
    sheet = red_then_blue.frames(n=4, width=160, progress=lambda stage, percent: told.append((stage, percent)))
    assert told[-1] == ("frames", 100.0) and {stage for stage, _ in told} == {"frames"}
    assert sheet.width == 6 + 4 * (160 + 6)
    assert is_near(sheet.getpixel((6 + 80, 6 + 60)), (255, 0, 0))  # 0.25 s
    assert is_near(sheet.getpixel((6 + 3 * 166 + 80, 6 + 60)), (0, 0, 255))  # 1.75 s
    assert red_then_blue.frames(every=0.5, width=160).width == sheet.width
    assert red_then_blue.frames(times=[1.2], width=160).width == 6 + 166


def test_bad_frame_requests_are_one_line(red_then_blue, backend, make_clip, fast):
    for call, words in [
        (lambda: red_then_blue.frame(2.0), "outside the draft: it runs from 0 to 2 s"),
        (lambda: red_then_blue.frames(n=0), "whole number from 1"),
        (lambda: red_then_blue.frames(n=2, every=1.0), "one way"),
    ]:
        with pytest.raises(FramesFailed) as failed:
            call()
        assert words in str(failed.value) and "\n" not in str(failed.value)
    with NemoClient(api_url=backend.url, retry_wait=0.05) as client:
        with pytest.raises(NothingToExport, match="no frame to show"):
            Session(client, **fast).frames()


def test_async_frames(backend, make_clip, media_cache, fast):
    async def scenario():
        async with AsyncNemoClient(api_url=backend.url, retry_wait=0.05) as client:
            session = AsyncSession(client, **fast)
            await session.upload(make_clip(1.0, (320, 180), color="green"))
            return await session.frame(0.5, width=320), await session.frames(n=2, width=160)

    frame, sheet = asyncio.run(scenario())
    assert frame.size == (320, 180) and is_near(frame.getpixel((160, 90)), (0, 128, 0))
    assert sheet.width == 6 + 2 * 166


# --- %nemo frames ------------------------------------------------------------------------------------
@pytest.fixture
def shell(backend, make_clip, media_cache):
    ip = InteractiveShell.instance()
    if "NemoMagics" not in ip.magics_manager.registry:
        ip.run_line_magic("load_ext", "nemo_jupyter")
    with capture_output():
        ip.run_line_magic("nemo", f"connect --url {backend.url}")
        ip.run_line_magic("nemo", f"upload {make_clip(1.0, (320, 180), color='red')}")
    yield ip
    ip.magics_manager.registry["NemoMagics"].close()


def run(ip, source):
    with capture_output() as captured:
        result = ip.run_cell(source)
    return result, captured


def test_nemo_frames_shows_a_png(shell):
    result, _ = run(shell, "%nemo frames")
    assert result.success and isinstance(result.result, Image.Image) and result.result.width == 6 + 4 * 326
    shown, _ = shell.display_formatter.format(result.result)
    assert shown["image/png"].startswith(b"\x89PNG")  # a plain PNG output, kept in the saved notebook
    assert run(shell, "%nemo frames 2")[0].result.width == 6 + 2 * 326
    assert run(shell, "%nemo frames 0.25 0.75 0.5")[0].result.width == 6 + 3 * 326
    assert run(shell, "%nemo frames --every 0.5")[0].result.width == 6 + 2 * 326


def test_nemo_frames_shows_progress_when_it_takes_a_while(shell, monkeypatch):
    from nemo_jupyter import magics

    monkeypatch.setattr(magics, "FRAMES_BAR_AFTER_S", 0.0)
    result, captured = run(shell, "%nemo frames 2")
    assert result.success and "Frames: 100.0% drawn" in captured.stdout


@pytest.mark.parametrize("line, words", [
    ("%nemo frames 0", "whole number from 1"),
    ("%nemo frames 5.0", "outside the draft"),
    ("%nemo frames soon", "takes a count (12) or times in seconds"),
    ("%nemo frames 2 --every 1", "either --every or a count"),
])
def test_nemo_frames_mistakes_are_one_line(shell, line, words):
    result, captured = run(shell, line)
    assert not result.success
    errors = [text for text in captured.stdout.splitlines() if text.startswith("NemoVideo: ")]
    assert len(errors) == 1 and words in errors[0], captured.stdout
    assert "Traceback" not in captured.stdout + captured.stderr

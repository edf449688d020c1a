import subprocess

import imageio_ffmpeg
import pytest

from nemo_jupyter import protocol


@pytest.mark.parametrize(
    "name,kind",
    [("a.mp4", "video"), ("B.MOV", "video"), ("x.jpeg", "image"), ("s.wav", "audio"),
     ("notes.txt", None), ("noext", None), ("archive.mp4.exe", None)],
)
def test_media_kind(name, kind):
    assert protocol.media_kind(name) == kind


def test_bundled_ffmpeg_has_what_the_renderer_needs():
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    out = subprocess.run([exe, "-hide_banner", "-filters"], capture_output=True, text=True).stdout
    assert " drawtext " in out and " amix " in out
    enc = subprocess.run([exe, "-hide_banner", "-encoders"], capture_output=True, text=True).stdout
    assert "libx264" in enc

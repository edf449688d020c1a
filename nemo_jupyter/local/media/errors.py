"""The media engine's exceptions; each `str()` is one line a user can act on."""

from __future__ import annotations


class MediaError(Exception):
    """Base class: a media file could not be read, made or rendered."""


class FFmpegError(MediaError):
    """ffmpeg exited with an error (the message is ffmpeg's last meaningful line)."""


class RenderError(MediaError):
    """A draft could not be rendered (bad draft, missing media, ffmpeg failure)."""


class RenderCancelled(MediaError):
    """The render was cancelled; no output file was left behind."""


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message, or its type's name when it says nothing."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__

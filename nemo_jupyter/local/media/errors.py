"""The media engine's exceptions; each `str()` is one line a user can act on."""

from __future__ import annotations


class MediaError(Exception):
    """Base class: a media file could not be read, made or rendered.

    `permanent` is True when trying again cannot help (the input itself is wrong): the backend
    reports such a failed render as permanent and a client does not retry it.
    """

    permanent = False


class FFmpegError(MediaError):
    """ffmpeg exited with an error (the message is ffmpeg's last meaningful line)."""


class RenderError(MediaError):
    """A draft could not be rendered (bad draft, missing media, ffmpeg failure)."""


class MediaInputError(RenderError):
    """A source file cannot be rendered (missing, unreadable, undecodable): the message names it."""

    permanent = True


class DraftError(RenderError):
    """The draft cannot be rendered as it is (nothing in it, unknown media, a value out of range)."""

    permanent = True


class RenderCancelled(MediaError):
    """The render was cancelled; no output file was left behind."""


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message, or its type's name when it says nothing."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__

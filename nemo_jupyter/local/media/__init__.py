"""The local media engine: the ffmpeg binary, sample clips, probing, rendering, thumbnails.

Everything here drives one external ffmpeg process (imageio-ffmpeg's static build): no ffprobe,
no system packages. Errors a user can cause surface as `MediaError` subclasses with one-line
messages.
"""

from __future__ import annotations

from .errors import DraftError, FFmpegError, MediaError, MediaInputError, RenderCancelled, RenderError

__all__ = ["DraftError", "FFmpegError", "MediaError", "MediaInputError", "RenderCancelled", "RenderError"]

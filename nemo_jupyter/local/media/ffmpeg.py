"""The ffmpeg binary and the helpers that run it.

`run()` is for short jobs (probe, samples, thumbnails); `run_with_progress()` is for renders: it
reads `-progress pipe:1`, reports percent done and can be cancelled from another thread.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import FFmpegError, RenderCancelled

# Lines of ffmpeg's stderr that never explain a failure.
_NOISE_PREFIXES = ("Input #", "Output #", "Stream #", "Metadata:", "Duration:", "Press [q]", "frame=", "size=")


@functools.cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary shipped by imageio-ffmpeg (or `$IMAGEIO_FFMPEG_EXE`)."""
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - a hard dependency
        raise FFmpegError("imageio-ffmpeg is not installed: pip install 'imageio-ffmpeg>=0.8.1'") from exc
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:  # pragma: no cover - broken install
        raise FFmpegError(f"no ffmpeg binary found: {exc}") from exc


def base_args() -> list[str]:
    """The binary plus the options every call shares."""
    return [ffmpeg_exe(), "-hide_banner", "-nostdin"]


# Generic lines ffmpeg prints after the specific reason for a failure.
_GENERIC_PREFIXES = (
    "Conversion failed", "Error opening input file", "Error opening output file", "Error binding filtergraph",
    "Error : ", "Error while filtering", "Error parsing filterchain", "Error parsing a filter description",
    "Error initializing complex filters",
    # the aftermath of a decoding failure: threads ending, empty outputs, the closing summary
    "Task finished with error", "Terminating thread", "Decode error rate", "No filtered frames",
    "Output file is empty", "Nothing was written", "video:", "Error closing file", "Error writing trailer",
    "Could not open encoder before EOF", "Error muxing", "Error submitting",
)
_MAX_REASON = 240


def explain(stderr: str) -> str:
    """ffmpeg's last specific stderr line: usually the reason it failed (one line, kept short)."""
    # indented lines are the banner's details (metadata, side data, "Last message repeated")
    lines = [_strip_context(line.strip()) for line in stderr.splitlines() if line.strip() and not line[0].isspace()]
    meaningful = [line for line in lines if not line.startswith(_NOISE_PREFIXES)]
    specific = [line for line in meaningful if not line.startswith(_GENERIC_PREFIXES)]
    reason = (specific or meaningful or ["ffmpeg failed without a message"])[-1]
    reason = re.sub(r" in filtergraph description .* matches", " matches", reason)
    return reason if len(reason) <= _MAX_REASON else reason[: _MAX_REASON - 1] + "…"


def filter_value(value: object) -> str:
    """`value` escaped as a filter option inside a filter graph (ffmpeg's two escaping levels)."""
    text = re.sub(r"([\\':])", r"\\\1", str(value))  # option level: \ ' :
    return re.sub(r"([\\'\[\],;])", r"\\\1", text)  # graph level: \ ' [ ] , ;


def _strip_context(line: str) -> str:
    """'[in#0 @ 0x55] Error opening input: X' -> 'Error opening input: X' (every leading context)."""
    while line.startswith("[") and "] " in line:
        line = line.split("] ", 1)[1]
    return line


def run(
    args: Sequence[str], *, timeout: float | None = 120.0, what: str = "ffmpeg", text: bool = True
) -> subprocess.CompletedProcess:
    """Run ffmpeg with `args` (without the binary); raise FFmpegError with one line on failure.

    With `text=False` stdout is bytes (frames piped out); stderr is always text.
    """
    cmd = base_args() + [str(a) for a in args]
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise FFmpegError(f"{what}: ffmpeg took longer than {timeout:g} s") from exc
    done.stderr = done.stderr.decode("utf-8", "replace")
    if text:
        done.stdout = done.stdout.decode("utf-8", "replace")
    if done.returncode != 0:
        raise FFmpegError(f"{what}: {explain(done.stderr)}")
    return done


def run_with_progress(
    args: Sequence[str],
    *,
    duration_s: float,
    out_path: Path,
    progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
    what: str = "render",
) -> None:
    """Run an encoding ffmpeg command, reporting percent done and honouring `cancel`.

    On cancel or failure the process is ended and `out_path` removed, so no half file remains.
    """
    cmd = base_args() + ["-progress", "pipe:1", "-nostats"] + [str(a) for a in args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
    stderr_lines: list[str] = []
    drain = threading.Thread(target=_collect, args=(proc.stderr, stderr_lines), daemon=True)
    drain.start()
    watcher = _CancelWatcher(proc, cancel)
    try:
        for line in proc.stdout:  # key=value lines, a block per update
            key, _, value = line.strip().partition("=")
            if progress is not None and key == "out_time_us" and value.isdigit() and duration_s > 0:
                progress(min(99.9, int(value) / 1e6 / duration_s * 100.0))
        proc.wait()
        drain.join(timeout=5)
    except BaseException:
        _remove(out_path)
        raise
    finally:
        watcher.stop()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if watcher.fired:
        _remove(out_path)
        raise RenderCancelled(f"{what} cancelled")
    if proc.returncode != 0:
        _remove(out_path)
        raise FFmpegError(f"{what}: {explain(''.join(stderr_lines))}")
    if progress is not None:
        progress(100.0)


def _collect(stream, sink: list[str]) -> None:
    for line in stream:
        sink.append(line)


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


class _CancelWatcher:
    """Kills `proc` as soon as `cancel` is set (from any thread)."""

    def __init__(self, proc: subprocess.Popen, cancel: threading.Event | None):
        self.fired = False
        self._proc = proc
        self._cancel = cancel
        self._done = threading.Event()
        self._thread = None
        if cancel is not None:
            self._thread = threading.Thread(target=self._watch, daemon=True)
            self._thread.start()

    def _watch(self) -> None:
        while not self._done.is_set():
            if self._cancel.wait(0.05):
                if self._proc.poll() is None:
                    self.fired = True
                    self._proc.kill()
                else:
                    self.fired = True
                return

    def stop(self) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join(timeout=1)

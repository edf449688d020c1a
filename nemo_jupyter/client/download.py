"""Saving a download: chunks go to `<name>.part`, renamed into place only when complete."""

from __future__ import annotations

import os
from pathlib import Path

from .upload import Progress


class FileSink:
    """Context manager: `write(chunk)` as bytes arrive; on error the partial file is removed."""

    def __init__(self, path: Path, total: int, progress: Progress | None = None) -> None:
        self.path = path
        self.total = total
        self.written = 0
        self._progress = progress
        self._partial = path.with_name(path.name + ".part")
        self._file = None

    def __enter__(self) -> FileSink:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self._partial, "wb")
        return self

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)
        self.written += len(chunk)
        if self._progress is not None:
            self._progress(self.written, self.total)

    def __exit__(self, exc_type, exc, tb) -> None:
        self._file.close()
        if exc_type is None:
            os.replace(self._partial, self.path)
        else:
            self._partial.unlink(missing_ok=True)

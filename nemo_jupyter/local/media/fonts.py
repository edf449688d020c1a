"""Finding a real TrueType font for titles; no silent fallback that draws nothing."""

from __future__ import annotations

import functools
from pathlib import Path

from .errors import MediaError

SYSTEM_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_FACES = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}


@functools.cache
def font_path(weight: str = "bold") -> Path:
    """DejaVu Sans (bold or regular) from Debian's fonts-dejavu-core, else matplotlib's copy."""
    name = _FACES.get(weight, _FACES["bold"])
    candidates = [SYSTEM_DEJAVU / name]
    try:
        import matplotlib

        candidates.append(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name)
    except ImportError:
        pass
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise MediaError(
        "no DejaVu font found for titles: install fonts-dejavu-core (apt) or matplotlib (pip)"
    )

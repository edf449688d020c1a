"""A fast low-res preview of any session's draft, rendered here whatever backend holds it.

The draft's media come from the state's `video_infos` (a list, or a map by id): a local `path` is
used as is; a `url` is downloaded once into `cache_dir` through `fetch(url, dest)` (the session
passes its own; the default streams it with httpx) and reused by later previews.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from urllib.parse import unquote, urlparse

from .errors import MediaError, RenderError, one_line
from .probe import probe
from .render import render_draft

Fetch = Callable[[str, Path], object]
_MEDIA_KEYS = ("type", "d", "width", "height", "fps", "has_audio")


def preview_draft(
    draft: Mapping,
    video_infos: Iterable[Mapping] | Mapping[str, Mapping],
    canvas: Mapping | None,
    out_path: str | Path,
    fetch: Fetch | None = None,
    cache_dir: str | Path | None = None,
    progress: Callable[[float], None] | None = None,
) -> Path:
    """Render `draft` at the `draft` preset to `out_path`, fetching remote media once."""
    media = local_media(draft, video_infos, fetch, cache_dir)
    return render_draft(draft, media, canvas, out_path, quality="draft", progress=progress)


def local_media(
    draft: Mapping,
    video_infos: Iterable[Mapping] | Mapping[str, Mapping],
    fetch: Fetch | None = None,
    cache_dir: str | Path | None = None,
) -> dict[str, dict]:
    """The media the draft uses, by id, each with a readable local `path` (remote ones fetched once)."""
    cache = media_cache(cache_dir)
    infos = infos_by_id(video_infos)
    return {mid: localise(mid, infos[mid], cache, fetch or download) for mid in used_media(draft) if mid in infos}


def media_cache(cache_dir: str | Path | None) -> Path:
    """The folder remote media are downloaded into (a shared one under the temp dir by default)."""
    return Path(cache_dir) if cache_dir is not None else Path(tempfile.gettempdir()) / "nemo_jupyter-media-cache"


def download(url: str, dest: Path) -> None:
    """Stream `url` to `dest` with httpx (the default `fetch`)."""
    import httpx

    with httpx.stream("GET", url, follow_redirects=True, timeout=60.0) as response:
        response.raise_for_status()
        with open(dest, "wb") as out:
            for chunk in response.iter_bytes():
                out.write(chunk)


def infos_by_id(video_infos) -> dict[str, Mapping]:
    if isinstance(video_infos, Mapping):
        return {str(k): v for k, v in video_infos.items() if isinstance(v, Mapping)}
    return {str(v["id"]): v for v in video_infos or [] if isinstance(v, Mapping) and v.get("id") is not None}


def used_media(draft: Mapping) -> set[str]:
    return {
        segment["src"]
        for track in (draft or {}).get("t") or []
        if isinstance(track, Mapping)
        for segment in track.get("sg") or []
        if isinstance(segment, Mapping) and isinstance(segment.get("src"), str)
    }


def localise(media_id: str, info: Mapping, cache: Path, fetch: Fetch) -> dict:
    """The media entry with a readable local `path` and probed fields where the state lacks them."""
    path = _local_path(info)
    if path is None:
        url = info.get("url") or info.get("cdn_url")
        if not url:
            raise RenderError(f"media {media_id} has neither a local file nor a URL")
        path = _cached_download(str(url), info.get("name"), cache, fetch)
    entry = dict(info, path=str(path))
    if any(entry.get(key) is None for key in _MEDIA_KEYS[:3]) or entry.get("has_audio") is None:
        try:
            facts = probe(path)
        except MediaError as exc:
            raise RenderError(f"media {media_id}: {exc}") from None
        entry.update({k: v for k, v in facts.items() if k not in _MEDIA_KEYS or entry.get(k) is None})
    return entry


def _local_path(info: Mapping) -> Path | None:
    candidates = [info.get("path")]
    url = info.get("url")
    if isinstance(url, str) and url.startswith("file://"):
        candidates.append(unquote(urlparse(url).path))
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def _cached_download(url: str, name: object, cache: Path, fetch: Fetch) -> Path:
    suffix = Path(str(name or urlparse(url).path)).suffix[:8] or ".bin"
    target = cache / f"{hashlib.sha256(url.encode()).hexdigest()[:24]}{suffix}"
    if target.is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:
        fetch(url, partial)
        os.replace(partial, target)
    except Exception as exc:  # noqa: BLE001 - a fetch may fail in many ways; say which media
        partial.unlink(missing_ok=True)
        raise RenderError(f"could not download {Path(urlparse(url).path).name or 'media'}: {one_line(exc)}") from None
    return target

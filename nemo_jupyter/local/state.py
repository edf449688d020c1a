"""A session's state as the client sees it (`GET …/latest`, and what the agent reads).

The stored state holds `draft`, `canvas_config`, `generated_media` and whatever else the agent
sets; `video_infos` and `video_analyses` are derived from the session's media on every read, so
there is one place for each fact.
"""

from __future__ import annotations

from urllib.parse import quote

from .agent.reply import HISTORY_KEYS
from .store import Store

DERIVED_KEYS = frozenset({"video_infos", "video_analyses"})


def file_url(base_url: str, cdn_key: str, name: str) -> str:
    """The token-free URL of a stored file: `<base>/cdn/<128-bit key>/<name>`."""
    return f"{base_url.rstrip('/')}/cdn/{cdn_key}/{quote(name)}"


def media_info(media: dict, base_url: str) -> dict:
    """One `video_infos` entry (PROTOCOL.md [local] media shape)."""
    return {
        "id": media["id"], "name": media["name"], "type": media["type"],
        "url": file_url(base_url, media["cdn_key"], media["name"]),
        "d": media["d"], "width": media["width"], "height": media["height"], "fps": media["fps"],
        "has_audio": media["has_audio"],
        # frames for the timeline widget (`…/frames/strip_<in ms>_<duration ms>.jpg` for a strip)
        **({"poster": frames_url(base_url, media["cdn_key"], "poster.jpg")} if media["type"] != "audio" else {}),
        # a segment's frame strip: the template's {in_ms} and {d_ms} are its source in-point and length
        **({"strip": frames_url(base_url, media["cdn_key"], "strip_{in_ms}_{d_ms}.jpg")}
           if media["type"] == "video" else {}),
    }


def with_scene_thumbnails(analysis: dict, base_url: str, cdn_key: str) -> dict:
    """The analysis with a `thumbnail` (a frame from the middle of the scene) on each scene finding."""
    findings = analysis.get("findings") if isinstance(analysis, dict) else None
    if not isinstance(findings, list):
        return analysis
    return {**analysis, "findings": [
        {**f, "thumbnail": frames_url(base_url, cdn_key, f"frame_{round(500 * (f['start_s'] + f['end_s']))}.jpg")}
        if isinstance(f, dict) and f.get("kind") == "scene" and "start_s" in f and "end_s" in f else f
        for f in findings]}


def frames_url(base_url: str, cdn_key: str, name: str) -> str:
    return f"{base_url.rstrip('/')}/cdn/{cdn_key}/frames/{name}"


def public_state(store: Store, session: dict, base_url: str) -> dict:
    media = store.session_media(session["id"])
    return {
        **session["state"],
        "video_infos": [media_info(m, base_url) for m in media],
        "video_analyses": {m["id"]: with_scene_thumbnails(m["analysis"], base_url, m["cdn_key"])
                           for m in media if m["analysis"] is not None},
    }


def session_answer(store: Store, session: dict, base_url: str) -> dict:
    return {
        "session_id": session["id"], "task_id": session["task_id"], "task_name": session["task_name"],
        "state": without_history(public_state(store, session, base_url)),
    }


def without_history(state: dict) -> dict:
    """What clients see of a state or a state delta: the agent's undo/redo memory stays inside."""
    return {key: value for key, value in state.items() if key not in HISTORY_KEYS}

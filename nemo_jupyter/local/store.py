"""The local backend's state: one SQLite database plus media files, all under `data_dir`.

Layout: `<data_dir>/nemo.sqlite3`, uploads in `<data_dir>/media/<media id>/<safe name>`, renders in
`<data_dir>/renders/<render id>.<ext>`, cached posters and frame strips in `<data_dir>/thumbs/`. Tokens and claim tokens are stored only as SHA-256 hashes. One connection is
shared by every thread behind a lock (the work per call is tiny), so the store is thread-safe.
Files are reached from a browser through unguessable keys (`cdn_key`, 128 random bits), never
through the token.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from .. import protocol
from .media.presets import DEFAULT_CANVAS
from .media.probe import STREAM_FACTS

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, client_id TEXT UNIQUE, credits INTEGER NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, client_id TEXT NOT NULL,
    issued_at REAL NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, task_id TEXT UNIQUE NOT NULL, user_id TEXT NOT NULL, task_name TEXT NOT NULL,
    language TEXT NOT NULL, state TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS claims (
    token TEXT PRIMARY KEY, user_id TEXT NOT NULL, session_id TEXT NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS media (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, session_id TEXT NOT NULL, name TEXT NOT NULL,
    type TEXT NOT NULL, path TEXT NOT NULL, cdn_key TEXT UNIQUE NOT NULL, d INTEGER NOT NULL,
    width INTEGER, height INTEGER, fps REAL, has_audio INTEGER NOT NULL, analysis TEXT,
    created REAL NOT NULL, stream TEXT);
CREATE TABLE IF NOT EXISTS renders (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, session_id TEXT NOT NULL, status TEXT NOT NULL,
    progress REAL NOT NULL, error TEXT, path TEXT, cdn_key TEXT UNIQUE, quality TEXT NOT NULL,
    created REAL NOT NULL, completed REAL, permanent INTEGER);
"""

# (table, column, type) added to the schema above since its first version: older databases get them
ADDED_COLUMNS = (("media", "stream", "TEXT"), ("renders", "permanent", "INTEGER"))

CLAIM_TTL_S = 7 * 86400


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(8)}"


def empty_state(task_name: str) -> dict:
    return {
        "draft": {"d": 0, "m": {"title": task_name}, "t": []},
        "canvas_config": dict(DEFAULT_CANVAS),
        "generated_media": [],
    }


class Store:
    def __init__(self, data_dir: Path, *, credits: int = 100, token_ttl_s: float = 7 * 86400) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.media_dir = self.data_dir / "media"
        self.renders_dir = self.data_dir / "renders"
        self.thumbs_dir = self.data_dir / "thumbs"  # made on first use
        for folder in (self.data_dir, self.media_dir, self.renders_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.initial_credits = credits
        self.token_ttl_s = token_ttl_s
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.data_dir / "nemo.sqlite3", check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; no fsync on every small write
        self._db.executescript(SCHEMA)
        self._add_missing_columns()
        self._interrupted_work_fails()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self):
        """One transaction under the lock: everything inside is applied together or not at all."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _one(self, sql: str, *args) -> sqlite3.Row | None:
        with self._lock:
            return self._db.execute(sql, args).fetchone()

    def _add_missing_columns(self) -> None:
        """A database made by an older version gets the columns added since (they start empty)."""
        with self._tx() as db:
            for table, column, kind in ADDED_COLUMNS:
                if column not in {row["name"] for row in db.execute(f"PRAGMA table_info({table})")}:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    def _interrupted_work_fails(self) -> None:
        """Work cut short by a stop of the server is marked failed, not left running for ever."""
        with self._tx() as db:
            db.execute(
                "UPDATE renders SET status=?, error=? WHERE status IN (?, ?)",
                (protocol.RENDER_FAILED, "interrupted by a restart of the server",
                 protocol.RENDER_PENDING, protocol.RENDER_PROCESSING),
            )
            for row in db.execute("SELECT id, analysis FROM media WHERE analysis IS NOT NULL").fetchall():
                analysis = json.loads(row["analysis"])
                if analysis.get("status") == "running":
                    analysis.update(status="failed", error="interrupted by a restart of the server")
                    db.execute("UPDATE media SET analysis=? WHERE id=?", (json.dumps(analysis), row["id"]))

    # --- users and tokens -------------------------------------------------------------------
    def issue_token(self, client_id: str) -> tuple[str, dict]:
        """A new anonymous token for `client_id` (the same client id is the same user)."""
        token = protocol.TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = time.time()
        with self._tx() as db:
            user = db.execute("SELECT * FROM users WHERE client_id=?", (client_id,)).fetchone()
            if user is None:
                user_id = new_id("usr_")
                db.execute("INSERT INTO users VALUES (?, ?, ?, ?)", (user_id, client_id, self.initial_credits, now))
                credits = self.initial_credits
            else:
                user_id, credits = user["id"], user["credits"]
            expires_at = now + self.token_ttl_s
            db.execute("INSERT INTO tokens VALUES (?, ?, ?, ?, ?)", (token_hash(token), user_id, client_id, now, expires_at))
        return token, {"user_id": user_id, "credits": credits, "expires_at": expires_at}

    def token_owner(self, token: str) -> tuple[str, float] | None:
        """(user id, issued at) of a token that has not expired, else None."""
        row = self._one("SELECT user_id, issued_at, expires_at FROM tokens WHERE hash=?", token_hash(token))
        if row is None or row["expires_at"] <= time.time():
            return None
        return row["user_id"], row["issued_at"]

    def credits(self, user_id: str) -> int:
        return self._one("SELECT credits FROM users WHERE id=?", user_id)["credits"]

    # --- sessions ---------------------------------------------------------------------------
    def create_session(self, user_id: str, task_name: str, language: str) -> dict:
        session_id = str(10**18 + secrets.randbelow(9 * 10**18))  # a numeric string, like the cloud's
        task_id = new_id("task_")
        with self._tx() as db:
            db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)",
                (session_id, task_id, user_id, task_name, language, json.dumps(empty_state(task_name)), time.time()),
            )
        return {"task_id": task_id, "session_id": session_id}

    def session(self, session_id: str, user_id: str) -> dict | None:
        """The session if it exists and belongs to `user_id` (someone else's reads as missing)."""
        row = self._one("SELECT * FROM sessions WHERE id=? AND user_id=?", session_id, user_id)
        if row is None:
            return None
        return {**dict(row), "state": json.loads(row["state"])}

    def update_state(self, session_id: str, change) -> dict:
        """Apply `change` to the session's stored state in one transaction: `change` is a dict of
        top-level keys to replace, or a function `state -> dict of keys to replace`. Returns the new state."""
        with self._tx() as db:
            return _change_state(db, session_id, change)

    def apply_edit(self, user_id: str, session_id: str, delta: dict, cost: int) -> bool:
        """Take `cost` credits and store `delta` in the session's state, both or neither (one
        transaction); False, with nothing changed, when the user has not got the credits."""
        with self._tx() as db:
            if cost and db.execute("UPDATE users SET credits = credits - ? WHERE id=? AND credits >= ?",
                                   (cost, user_id, cost)).rowcount != 1:
                return False
            if delta:
                _change_state(db, session_id, delta)
        return True

    def create_claim(self, user_id: str, session_id: str) -> str:
        """A new claim token for a browser link (a credential to the session: kept only hashed)."""
        claim = protocol.CLAIM_PREFIX + secrets.token_urlsafe(24)
        with self._tx() as db:
            db.execute("INSERT INTO claims VALUES (?, ?, ?, ?)",
                       (token_hash(claim), user_id, session_id, time.time() + CLAIM_TTL_S))
        return claim

    # --- media ------------------------------------------------------------------------------
    def new_media_slot(self) -> tuple[str, Path]:
        """A fresh media id and the empty folder its file goes into."""
        media_id = new_id("med_")
        folder = self.media_dir / media_id
        folder.mkdir()
        return media_id, folder

    def add_media(self, media_id: str, user_id: str, session_id: str, name: str, path: Path, info: dict) -> dict:
        """Record a received file; `info` is its probe (the stream facts are kept for the renderer)."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO media VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (media_id, user_id, session_id, name, info["type"], str(path), secrets.token_hex(16),
                 int(info.get("d") or 0), info.get("width"), info.get("height"), info.get("fps"),
                 int(bool(info.get("has_audio"))), None, time.time(),
                 json.dumps({key: info[key] for key in STREAM_FACTS if key in info})),
            )
        return self.media(media_id)

    def media(self, media_id: str) -> dict | None:
        row = self._one("SELECT * FROM media WHERE id=?", media_id)
        return _media_dict(row) if row else None

    def session_media(self, session_id: str) -> list[dict]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM media WHERE session_id=? ORDER BY created, id", (session_id,)).fetchall()
        return [_media_dict(row) for row in rows]

    def set_analysis(self, media_id: str, analysis: dict) -> None:
        with self._tx() as db:
            db.execute("UPDATE media SET analysis=? WHERE id=?", (json.dumps(analysis), media_id))

    # --- renders ----------------------------------------------------------------------------
    def create_render(self, render_id: str, user_id: str, session_id: str, quality: str) -> dict | None:
        """A new pending job, or None when the id is already taken."""
        with self._tx() as db:
            if db.execute("SELECT 1 FROM renders WHERE id=?", (render_id,)).fetchone():
                return None
            db.execute(
                "INSERT INTO renders (id, user_id, session_id, status, progress, quality, created) VALUES (?, ?, ?, ?, 0, ?, ?)",
                (render_id, user_id, session_id, protocol.RENDER_PENDING, quality, time.time()),
            )
        return self.render(render_id)

    def render(self, render_id: str) -> dict | None:
        row = self._one("SELECT * FROM renders WHERE id=?", render_id)
        return dict(row) if row else None

    def update_render(self, render_id: str, **values) -> None:
        if values.get("status") in protocol.RENDER_TERMINAL:
            values.setdefault("completed", time.time())
        if "path" in values and values["path"] is not None:
            values.setdefault("cdn_key", secrets.token_hex(16))
            values["path"] = str(values["path"])
        columns = ", ".join(f"{name}=?" for name in values)
        with self._tx() as db:
            db.execute(f"UPDATE renders SET {columns} WHERE id=?", (*values.values(), render_id))

    # --- browser-facing files ---------------------------------------------------------------
    def file_for_key(self, cdn_key: str) -> Path | None:
        row = self._one("SELECT path FROM media WHERE cdn_key=?", cdn_key) or self._one(
            "SELECT path FROM renders WHERE cdn_key=? AND status=?", cdn_key, protocol.RENDER_COMPLETED
        )
        return Path(row["path"]) if row else None

    def inside(self, path: Path | str) -> bool:
        """True when `path` (symlinks resolved) is inside the data dir."""
        return Path(path).resolve().is_relative_to(self.data_dir)


def _change_state(db: sqlite3.Connection, session_id: str, change) -> dict:
    state = json.loads(db.execute("SELECT state FROM sessions WHERE id=?", (session_id,)).fetchone()[0])
    state.update(change(state) if callable(change) else change)
    db.execute("UPDATE sessions SET state=? WHERE id=?", (json.dumps(state), session_id))
    return state


def _media_dict(row: sqlite3.Row) -> dict:
    media = dict(row)
    media["has_audio"] = bool(media["has_audio"])
    media["analysis"] = json.loads(media["analysis"]) if media["analysis"] else None
    media.update(json.loads(media.pop("stream") or "{}"))  # vcodec, pix_fmt, … when probed on upload
    return media

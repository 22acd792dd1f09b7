"""SQLite state that must survive a restart: answer sessions, each chat's current topic, settings.

One small database in the data folder.  Writes are single statements in
autocommit-free transactions, so a crash leaves either the old or the new
row.  A file that is not a readable database is moved aside (kept for
inspection, never deleted) and a fresh one is started, so the bot keeps
answering.
"""

from __future__ import annotations

import json
import logging
import secrets
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    sid INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    data TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS current (
    chat_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    sid INTEGER NOT NULL,
    updated REAL NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);
CREATE INDEX IF NOT EXISTS sessions_updated ON sessions(updated);
"""


@dataclass
class Session:
    """One answered question: what was asked, how it was read, and the ranked paragraphs."""

    sid: int
    chat_id: int
    user_id: int
    query: str  # the effective query that was searched
    asked: str  # what the user typed
    refs: list[tuple[str, int]] = field(default_factory=list)  # (doc_id, paragraph), best first
    terms: list[str] = field(default_factory=list)  # folded terms to mark
    offset: int = 0
    understood: str = ""  # how a follow-up was read, shown to the user
    filters: list[str] = field(default_factory=list)
    updated: float = 0.0

    def payload(self) -> str:
        data = asdict(self)
        for key in ("sid", "chat_id", "user_id", "updated"):
            data.pop(key)
        return json.dumps(data, ensure_ascii=False)


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.db = self._open()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
            db.execute("PRAGMA quick_check").fetchone()
            db.execute("SELECT count(*) FROM sessions").fetchone()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _open(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except sqlite3.DatabaseError as exc:
            aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
            log.error("state file %s is unreadable (%s); moved to %s and started afresh", self.path, exc, aside)
            self.path.rename(aside)
            for suffix in ("-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            return self._connect()

    def close(self) -> None:
        self.db.close()

    # --- meta -----------------------------------------------------------------

    def secret(self) -> bytes:
        """The key that signs callback data; created once and kept across restarts."""
        with self._lock:
            row = self.db.execute("SELECT value FROM meta WHERE key='callback_secret'").fetchone()
            if row:
                return bytes.fromhex(row[0])
            value = secrets.token_bytes(16)
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('callback_secret', ?)", (value.hex(),))
            return value

    def get_meta(self, key: str, default: str = "") -> str:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # --- sessions ---------------------------------------------------------------

    def new_session(self, session: Session) -> Session:
        now = time.time()
        with self._lock:
            cur = self.db.execute(
                "INSERT INTO sessions (chat_id, user_id, data, created, updated) VALUES (?, ?, ?, ?, ?)",
                (session.chat_id, session.user_id, session.payload(), now, now),
            )
            session.sid = int(cur.lastrowid or 0)
            session.updated = now
            self.db.execute(
                "INSERT OR REPLACE INTO current (chat_id, user_id, sid, updated) VALUES (?, ?, ?, ?)",
                (session.chat_id, session.user_id, session.sid, now),
            )
        return session

    def save_session(self, session: Session, make_current: bool = True) -> None:
        now = time.time()
        with self._lock:
            self.db.execute("UPDATE sessions SET data=?, updated=? WHERE sid=?", (session.payload(), now, session.sid))
            if make_current:
                self.db.execute(
                    "INSERT OR REPLACE INTO current (chat_id, user_id, sid, updated) VALUES (?, ?, ?, ?)",
                    (session.chat_id, session.user_id, session.sid, now),
                )
        session.updated = now

    def session(self, sid: int) -> Session | None:
        row = self.db.execute(
            "SELECT sid, chat_id, user_id, data, updated FROM sessions WHERE sid=?", (sid,)
        ).fetchone()
        return _session(row) if row else None

    def current(self, chat_id: int, user_id: int, max_idle: float) -> Session | None:
        """The session a follow-up leans on, unless it has been idle longer than ``max_idle`` seconds."""
        row = self.db.execute(
            "SELECT sid, updated FROM current WHERE chat_id=? AND user_id=?", (chat_id, user_id)
        ).fetchone()
        if not row or time.time() - row[1] > max_idle:
            return None
        return self.session(int(row[0]))

    def forget(self, chat_id: int, user_id: int) -> None:
        with self._lock:
            self.db.execute("DELETE FROM current WHERE chat_id=? AND user_id=?", (chat_id, user_id))

    def prune(self, older_than: float) -> int:
        """Drop sessions whose buttons nobody has used for ``older_than`` seconds."""
        with self._lock:
            cur = self.db.execute("DELETE FROM sessions WHERE updated < ?", (time.time() - older_than,))
            return cur.rowcount


def _session(row: tuple) -> Session | None:
    try:
        data = json.loads(row[3])
        data["refs"] = [(str(d), int(n)) for d, n in data.get("refs", [])]
        return Session(sid=int(row[0]), chat_id=int(row[1]), user_id=int(row[2]), updated=float(row[4]), **data)
    except (ValueError, TypeError) as exc:
        log.warning("session %s is unreadable: %s", row[0], exc)
        return None

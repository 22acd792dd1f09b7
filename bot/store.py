"""SQLite state that must survive a restart: answer sessions, each chat's current topic, settings.

One small database in the data folder.  Writes are single statements in
autocommit-free transactions, so a crash leaves either the old or the new
row.

Opening tells three situations apart, because they need opposite answers:

* **Locked** (another process holds the database): wait up to
  ``lock_wait`` seconds, then stop with :class:`StateLocked` — the file is
  healthy and is never touched.
* **Unusable** (the data folder is read-only, full, or not a folder): stop
  with :class:`StateUnavailable`, which says which folder and why.
* **Corrupt** (``PRAGMA quick_check`` reports problems, or SQLite calls the
  file malformed or not a database): the damaged file is kept under a
  ``.corrupt-<time>`` name, every row that can still be read is copied into
  a fresh database (the callback key, subscriptions and digest records
  first of all), and what was recovered is logged.

At run time a write that fails because the disk is full or read-only only
costs the conversation state: answers are still given.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

TABLES = ("meta", "chats", "watches", "digests", "shown", "sessions", "current")  # most precious first
_CORRUPT = ("malformed", "not a database", "file is encrypted", "disk image", "corrupt")


class StateError(RuntimeError):
    """The state database cannot be used; the message says why and what to do."""


class StateLocked(StateError):
    """Another process holds the database (a second bot instance, a backup tool)."""


class StateUnavailable(StateError):
    """The data folder or the database file cannot be written (read-only, full, not a folder)."""


def _is_corrupt(exc: sqlite3.Error) -> bool:
    return any(marker in str(exc).lower() for marker in _CORRUPT)


def _is_locked(exc: sqlite3.Error) -> bool:
    return "locked" in str(exc).lower() or "busy" in str(exc).lower()


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
CREATE TABLE IF NOT EXISTS chats (
    chat_id INTEGER PRIMARY KEY,
    digest_on INTEGER NOT NULL DEFAULT 0,
    digest_time TEXT NOT NULL DEFAULT '08:30',
    start_day TEXT NOT NULL DEFAULT '',
    seen_docs TEXT NOT NULL DEFAULT '{}',
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS watches (
    chat_id INTEGER NOT NULL,
    folded TEXT NOT NULL,
    phrase TEXT NOT NULL,
    added REAL NOT NULL,
    PRIMARY KEY (chat_id, folded)
);
CREATE TABLE IF NOT EXISTS digests (
    chat_id INTEGER NOT NULL,
    day TEXT NOT NULL,
    parts TEXT NOT NULL,
    next_part INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    created REAL NOT NULL,
    finished REAL,
    PRIMARY KEY (chat_id, day)
);
CREATE TABLE IF NOT EXISTS shown (
    chat_id INTEGER NOT NULL,
    doc_id TEXT NOT NULL,
    number INTEGER NOT NULL,
    shown REAL NOT NULL,
    PRIMARY KEY (chat_id, doc_id, number)
);
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
    answered: bool = True  # False: the corpus does not answer it; the refs are only related passages
    windows: list[tuple[int, int] | None] = field(default_factory=list)  # best passage per ref (folded offsets)
    also: list[list[str]] = field(default_factory=list)  # per ref: citations of near-duplicates folded into it
    updated: float = 0.0

    def payload(self) -> str:
        data = asdict(self)
        for key in ("sid", "chat_id", "user_id", "updated"):
            data.pop(key)
        return json.dumps(data, ensure_ascii=False)


class Rows:
    """A statement's whole result, fetched while the connection was held."""

    def __init__(self, rows: list[tuple], lastrowid: int | None, rowcount: int) -> None:
        self.rows = rows
        self.lastrowid = lastrowid
        self.rowcount = rowcount

    def fetchone(self) -> tuple | None:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[tuple]:
        return self.rows

    def __iter__(self) -> Iterator[tuple]:
        return iter(self.rows)


class SharedConnection:
    """One connection used by the event loop and by worker threads (searches save sessions there).

    Each statement runs and is fetched whole under the store's re-entrant
    lock, so statements from two threads never interleave, and a transaction
    held under the same lock (a digest being recorded) is never joined by
    another thread's statement.
    """

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock) -> None:
        self._db = db
        self._lock = lock

    def execute(self, sql: str, params: tuple | list = ()) -> Rows:
        with self._lock:
            cur = self._db.execute(sql, params)
            return Rows(cur.fetchall(), cur.lastrowid, cur.rowcount)

    def close(self) -> None:
        with self._lock:
            self._db.close()


class Store:
    def __init__(self, path: Path, lock_wait: float = 15.0) -> None:
        self.path = path
        self.lock_wait = lock_wait
        self._lock = threading.RLock()
        self.recovered: dict[str, int] | None = None  # rows per table, when a corrupt file was recovered
        self._check_folder()
        self.db = SharedConnection(self._open(), self._lock)

    def _check_folder(self) -> None:
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".write-probe-{os.getpid()}"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            raise StateUnavailable(
                f"the data folder {folder} cannot be written ({exc.strerror or exc}); "
                "set BOT_DATA_DIR to a writable folder with free space"
            ) from exc

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=self.lock_wait, check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _open(self) -> sqlite3.Connection:
        try:
            db = self._connect()
            problems = [row[0] for row in db.execute("PRAGMA quick_check(20)").fetchall()]
            if problems == ["ok"]:
                return db
            db.close()
        except sqlite3.Error as exc:
            if _is_locked(exc):
                raise StateLocked(
                    f"the state database {self.path} is locked by another process (waited {self.lock_wait:.0f} s);"
                    " is a second copy of the bot running? The file was left untouched."
                ) from exc
            if not _is_corrupt(exc):
                raise StateUnavailable(f"the state database {self.path} cannot be opened: {exc}") from exc
            problems = [str(exc)]
        return self._recover(problems)

    def _recover(self, problems: list[str]) -> sqlite3.Connection:
        """Keep the damaged file, copy what can be read into a fresh database, and say so."""
        aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
        self.path.rename(aside)
        for suffix in ("-wal", "-shm"):
            side = Path(f"{self.path}{suffix}")
            if side.exists():
                side.rename(f"{aside}{suffix}")  # a WAL may hold committed rows: keep it with its database
        db = self._connect()
        self.recovered = _copy_readable(aside, db)
        log.error(
            "state database %s is corrupt (%s). The damaged file is kept as %s; recovered into a fresh database: %s",
            self.path,
            "; ".join(problems)[:500],
            aside.name,
            ", ".join(f"{table} {count}" for table, count in self.recovered.items()),
        )
        return db

    def _try_write(self, what: str, write: Callable[[], T], fallback: T) -> T:
        """A write the conversation can do without: a full or read-only disk is logged, and answering goes on."""
        try:
            return write()
        except sqlite3.OperationalError as exc:
            log.warning("could not save %s (%s): answering without it", what, exc)
            return fallback

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
        """Record an answer; when the disk refuses, the session stays unsaved (sid 0) and is still shown."""
        now = time.time()

        def write() -> Session:
            with self._lock:
                cur = self.db.execute(
                    "INSERT INTO sessions (chat_id, user_id, data, created, updated) VALUES (?, ?, ?, ?, ?)",
                    (session.chat_id, session.user_id, session.payload(), now, now),
                )
                session.sid = int(cur.lastrowid or 0)
                self.db.execute(
                    "INSERT OR REPLACE INTO current (chat_id, user_id, sid, updated) VALUES (?, ?, ?, ?)",
                    (session.chat_id, session.user_id, session.sid, now),
                )
            return session

        session.updated = now
        return self._try_write("the answer session", write, session)

    def save_session(self, session: Session, make_current: bool = True) -> None:
        now = time.time()

        def write() -> None:
            with self._lock:
                self.db.execute(
                    "UPDATE sessions SET data=?, updated=? WHERE sid=?", (session.payload(), now, session.sid)
                )
                if make_current:
                    self.db.execute(
                        "INSERT OR REPLACE INTO current (chat_id, user_id, sid, updated) VALUES (?, ?, ?, ?)",
                        (session.chat_id, session.user_id, session.sid, now),
                    )

        self._try_write("the answer session", write, None)
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

        def write() -> int:
            with self._lock:
                return self.db.execute("DELETE FROM sessions WHERE updated < ?", (time.time() - older_than,)).rowcount

        return self._try_write("pruned sessions", write, 0)


@dataclass
class ChatSettings:
    chat_id: int
    digest_on: bool = False
    digest_time: str = "08:30"
    seen_docs: dict[str, str] = field(default_factory=dict)  # doc_id -> sha256 at the last digest
    start_day: str = ""  # the first local day a digest is due (not the day of subscribing, if its time had passed)


@dataclass
class DigestRecord:
    chat_id: int
    day: str
    parts: list[str]
    next_part: int
    status: str  # sending | sent


class ChatStore:
    """Digest subscriptions, watched phrases, digests in progress and the 今日一段 rotation.

    A digest is written whole (all its message parts) before the first part
    is sent, together with the state it consumes (documents seen, paragraph
    shown), in one transaction; each part sent is then ticked off.  A crash
    therefore resumes at the first unsent part, and a restart never composes
    a second digest for the same day.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db

    def settings(self, chat_id: int) -> ChatSettings | None:
        row = self.db.execute(
            "SELECT chat_id, digest_on, digest_time, seen_docs, start_day FROM chats WHERE chat_id=?", (chat_id,)
        ).fetchone()
        if not row:
            return None
        return ChatSettings(int(row[0]), bool(row[1]), row[2], json.loads(row[3] or "{}"), row[4])

    def save_settings(self, s: ChatSettings) -> None:
        with self.store._lock:
            self.db.execute(
                "INSERT OR REPLACE INTO chats (chat_id, digest_on, digest_time, seen_docs, start_day, updated)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (s.chat_id, int(s.digest_on), s.digest_time, json.dumps(s.seen_docs), s.start_day, time.time()),
            )

    def subscribed(self) -> list[ChatSettings]:
        rows = self.db.execute("SELECT chat_id FROM chats WHERE digest_on=1 ORDER BY chat_id").fetchall()
        return [s for (cid,) in rows if (s := self.settings(int(cid))) is not None]

    def watch(self, chat_id: int, phrase: str, folded: str) -> bool:
        with self.store._lock:
            cur = self.db.execute(
                "INSERT OR IGNORE INTO watches VALUES (?, ?, ?, ?)", (chat_id, folded, phrase, time.time())
            )
            return cur.rowcount == 1

    def unwatch(self, chat_id: int, folded: str) -> bool:
        with self.store._lock:
            return self.db.execute("DELETE FROM watches WHERE chat_id=? AND folded=?", (chat_id, folded)).rowcount == 1

    def watches(self, chat_id: int) -> list[tuple[str, str]]:
        rows = self.db.execute(
            "SELECT phrase, folded FROM watches WHERE chat_id=? ORDER BY added", (chat_id,)
        ).fetchall()
        return [(r[0], r[1]) for r in rows]

    def digest(self, chat_id: int, day: str) -> DigestRecord | None:
        row = self.db.execute(
            "SELECT parts, next_part, status FROM digests WHERE chat_id=? AND day=?", (chat_id, day)
        ).fetchone()
        return DigestRecord(chat_id, day, json.loads(row[0]), int(row[1]), row[2]) if row else None

    def begin_digest(
        self,
        chat_id: int,
        day: str,
        parts: list[str],
        seen: dict[str, str],
        shown: tuple[str, int] | None,
        reset_rotation: bool,
    ) -> DigestRecord | None:
        """Record a composed digest and the state it consumes; None if one already exists for the day."""
        with self.store._lock:
            try:
                self.db.execute("BEGIN IMMEDIATE")
                cur = self.db.execute(
                    "INSERT OR IGNORE INTO digests (chat_id, day, parts, next_part, status, created)"
                    " VALUES (?, ?, ?, 0, 'sending', ?)",
                    (chat_id, day, json.dumps(parts, ensure_ascii=False), time.time()),
                )
                if cur.rowcount != 1:
                    self.db.execute("ROLLBACK")
                    return None
                self.db.execute(
                    "UPDATE chats SET seen_docs=?, updated=? WHERE chat_id=?", (json.dumps(seen), time.time(), chat_id)
                )
                if reset_rotation:
                    self.db.execute("DELETE FROM shown WHERE chat_id=?", (chat_id,))
                if shown is not None:
                    self.db.execute(
                        "INSERT OR REPLACE INTO shown VALUES (?, ?, ?, ?)", (chat_id, shown[0], shown[1], time.time())
                    )
                self.db.execute("COMMIT")
            except sqlite3.Error:
                self.db.execute("ROLLBACK")
                raise
        return DigestRecord(chat_id, day, parts, 0, "sending")

    def part_sent(self, chat_id: int, day: str, next_part: int, done: bool) -> None:
        with self.store._lock:
            self.db.execute(
                "UPDATE digests SET next_part=?, status=?, finished=? WHERE chat_id=? AND day=?",
                (next_part, "sent" if done else "sending", time.time() if done else None, chat_id, day),
            )

    def unfinished(self) -> list[DigestRecord]:
        rows = self.db.execute("SELECT chat_id, day FROM digests WHERE status='sending' ORDER BY created").fetchall()
        return [d for cid, day in rows if (d := self.digest(int(cid), day)) is not None]

    def shown(self, chat_id: int) -> set[tuple[str, int]]:
        rows = self.db.execute("SELECT doc_id, number FROM shown WHERE chat_id=?", (chat_id,)).fetchall()
        return {(r[0], int(r[1])) for r in rows}


def _copy_readable(source: Path, target: sqlite3.Connection) -> dict[str, int]:
    """Copy every row that can still be read from a damaged database; rows per table.

    A plain scan stops at the first bad page, so a table whose scan fails is
    read again in rowid ranges, skipping the ranges that fail.
    """
    counts: dict[str, int] = {}  # table names below come from TABLES, never from input
    try:
        src = sqlite3.connect(source, timeout=1.0)
    except sqlite3.Error:
        return {table: 0 for table in TABLES}
    try:
        for table in TABLES:
            rows: dict[int, tuple] = {}
            try:
                for row in src.execute(f"SELECT rowid, * FROM {table}"):
                    rows[row[0]] = row[1:]
            except sqlite3.Error:
                rows.update(_rows_by_range(src, table))
            for row in rows.values():
                placeholders = ",".join("?" * len(row))
                try:
                    target.execute(f"INSERT OR IGNORE INTO {table} VALUES ({placeholders})", row)
                except sqlite3.Error:
                    continue  # a row with damaged contents
            counts[table] = len(rows)
    finally:
        src.close()
    return counts


def _rows_by_range(src: sqlite3.Connection, table: str, step: int = 64) -> dict[int, tuple]:
    try:
        (top,) = src.execute(f"SELECT max(rowid) FROM {table}").fetchone()
    except sqlite3.Error:
        top = None
    if top is None:
        top = 100_000  # the index on rowid is damaged too: probe a plausible range
    rows: dict[int, tuple] = {}
    for start in range(0, min(int(top), 2_000_000) + 1, step):
        try:
            for row in src.execute(
                f"SELECT rowid, * FROM {table} WHERE rowid BETWEEN ? AND ?",
                (start, start + step - 1),
            ):
                rows[row[0]] = row[1:]
        except sqlite3.Error:
            continue
    return rows


def _session(row: tuple) -> Session | None:
    try:
        data = json.loads(row[3])
        data["refs"] = [(str(d), int(n)) for d, n in data.get("refs", [])]
        data["windows"] = [(int(w[0]), int(w[1])) if w else None for w in data.get("windows", [])]
        return Session(sid=int(row[0]), chat_id=int(row[1]), user_id=int(row[2]), updated=float(row[4]), **data)
    except (ValueError, TypeError) as exc:
        log.warning("session %s is unreadable: %s", row[0], exc)
        return None

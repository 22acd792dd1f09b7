"""The SQLite database that holds what must survive a restart, and how it is opened, upgraded and pruned.

One database file in the data folder, one connection in autocommit mode
(``isolation_level=None``): a single statement commits on its own, and
writes that must land together — a session and the chat's pointer to it,
a digest and the state it consumes — run in :meth:`Store.transaction`
(``BEGIN IMMEDIATE … COMMIT``), so a crash leaves all of them or none.  The
journal is a WAL.  The connection is shared by the event loop and worker
threads (searches save sessions there); a re-entrant lock makes each
statement, and each transaction as a whole, run without another thread's
statements in between.  The tables themselves are read and written by
:class:`bot.sessions.Sessions` and :class:`bot.chats.ChatStore`.

Opening tells three situations apart, because they need opposite answers:

* **Locked** (another process holds the database): wait up to
  ``lock_wait`` seconds, then stop with :class:`StateLocked` — the file is
  healthy and is never touched.
* **Unusable** (the data folder is read-only, full, or not a folder, or the
  file comes from a newer bot): stop with :class:`StateUnavailable`, which
  says which folder and why.
* **Corrupt** (``PRAGMA quick_check`` reports problems, or SQLite calls the
  file malformed or not a database): the damaged file is kept under a
  ``.corrupt-<time>`` name, every row that can still be read is copied into
  a fresh database (see :mod:`bot.recovery`), and what was recovered is logged.

A healthy file is then brought to the current schema (:mod:`bot.schema`).
At run time a write that fails because the disk is full or read-only only
costs the conversation state (:meth:`Store.try_write`): answers are still given.
"""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from .recovery import copy_readable
from .schema import NewerSchema, migrate

log = logging.getLogger(__name__)
T = TypeVar("T")

_CORRUPT = ("malformed", "not a database", "file is encrypted", "disk image", "corrupt")


class StateError(RuntimeError):
    """The state database cannot be used; the message says why and what to do."""


class StateLocked(StateError):
    """Another process holds the database (a second bot instance, a backup tool)."""


class StateUnavailable(StateError):
    """The data folder or the database file cannot be used (read-only, full, not a folder, newer schema)."""


def _is_corrupt(exc: sqlite3.Error) -> bool:
    return any(marker in str(exc).lower() for marker in _CORRUPT)


def _is_locked(exc: sqlite3.Error) -> bool:
    return "locked" in str(exc).lower() or "busy" in str(exc).lower()


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
    """The one connection, each statement run and fetched whole under the store's re-entrant lock."""

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

    # --- opening -----------------------------------------------------------------

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
            # WAL's recommended durability: a commit is safe from a crash of the bot (the state that
            # matters here) without an fsync per answer; only a power cut can undo the last commits.
            db.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _open(self) -> sqlite3.Connection:
        try:
            db = self._connect()
            problems = [row[0] for row in db.execute("PRAGMA quick_check(20)").fetchall()]
            if problems == ["ok"]:
                return self._upgraded(db)
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

    def _upgraded(self, db: sqlite3.Connection) -> sqlite3.Connection:
        try:
            migrate(db)
        except NewerSchema as exc:
            db.close()
            raise StateUnavailable(f"the state database {self.path} cannot be used: {exc}") from exc
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _recover(self, problems: list[str]) -> sqlite3.Connection:
        """Keep the damaged file, copy what can be read into a fresh database, and say so."""
        aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
        self.path.rename(aside)
        for suffix in ("-wal", "-shm"):
            side = Path(f"{self.path}{suffix}")
            if side.exists():
                side.rename(f"{aside}{suffix}")  # a WAL may hold committed rows: keep it with its database
        db = self._upgraded(self._connect())
        self.recovered = copy_readable(aside, db)
        log.error(
            "state database %s is corrupt (%s). The damaged file is kept as %s; recovered into a fresh database: %s",
            self.path,
            "; ".join(problems)[:500],
            aside.name,
            ", ".join(f"{table} {count}" for table, count in self.recovered.items()),
        )
        return db

    def close(self) -> None:
        self.db.close()

    # --- statements and transactions ---------------------------------------------------

    def execute(self, sql: str, params: tuple | list = ()) -> Rows:
        return self.db.execute(sql, params)

    @contextmanager
    def transaction(self) -> Iterator[SharedConnection]:
        """Statements that land together or not at all; other threads wait until the commit."""
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def try_write(self, what: str, write: Callable[[], T], fallback: T) -> T:
        """A write the conversation can do without: a full or read-only disk is logged, and answering goes on."""
        try:
            return write()
        except sqlite3.OperationalError as exc:
            log.warning("could not save %s (%s): answering without it", what, exc)
            return fallback

    # --- meta ---------------------------------------------------------------------

    def secret(self) -> bytes:
        """The key that signs callback data; created once and kept across restarts."""
        select = "SELECT value FROM meta WHERE key='callback_secret'"
        row = self.db.execute(select).fetchone()
        if row is None:  # first start; OR IGNORE: another process may have just created one
            self.db.execute("INSERT OR IGNORE INTO meta VALUES ('callback_secret', ?)", (secrets.token_hex(16),))
            row = self.db.execute(select).fetchone()
        return bytes.fromhex(row[0])  # type: ignore[index]

    def get_meta(self, key: str, default: str = "") -> str:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # --- housekeeping ---------------------------------------------------------------

    def prune(self, older_than: float) -> dict[str, int]:
        """Drop what nobody needs after ``older_than`` seconds; rows removed per table.

        Sessions whose buttons nobody has used, the chats' pointers to them,
        and finished digests (a digest record only has to outlive its day, to
        stop a second one).  Unfinished digests are closed by the digest
        service, and the 今日一段 rotation is kept: it is what prevents repeats.
        """
        cutoff = time.time() - older_than

        def write() -> dict[str, int]:
            with self.transaction() as db:
                return {
                    "sessions": db.execute("DELETE FROM sessions WHERE updated < ?", (cutoff,)).rowcount,
                    "current": db.execute(
                        "DELETE FROM current WHERE updated < ? OR sid NOT IN (SELECT sid FROM sessions)", (cutoff,)
                    ).rowcount,
                    "digests": db.execute(
                        "DELETE FROM digests WHERE status='sent' AND created < ?", (cutoff,)
                    ).rowcount,
                }

        return self.try_write("pruned rows", write, {})

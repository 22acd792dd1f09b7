"""The state database's schema as a list of migrations, numbered by ``PRAGMA user_version``.

A database records the number of migrations applied to it; opening runs
the missing ones in order, each in one transaction together with the new
version number, so a crash mid-upgrade leaves the previous version intact.
Migration 1 is the schema the bot used before versioning and creates its
tables only if they are missing, so a database from that time (version 0,
tables present) is upgraded like an empty one.  A database from a newer
bot (version above ``LATEST``) is refused rather than guessed at.
"""

from __future__ import annotations

import sqlite3

# Most precious first: recovering a damaged file copies in this order.
TABLES = ("meta", "chats", "watches", "digests", "shown", "sessions", "current")

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: the schema as it was before versioning.
    (
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE IF NOT EXISTS sessions (
            sid INTEGER PRIMARY KEY AUTOINCREMENT,
            chat_id INTEGER NOT NULL,
            user_id INTEGER NOT NULL,
            data TEXT NOT NULL,
            created REAL NOT NULL,
            updated REAL NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS current (
            chat_id INTEGER NOT NULL,
            user_id INTEGER NOT NULL,
            sid INTEGER NOT NULL,
            updated REAL NOT NULL,
            PRIMARY KEY (chat_id, user_id)
        )""",
        "CREATE INDEX IF NOT EXISTS sessions_updated ON sessions(updated)",
        """CREATE TABLE IF NOT EXISTS chats (
            chat_id INTEGER PRIMARY KEY,
            digest_on INTEGER NOT NULL DEFAULT 0,
            digest_time TEXT NOT NULL DEFAULT '08:30',
            start_day TEXT NOT NULL DEFAULT '',
            seen_docs TEXT NOT NULL DEFAULT '{}',
            updated REAL NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS watches (
            chat_id INTEGER NOT NULL,
            folded TEXT NOT NULL,
            phrase TEXT NOT NULL,
            added REAL NOT NULL,
            PRIMARY KEY (chat_id, folded)
        )""",
        """CREATE TABLE IF NOT EXISTS digests (
            chat_id INTEGER NOT NULL,
            day TEXT NOT NULL,
            parts TEXT NOT NULL,
            next_part INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL,
            created REAL NOT NULL,
            finished REAL,
            PRIMARY KEY (chat_id, day)
        )""",
        """CREATE TABLE IF NOT EXISTS shown (
            chat_id INTEGER NOT NULL,
            doc_id TEXT NOT NULL,
            number INTEGER NOT NULL,
            shown REAL NOT NULL,
            PRIMARY KEY (chat_id, doc_id, number)
        )""",
    ),
    # 2: a session keeps the search's own hits (excerpts included) instead of
    # (document, paragraph) pairs whose excerpts were recomputed on every page,
    # and its page offset in a column of its own, so turning a page writes one
    # number.  Sessions in the old form cannot be shown without searching
    # again; they expire after minutes of silence anyway, so they are dropped
    # (their buttons answer "expired").  Digest records get an index for pruning.
    (
        "DELETE FROM current",
        "DELETE FROM sessions",
        "ALTER TABLE sessions ADD COLUMN page INTEGER NOT NULL DEFAULT 0",
        "CREATE INDEX IF NOT EXISTS digests_created ON digests(status, created)",
    ),
    # 3: the source paragraph a session shows, if any ("rank number page", '' while its list is on screen),
    # so that 「下一段」 or 「返回」 typed as a message moves from where the member is reading.
    ("ALTER TABLE sessions ADD COLUMN source TEXT NOT NULL DEFAULT ''",),
)
LATEST = len(MIGRATIONS)
SESSIONS_WITH_HITS = 2  # the version from which a session row holds hits


class NewerSchema(RuntimeError):
    """The database was written by a newer version of the bot."""


def user_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection) -> int:
    """Apply the migrations a database lacks; the version it started at.

    ``db`` must be in autocommit mode (``isolation_level=None``), so that
    ``BEGIN IMMEDIATE … COMMIT`` here is the only transaction.
    """
    start, latest = user_version(db), len(MIGRATIONS)
    if start > latest:
        raise NewerSchema(f"schema version {start} is newer than this bot's ({latest})")
    for version in range(start, latest):
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[version]:
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {version + 1}")  # an int we computed, not input
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return start

"""The state database's schema over time: upgrades by PRAGMA user_version, atomic writes, pruning."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from bot import schema
from bot.chats import ChatStore
from bot.sessions import Session, Sessions
from bot.store import StateUnavailable, Store

# The schema as the bot wrote it before versioning (user_version 0), word for word.
BEFORE_VERSIONING = """
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


def version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA user_version").fetchone()[0]


def old_database(path: Path) -> None:
    """A database written by the bot before versioning, with a row in every table."""
    now = time.time()
    db = sqlite3.connect(path)
    db.executescript(BEFORE_VERSIONING)
    db.execute("INSERT INTO meta VALUES ('callback_secret', ?)", ("ab" * 16,))
    db.execute("INSERT INTO chats VALUES (42, 1, '07:45', '2026-01-01', ?, ?)", (json.dumps({"001": "x"}), now))
    db.execute("INSERT INTO watches VALUES (42, '四个机关', '四个机关', ?)", (now,))
    db.execute(
        "INSERT INTO digests VALUES (42, '2026-01-05', ?, 2, 'sent', ?, ?)", (json.dumps(["一", "二"]), now, now)
    )
    db.execute("INSERT INTO shown VALUES (42, '001', 7, ?)", (now,))
    old_session = {"query": "四个机关", "asked": "四个机关", "refs": [["001", 7]], "terms": ["四个机关"], "offset": 0}
    db.execute("INSERT INTO sessions VALUES (1, 42, 42, ?, ?, ?)", (json.dumps(old_session), now, now))
    db.execute("INSERT INTO current VALUES (42, 42, 1, ?)", (now,))
    db.commit()
    db.close()


def test_a_database_from_before_versioning_is_upgraded_and_keeps_what_matters(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    old_database(path)
    assert version(path) == 0
    store = Store(path)
    assert version(path) == schema.LATEST
    assert store.secret() == bytes.fromhex("ab" * 16)  # buttons already sent keep working
    chats = ChatStore(store)
    settings = chats.settings(42)
    assert settings is not None and settings.digest_on and settings.digest_time == "07:45"
    assert settings.seen_docs == {"001": "x"} and settings.start_day == "2026-01-01"
    assert chats.watches(42) == [("四个机关", "四个机关")]
    assert chats.digest(42, "2026-01-05").status == "sent"  # no second digest for that day
    assert chats.shown(42) == {("001", 7)}  # the rotation goes on without repeats
    # Sessions in the old form (positions instead of hits) are dropped: their buttons say "expired".
    sessions = Sessions(store)
    assert sessions.current(42, 42, 3600) is None and sessions.get(1) is None
    new = sessions.new(Session(0, 42, 42, "代表小组", "代表小组"))
    sessions.turn_page(new, 3)
    store.close()
    reopened = Store(path)  # already current: nothing runs again
    again = Sessions(reopened).current(42, 42, 3600)
    assert again is not None and again.query == "代表小组" and again.offset == 3
    assert ChatStore(reopened).watches(42) == [("四个机关", "四个机关")]
    reopened.close()


def test_a_failing_migration_leaves_the_previous_version_whole(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "state.sqlite3"
    Store(path).close()
    broken = ("CREATE TABLE extra (x INTEGER)", "INSERT INTO no_such_table VALUES (1)")
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, broken))
    with pytest.raises(StateUnavailable, match="no such table"):
        Store(path)
    assert version(path) == len(schema.MIGRATIONS) - 1
    with sqlite3.connect(path) as db:
        assert not db.execute("SELECT name FROM sqlite_master WHERE name='extra'").fetchall()  # rolled back


def test_a_database_from_a_newer_bot_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {schema.LATEST + 1}")
    before = path.read_bytes()
    with pytest.raises(StateUnavailable, match="newer"):
        Store(path)
    assert path.read_bytes() == before


def test_a_session_and_the_pointer_to_it_are_written_together(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.sqlite3")
    # The second of the two writes fails: the first must not stay behind.
    store.execute("CREATE TRIGGER refuse BEFORE INSERT ON current BEGIN SELECT RAISE(ABORT, 'refused'); END")
    with pytest.raises(sqlite3.IntegrityError):
        Sessions(store).new(Session(0, 5, 5, "q", "q"))
    assert store.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
    store.close()


def test_pruning_drops_old_sessions_and_finished_digests_and_keeps_the_rest(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.sqlite3")
    sessions, chats = Sessions(store), ChatStore(store)
    old = sessions.new(Session(0, 1, 1, "旧", "旧"))
    fresh = sessions.new(Session(0, 2, 2, "新", "新"))
    chats.begin_digest(1, "2026-01-01", ["一"], {}, ("001", 3), reset_rotation=False)
    chats.part_sent(1, "2026-01-01", 1, done=True)
    chats.begin_digest(2, "2026-01-01", ["一"], {}, None, reset_rotation=False)  # still sending
    chats.begin_digest(3, "2026-03-01", ["一"], {}, None, reset_rotation=False)
    chats.part_sent(3, "2026-03-01", 1, done=True)
    month = 30 * 86400
    store.execute("UPDATE sessions SET updated = updated - ? WHERE sid = ?", (month + 60, old.sid))
    store.execute("UPDATE current SET updated = updated - ? WHERE sid = ?", (month + 60, old.sid))
    store.execute("UPDATE digests SET created = created - ? WHERE day = '2026-01-01'", (month + 60,))
    removed = store.prune(month)
    assert removed == {"sessions": 1, "current": 1, "digests": 1}
    assert sessions.get(old.sid) is None and sessions.get(fresh.sid) is not None
    assert chats.digest(1, "2026-01-01") is None  # finished and old: gone
    assert chats.digest(2, "2026-01-01") is not None  # unfinished: the digest service closes it, not pruning
    assert chats.digest(3, "2026-03-01") is not None  # recent
    assert chats.shown(1) == {("001", 3)}  # the rotation is what prevents repeats: never pruned
    store.close()

"""The state database under trouble: locked by another process, corrupt, on an unusable or full disk."""

from __future__ import annotations

import hashlib
import io
import sqlite3
from pathlib import Path

import pytest

from bot.__main__ import main as bot_main
from bot.chats import ChatSettings, ChatStore
from bot.config import Settings
from bot.console import Console
from bot.engine import Engine
from bot.messages import Incoming
from bot.sessions import Session, Sessions
from bot.store import StateLocked, StateUnavailable, Store

ROOT = Path(__file__).resolve().parent.parent


def digest_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_locked_database_is_left_untouched_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    store = Store(path)
    secret = store.secret()
    store.close()
    before = digest_of(path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")  # as a second bot instance or a backup tool would
    try:
        with pytest.raises(StateLocked, match="locked by another process"):
            Store(path, lock_wait=0.3)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert digest_of(path) == before
    assert sorted(p.name for p in tmp_path.iterdir() if "corrupt" in p.name) == []
    reopened = Store(path)
    assert reopened.secret() == secret and reopened.recovered is None
    reopened.close()


def test_a_corrupt_database_is_kept_reported_and_what_can_be_read_recovered(tmp_path: Path, caplog) -> None:
    path = tmp_path / "state.sqlite3"
    store = Store(path)
    secret = store.secret()
    chats = ChatStore(store)
    chats.save_settings(ChatSettings(42, digest_on=True, digest_time="07:45"))
    store.db.execute("PRAGMA synchronous=OFF")  # only to build the fixture quickly
    sessions = Sessions(store)
    for i in range(600):
        sessions.new(Session(0, 42, 42, query=f"问题{i}", asked=f"问题{i}", terms=["人大代表"] * 60))
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    pages = path.stat().st_size // 4096
    with open(path, "r+b") as f:  # damage B-tree pages in the middle of the sessions table
        for page in range(pages // 2, pages // 2 + 3):
            f.seek(page * 4096)
            f.write(b"\xa5" * 4096)
    damaged = digest_of(path)

    recovered = Store(path)
    kept = [
        p
        for p in tmp_path.iterdir()
        if p.name.startswith("state.sqlite3.corrupt-") and not p.name.endswith(("-shm", "-wal"))
    ]
    assert len(kept) == 1 and digest_of(kept[0]) == damaged  # the damaged file is kept as it was
    assert recovered.recovered is not None
    assert recovered.secret() == secret  # buttons already sent keep working
    settings = ChatStore(recovered).settings(42)
    assert settings is not None and settings.digest_on and settings.digest_time == "07:45"
    assert 0 < recovered.recovered["sessions"] < 600
    assert recovered.db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    assert Sessions(recovered).new(Session(0, 42, 42, query="新问题", asked="新问题")).sid > 0  # and it works
    assert any("corrupt" in r.getMessage() and "recovered" in r.getMessage() for r in caplog.records)
    recovered.close()


def test_an_unusable_data_folder_is_a_clear_start_up_error(tmp_path: Path, monkeypatch, capsys) -> None:
    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("a file where the data folder should be")
    with pytest.raises(StateUnavailable, match="cannot be written"):
        Store(not_a_folder / "state.sqlite3")
    monkeypatch.setenv("BOT_DATA_DIR", str(not_a_folder))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    assert bot_main([]) == 2  # the console never starts
    err = capsys.readouterr().err
    assert "cannot start" in err and str(not_a_folder) in err
    assert "Traceback" not in err


def test_answers_are_given_when_the_session_cannot_be_saved(tmp_path: Path, library) -> None:
    engine = Engine(Settings(data_dir=tmp_path, corpus_dir=ROOT / "seeds"), library=library)
    engine.store.db.execute("PRAGMA query_only=ON")  # every write now fails, as on a full or read-only disk
    (reply,) = engine_reply(engine, "四个机关")
    assert "🔎" in reply.html and "[1]" in reply.html
    engine.store.close()


def engine_reply(engine: Engine, text: str):
    import asyncio

    return asyncio.run(engine.handle_message(Incoming(1, 1, text)))


async def test_the_console_reports_an_engine_failure_and_goes_on(tmp_path: Path, library, monkeypatch) -> None:
    engine = Engine(Settings(data_dir=tmp_path, corpus_dir=ROOT / "seeds"), library=library)
    original = engine.handle_message

    async def explode_once(msg):
        monkeypatch.setattr(engine, "handle_message", original)
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "handle_message", explode_once)
    out = io.StringIO()
    await Console(engine, out).run(io.StringIO("四个机关\n流浪星球\nquit\n"))
    text = out.getvalue()
    assert "出错了" in text and "流浪星球" in text
    engine.store.close()

"""``python -m bot --check``, the container's HEALTHCHECK: a heartbeat the running bot records, read back."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from botharness import running, wait_for
from conftest import bot_settings

from bot.__main__ import main
from bot.config import Settings
from bot.health import STALE_AFTER, beat, check
from bot.store import Store

ROOT = Path(__file__).resolve().parent.parent


def test_the_check_follows_the_heartbeat(tmp_path: Path) -> None:
    settings = Settings(token="1:x", data_dir=tmp_path)
    assert check(settings) == (False, f"no state database at {settings.state_db} (the bot has not started yet)")
    store = Store(settings.state_db)
    healthy, why = check(settings)
    assert not healthy and "no heartbeat" in why
    beat(store)
    assert check(settings)[0]
    healthy, why = check(settings, now=time.time() + STALE_AFTER + 5)
    assert not healthy and "stuck or down" in why
    assert check(Settings(token="", data_dir=tmp_path))[0]  # the console has no loop to watch
    store.close()


def test_an_unreadable_database_is_unhealthy(tmp_path: Path) -> None:
    settings = Settings(token="1:x", data_dir=tmp_path)
    settings.state_db.write_bytes(b"not a database" * 100)
    healthy, why = check(settings)
    assert not healthy and "cannot be read" in why


async def test_the_running_bot_records_heartbeats(fake, tmp_path: Path, library) -> None:
    settings = bot_settings(fake, tmp_path / "data")
    async with running(settings, library):
        await wait_for(lambda: check(settings)[0], timeout=30)  # start-up on a loaded 2-core machine


def test_the_command_line_and_its_exit_status(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:x")
    assert main(["--check"]) == 1 and capsys.readouterr().out.startswith("unhealthy: no state database")
    store = Store(tmp_path / "state.sqlite3")
    beat(store)
    assert main(["--check"]) == 0 and capsys.readouterr().out.startswith("healthy: heartbeat")
    store.close()


def test_the_check_as_the_container_runs_it_stays_light(tmp_path: Path) -> None:
    """As HEALTHCHECK runs it, every minute: a process that loads neither Telegram nor the search library."""
    probe = (
        "import sys\nfrom bot.__main__ import main\ncode = main(['--check'])\n"
        "print(sorted(m for m in ('telegram', 'retrieval', 'numpy', 'jieba') if m in sys.modules))\nsys.exit(code)\n"
    )
    env = {**os.environ, "BOT_DATA_DIR": str(tmp_path), "TELEGRAM_BOT_TOKEN": "1:x"}
    run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1, run.stderr
    assert run.stdout.splitlines() == [
        f"unhealthy: no state database at {tmp_path / 'state.sqlite3'} (the bot has not started yet)",
        "[]",
    ]

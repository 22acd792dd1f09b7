"""``python -m bot --check``: is the bot alive?  For the container's HEALTHCHECK and for operators.

A process that exists can still be stuck: a blocked event loop, a
scheduler that stopped, a database it can no longer write.  The running
Telegram bot therefore records a heartbeat in its state database every
``HEARTBEAT_EVERY`` seconds from a JobQueue job (so the loop, the job
queue and the database all had to work for it to appear); the check reads
it through a read-only connection, which never takes a write lock or
creates a file, and calls the bot unhealthy when the beat is older than
``STALE_AFTER``.  Without a token (the console) there is no loop to watch:
a readable state database is all that is checked.
"""

from __future__ import annotations

import sqlite3
import time
from typing import TYPE_CHECKING

from .config import Settings

if TYPE_CHECKING:
    from .store import Store

HEARTBEAT_KEY = "heartbeat"
HEARTBEAT_EVERY = 30.0
STALE_AFTER = 4 * HEARTBEAT_EVERY  # a missed beat or two is load, four are a stuck bot


def beat(store: Store) -> None:
    """Record that the bot is alive now (the running bot's heartbeat job)."""
    store.set_meta(HEARTBEAT_KEY, f"{time.time():.3f}")


def check(settings: Settings, now: float | None = None) -> tuple[bool, str]:
    """(healthy, one line saying why) for the bot whose data folder ``settings`` names."""
    path = settings.state_db
    if not path.is_file():
        return False, f"no state database at {path} (the bot has not started yet)"
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
        try:
            row = db.execute("SELECT value FROM meta WHERE key=?", (HEARTBEAT_KEY,)).fetchone()
        finally:
            db.close()
    except sqlite3.Error as exc:
        return False, f"the state database {path} cannot be read: {exc}"
    if not settings.token:
        return True, f"console mode: the state database {path} is readable"
    if row is None:
        return False, "no heartbeat recorded yet (the Telegram bot has not finished starting)"
    age = (time.time() if now is None else now) - float(row[0])
    if age > STALE_AFTER:
        return False, f"the last heartbeat is {age:.0f} s old (more than {STALE_AFTER:.0f} s): the bot is stuck or down"
    return True, f"heartbeat {age:.0f} s ago"

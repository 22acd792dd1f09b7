"""Per-chat state for digests: subscriptions, watched phrases, digests in progress and the 今日一段 rotation.

A digest is written whole (all its message parts) before the first part is
sent, together with the state it consumes (documents seen, paragraph
shown), in one transaction; each part sent is then ticked off.  A crash
therefore resumes at the first unsent part, and a restart never composes a
second digest for the same day (the table's key is chat and day).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from .store import Store


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
    def __init__(self, store: Store) -> None:
        self.store = store

    # --- settings and watched phrases ------------------------------------------------

    def settings(self, chat_id: int) -> ChatSettings | None:
        row = self.store.execute(
            "SELECT chat_id, digest_on, digest_time, seen_docs, start_day FROM chats WHERE chat_id=?", (chat_id,)
        ).fetchone()
        if not row:
            return None
        return ChatSettings(int(row[0]), bool(row[1]), row[2], json.loads(row[3] or "{}"), row[4])

    def save_settings(self, s: ChatSettings) -> None:
        self.store.execute(
            "INSERT OR REPLACE INTO chats (chat_id, digest_on, digest_time, seen_docs, start_day, updated)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (s.chat_id, int(s.digest_on), s.digest_time, json.dumps(s.seen_docs), s.start_day, time.time()),
        )

    def subscribed(self) -> list[ChatSettings]:
        rows = self.store.execute("SELECT chat_id FROM chats WHERE digest_on=1 ORDER BY chat_id").fetchall()
        return [s for (cid,) in rows if (s := self.settings(int(cid))) is not None]

    def watch(self, chat_id: int, phrase: str, folded: str) -> bool:
        cur = self.store.execute(
            "INSERT OR IGNORE INTO watches VALUES (?, ?, ?, ?)", (chat_id, folded, phrase, time.time())
        )
        return cur.rowcount == 1

    def unwatch(self, chat_id: int, folded: str) -> bool:
        return self.store.execute("DELETE FROM watches WHERE chat_id=? AND folded=?", (chat_id, folded)).rowcount == 1

    def watches(self, chat_id: int) -> list[tuple[str, str]]:
        rows = self.store.execute(
            "SELECT phrase, folded FROM watches WHERE chat_id=? ORDER BY added", (chat_id,)
        ).fetchall()
        return [(r[0], r[1]) for r in rows]

    # --- digests -------------------------------------------------------------------

    def digest(self, chat_id: int, day: str) -> DigestRecord | None:
        row = self.store.execute(
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
        now = time.time()
        with self.store.transaction() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO digests (chat_id, day, parts, next_part, status, created)"
                " VALUES (?, ?, ?, 0, 'sending', ?)",
                (chat_id, day, json.dumps(parts, ensure_ascii=False), now),
            )
            if cur.rowcount != 1:
                return None  # nothing written: the transaction commits empty
            db.execute("UPDATE chats SET seen_docs=?, updated=? WHERE chat_id=?", (json.dumps(seen), now, chat_id))
            if reset_rotation:
                db.execute("DELETE FROM shown WHERE chat_id=?", (chat_id,))
            if shown is not None:
                db.execute("INSERT OR REPLACE INTO shown VALUES (?, ?, ?, ?)", (chat_id, shown[0], shown[1], now))
        return DigestRecord(chat_id, day, parts, 0, "sending")

    def part_sent(self, chat_id: int, day: str, next_part: int, done: bool) -> None:
        self.store.execute(
            "UPDATE digests SET next_part=?, status=?, finished=? WHERE chat_id=? AND day=?",
            (next_part, "sent" if done else "sending", time.time() if done else None, chat_id, day),
        )

    def unfinished(self) -> list[DigestRecord]:
        rows = self.store.execute("SELECT chat_id, day FROM digests WHERE status='sending' ORDER BY created").fetchall()
        return [d for cid, day in rows if (d := self.digest(int(cid), day)) is not None]

    def shown(self, chat_id: int) -> set[tuple[str, int]]:
        rows = self.store.execute("SELECT doc_id, number FROM shown WHERE chat_id=?", (chat_id,)).fetchall()
        return {(r[0], int(r[1])) for r in rows}

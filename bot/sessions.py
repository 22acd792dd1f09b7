"""Answer sessions: what was asked, how it was read, and the search's own hits, kept for paging and follow-ups.

A session keeps the hits exactly as the search returned them (excerpt,
marks, citation, near-duplicates), so every page shows what the search
chose and nothing is searched or excerpted again — not after a restart
either.  Each chat member has a *current* session: the one "更多", "第二条原文"
and "那镇江呢？" lean on.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field, fields

from retrieval import Hit

from .store import SharedConnection, Store

log = logging.getLogger(__name__)


@dataclass
class Session:
    sid: int
    chat_id: int
    user_id: int
    query: str  # the effective query that was searched
    asked: str  # what the user typed, as replies echo it
    hits: list[Hit] = field(default_factory=list)  # best first
    terms: list[str] = field(default_factory=list)  # folded words to mark in a source view
    understood: str = ""  # how a follow-up was read, shown to the user
    topic: str = ""  # the question a chain of follow-ups started from; each one is read against it
    said: str = ""  # the member's own words, whole: 「作为新问题搜索」 searches them again as they were typed
    filters: list[str] = field(default_factory=list)
    answered: bool = True  # False: the corpus does not answer it; the hits are only related passages
    kind: str = "answer"  # answer | phrase: a /phrase listing pages and opens sources like an answer
    counts: list[int] = field(default_factory=list)  # phrase: how often each hit's paragraph says it
    tally: list[list] = field(default_factory=list)  # phrase: [document label, occurrences, paragraphs] each
    offset: int = 0  # the first hit of the page shown last
    updated: float = 0.0
    reading: tuple[int, int, int] | None = None  # the source on screen: (rank, paragraph number, page)

    def on_screen(self) -> tuple[int, int, bool]:
        """(rank, paragraph number, opened) of the passage the member is looking at.

        The source paragraph opened last (after 「原文」 and 「下一段」 it is no
        longer any result of the list), else the first result of the page shown.
        What 谁写的 and a typed 「全文」 are about.
        """
        rank, number, _ = self.reading or (0, 0, 0)
        if 1 <= rank <= len(self.hits):
            return rank, number, True
        first = self.offset + 1 if self.offset < len(self.hits) else 1
        return first, self.hits[first - 1].paragraph, False

    def payload(self) -> str:
        data = {
            "query": self.query,
            "asked": self.asked,
            # Field by field: dataclasses.asdict deep-copies every list and was most of writing an answer.
            "hits": [{name: getattr(h, name) for name in _HIT_NAMES} for h in self.hits],
            "terms": self.terms,
            "understood": self.understood,
            "topic": self.topic,
            "said": self.said,
            "filters": self.filters,
            "answered": self.answered,
            "kind": self.kind,
            "counts": self.counts,
            "tally": self.tally,
        }
        return json.dumps(data, ensure_ascii=False)


_HIT_NAMES = [f.name for f in fields(Hit)]
_HIT_FIELDS = set(_HIT_NAMES)


def _hit(data: dict) -> Hit:
    hit = Hit(**{k: v for k, v in data.items() if k in _HIT_FIELDS})
    hit.marks = [(int(s), int(e)) for s, e in hit.marks]
    if hit.window is not None:
        hit.window = (int(hit.window[0]), int(hit.window[1]))
    return hit


def _reading(column: str) -> tuple[int, int, int] | None:
    """The source on screen as stored ("rank number page"); None for the list or anything unreadable."""
    parts = column.split()
    if len(parts) != 3 or not all(p.isdigit() and p.isascii() and len(p) <= 9 for p in parts):
        return None
    rank, number, page = (int(p) for p in parts)
    return (rank, number, page)


def _session(row: tuple) -> Session | None:
    sid, chat_id, user_id, payload, updated, page, source = row
    try:
        data = json.loads(payload)
        data["hits"] = [_hit(h) for h in data.get("hits", [])]
        ids = {"sid": int(sid), "chat_id": int(chat_id), "user_id": int(user_id)}
        reading = _reading(str(source))
        return Session(**ids, updated=float(updated), offset=int(page), reading=reading, **data)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        log.warning("session %s is unreadable: %s", sid, exc)
        return None


class Sessions:
    def __init__(self, store: Store) -> None:
        self.store = store

    def new(self, session: Session) -> Session:
        """Record an answer and make it the member's current one; when the disk refuses, sid stays 0."""
        now = time.time()

        def write() -> Session:
            with self.store.transaction() as db:
                cur = db.execute(
                    "INSERT INTO sessions (chat_id, user_id, data, created, updated, page) VALUES (?, ?, ?, ?, ?, ?)",
                    (session.chat_id, session.user_id, session.payload(), now, now, session.offset),
                )
                session.sid = int(cur.lastrowid or 0)
                self._make_current(db, session, now)
            return session

        session.updated = now
        return self.store.try_write("the answer session", write, session)

    def turn_page(self, session: Session, offset: int) -> None:
        """Remember the page shown; the session it belongs to becomes current again (its buttons were used)."""
        now = time.time()
        session.offset, session.reading = offset, None

        def write() -> None:
            with self.store.transaction() as db:
                db.execute("UPDATE sessions SET page=?, source='', updated=? WHERE sid=?", (offset, now, session.sid))
                self._make_current(db, session, now)

        self.store.try_write("the page shown", write, None)
        session.updated = now

    def open_source(self, session: Session, rank: int, number: int, page: int) -> None:
        """Remember the source paragraph shown, so that a typed 「下一段」 or 「返回」 moves from it."""
        now = time.time()
        session.reading = (rank, number, page)

        def write() -> None:
            with self.store.transaction() as db:
                source = f"{rank} {number} {page}"
                db.execute("UPDATE sessions SET source=?, updated=? WHERE sid=?", (source, now, session.sid))
                self._make_current(db, session, now)

        self.store.try_write("the source shown", write, None)
        session.updated = now

    def forget(self, chat_id: int, user_id: int) -> None:
        """No answer is current any more (another listing is on screen): 下一页 must not page the old one."""

        def write() -> None:
            with self.store.transaction() as db:
                db.execute("DELETE FROM current WHERE chat_id=? AND user_id=?", (chat_id, user_id))

        self.store.try_write("the current answer", write, None)

    @staticmethod
    def _make_current(db: SharedConnection, session: Session, now: float) -> None:
        db.execute(
            "INSERT OR REPLACE INTO current (chat_id, user_id, sid, updated) VALUES (?, ?, ?, ?)",
            (session.chat_id, session.user_id, session.sid, now),
        )

    def get(self, sid: int) -> Session | None:
        row = self.store.execute(
            "SELECT sid, chat_id, user_id, data, updated, page, source FROM sessions WHERE sid=?", (sid,)
        ).fetchone()
        return _session(row) if row else None

    def in_chat(self, sid: int, chat_id: int) -> Session | None:
        """The session a button names, only in the chat it was answered in (a button forwarded elsewhere is stale)."""
        session = self.get(sid)
        return session if session is not None and session.chat_id == chat_id else None

    def current(self, chat_id: int, user_id: int, max_idle: float) -> Session | None:
        """The session a follow-up leans on, unless it has been idle longer than ``max_idle`` seconds."""
        row = self.store.execute(
            "SELECT sid, updated FROM current WHERE chat_id=? AND user_id=?", (chat_id, user_id)
        ).fetchone()
        if not row or time.time() - row[1] > max_idle:
            return None
        return self.get(int(row[0]))

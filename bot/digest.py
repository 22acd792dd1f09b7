"""The daily digest: what goes in it, when it is due, and sending it without losing or repeating a part.

A chat's digest holds the documents added or changed since its last digest,
new occurrences of the phrases it watches (only in those documents), and
「今日一段」, a notable paragraph that rotates without repeats.

**One scheduling mechanism.**  The adapter runs :meth:`DigestService.send_due`
once a minute (and a few seconds after start-up).  Each run sends whatever
is due: a chat whose local digest time has passed today and that has no
digest for today yet, a digest cut off by a crash or a failed send (resumed
at its first unsent part), a digest missed while the bot was down.  Nothing
is scheduled per chat, so a restart has nothing to re-create, and a run that
finds the previous one still going leaves the work to it — one sender, so
no chat is sent two digests at once.  This module only needs a clock and a
``send`` coroutine, so tests drive it with a fake clock.

Delivery is *at least once*, not exactly once, and the window is this: a
part is ticked off in SQLite right after Telegram accepted it, so a kill
between Telegram's acceptance and that write (a few milliseconds), or an
acceptance whose answer was lost on the network, sends that one part again
on resume.  Telegram offers no idempotency key and no way to ask whether a
message was delivered, so the window cannot be closed from the bot's side;
it is kept to one part, and a digest is never composed or started twice
(it is written whole, with the state it consumes, before its first part is
sent: see :mod:`bot.chats`).  A chat that blocked or removed the bot
(``ChatGone``) is unsubscribed instead of being retried.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from retrieval import Document, Library, Paragraph, fold, key_terms

from .chats import ChatSettings, ChatStore, DigestRecord
from .views.digest import MAX_WATCH_HITS, NewDocument, WatchNews, digest_parts

log = logging.getLogger(__name__)

Send = Callable[[int, str], Awaitable[None]]
KEYWORDS = 6
# 今日一段: a paragraph worth a reader's minute — substantial, and quoting at least one formula.
DAILY_MIN_CHARS, DAILY_MAX_CHARS = 80, 500


class ChatGone(Exception):
    """The chat can no longer be written to (Telegram answered 403 Forbidden): stop sending to it."""

    def __init__(self, chat_id: int) -> None:
        super().__init__(f"chat {chat_id} blocked or removed the bot")
        self.chat_id = chat_id


def parse_time(text: str) -> tuple[int, int] | None:
    """HH:MM (also H:MM, HH：MM, HHMM) as (hour, minute), or None."""
    t = fold(text).replace("：", ":")
    if ":" in t:
        h, _, m = t.partition(":")
    elif t.isdigit() and len(t) in (3, 4):
        h, m = t[:-2], t[-2:]
    else:
        return None
    if not (h.isdigit() and m.isdigit()):
        return None
    hour, minute = int(h), int(m)
    return (hour, minute) if 0 <= hour <= 23 and 0 <= minute <= 59 else None


def snapshot(library: Library) -> dict[str, str]:
    return {d.doc_id: d.sha256 for d in library.documents}


def _order(chat_id: int, doc_id: str, number: int) -> str:
    """Each chat's own fixed order of the eligible paragraphs."""
    return hashlib.sha1(f"{chat_id}:{doc_id}:{number}".encode()).hexdigest()


class DigestService:
    def __init__(
        self,
        chats: ChatStore,
        library: Callable[[], Library],
        tz: ZoneInfo,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.chats = chats
        self.library = library
        self.tz = tz
        self.clock = clock or (lambda: datetime.now(tz))
        self._sending = asyncio.Lock()  # held by the one run that sends
        # A new document's key terms, computed once for every chat whose digest names it (per library:
        # an upload changes the corpus frequencies they are weighed against).
        self._terms: tuple[Library | None, dict[tuple[str, str], list[str]]] = (None, {})

    def now(self) -> datetime:
        return self.clock().astimezone(self.tz)

    # --- composing ------------------------------------------------------------------

    def _key_terms(self, lib: Library, doc: Document) -> list[str]:
        of, known = self._terms
        if of is not lib:
            known = {}
            self._terms = (lib, known)
        key = (doc.doc_id, doc.sha256)
        if key not in known:
            known[key] = key_terms(lib, doc, KEYWORDS)
        return known[key]

    def pick_paragraph(self, chat_id: int) -> tuple[Document, Paragraph, bool] | None:
        """The next 今日一段 for a chat; the flag says the rotation starts over."""
        lib = self.library()
        pool = sorted(
            (lib.locate(pos) for pos in lib.quoting_paragraphs(DAILY_MIN_CHARS, DAILY_MAX_CHARS)),
            key=lambda ref: _order(chat_id, *ref),
        )
        if not pool:
            return None
        shown = self.chats.shown(chat_id)
        fresh = [ref for ref in pool if ref not in shown]
        doc_id, number = (fresh or pool)[0]
        doc = lib.doc_by_id[doc_id]
        return doc, doc.paragraphs[number - 1], not fresh

    def _watch_news(self, lib: Library, phrase: str, folded: str, new_docs: list[Document]) -> WatchNews:
        news = WatchNews(phrase, folded)
        if not new_docs:
            return news
        positions = lib.paragraphs_with(folded, [d.doc_id for d in new_docs])
        news.count = len(positions)
        news.first = [(lib.document_of(pos), lib.paragraph(pos)) for pos in positions[:MAX_WATCH_HITS]]
        return news

    def compose(
        self, chat_id: int, settings: ChatSettings
    ) -> tuple[list[str], dict[str, str], tuple[Document, Paragraph, bool] | None]:
        """The digest's message parts, the document snapshot it brings the chat to, and 今日一段."""
        lib = self.library()
        new_docs = [d for d in lib.documents if settings.seen_docs.get(d.doc_id) != d.sha256]
        briefs = [NewDocument(d, self._key_terms(lib, d)) for d in new_docs]
        watches = [self._watch_news(lib, phrase, folded, new_docs) for phrase, folded in self.chats.watches(chat_id)]
        pick = self.pick_paragraph(chat_id)
        day = self.now().date().isoformat()
        parts = digest_parts(day, briefs, watches, (pick[0], pick[1]) if pick else None)
        return parts, snapshot(lib), pick

    async def preview(self, chat_id: int) -> list[str]:
        """The digest as it would be now; changes no state (not the snapshot, not the rotation)."""
        settings = self.chats.settings(chat_id) or ChatSettings(chat_id, seen_docs=snapshot(self.library()))
        parts, _, _ = await asyncio.to_thread(self.compose, chat_id, settings)
        return parts

    # --- when -----------------------------------------------------------------------

    def due(self, settings: ChatSettings, now: datetime) -> bool:
        """True when today's digest time has passed in the chat's time zone."""
        hour, minute = parse_time(settings.digest_time) or (8, 30)
        if now.date().isoformat() < settings.start_day:
            return False
        return (now.hour, now.minute) >= (hour, minute)

    def start_day(self, hour: int, minute: int) -> str:
        """Subscribing after today's time has passed starts the digests tomorrow, not at once."""
        now = self.now()
        day = now.date() if (now.hour, now.minute) < (hour, minute) else now.date() + timedelta(days=1)
        return day.isoformat()

    def unsubscribe(self, chat_id: int) -> bool:
        """Switch a chat's digest off (it blocked the bot) and close its unfinished digests; True if it was on."""
        settings = self.chats.settings(chat_id)
        for record in self.chats.unfinished():
            if record.chat_id == chat_id:
                self.chats.part_sent(chat_id, record.day, record.next_part, done=True)
        if settings is None or not settings.digest_on:
            return False
        settings.digest_on = False
        self.chats.save_settings(settings)
        return True

    # --- sending ---------------------------------------------------------------------

    async def send_due(self, send: Send) -> int:
        """The scheduled run: send every digest that is due (see the module docstring); how many were sent.

        One chat's failure is logged and retried at the next run; the others go on.
        """
        if self._sending.locked():
            return 0  # the previous run is still sending; what is due now is its work or the next run's
        async with self._sending:
            yesterday = (self.now().date() - timedelta(days=1)).isoformat()
            pending: dict[int, list[DigestRecord]] = {}
            for record in self.chats.unfinished():
                if record.day < yesterday:
                    self.chats.part_sent(record.chat_id, record.day, record.next_part, done=True)  # stale: closed
                else:
                    pending.setdefault(record.chat_id, []).append(record)
            chat_ids = sorted(set(pending) | {s.chat_id for s in self.chats.subscribed()})
            # Chats at once: a group waiting out its flood limit does not hold the others' digests.
            sent = await asyncio.gather(*(self._catch_up(c, pending.get(c, []), send) for c in chat_ids))
            return sum(sent)

    async def _catch_up(self, chat_id: int, unfinished: list[DigestRecord], send: Send) -> int:
        sent = 0
        try:
            for record in unfinished:
                await self._send_parts(record, send)
                sent += 1
            sent += int(await self._run(chat_id, send, None))
        except Exception:
            log.exception("the digest for chat %s failed; the next run tries again", chat_id)
        return sent

    async def run(self, chat_id: int, send: Send, force_day: str | None = None) -> bool:
        """Send one chat's digest for today (or ``force_day``, due or not) unless already sent; True if sent."""
        async with self._sending:
            return await self._run(chat_id, send, force_day)

    async def _run(self, chat_id: int, send: Send, force_day: str | None) -> bool:
        settings = self.chats.settings(chat_id)
        if settings is None or not settings.digest_on:
            return False
        now = self.now()
        day = force_day or now.date().isoformat()
        record = self.chats.digest(chat_id, day)
        if record is None:
            if force_day is None and not self.due(settings, now):
                return False
            parts, seen, pick = await asyncio.to_thread(self.compose, chat_id, settings)  # off the event loop
            shown = (pick[1].doc_id, pick[1].number) if pick else None
            record = self.chats.begin_digest(chat_id, day, parts, seen, shown, reset_rotation=bool(pick and pick[2]))
            if record is None:  # another process recorded one meanwhile
                record = self.chats.digest(chat_id, day)
        if record is None or record.status == "sent":
            return False
        await self._send_parts(record, send)
        return True

    async def _send_parts(self, record: DigestRecord, send: Send) -> None:
        for i in range(record.next_part, len(record.parts)):
            try:
                await send(record.chat_id, record.parts[i])
            except ChatGone:
                self.unsubscribe(record.chat_id)
                log.warning("chat %s is gone: digest %s abandoned, chat unsubscribed", record.chat_id, record.day)
                return
            self.chats.part_sent(record.chat_id, record.day, i + 1, done=i + 1 == len(record.parts))
        if not record.parts:
            self.chats.part_sent(record.chat_id, record.day, 0, done=True)

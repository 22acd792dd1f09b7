"""The daily digest: composing it, deciding when it is due, and sending it exactly once.

A chat's digest holds the documents added or changed since its last digest,
new occurrences of the phrases it watches (only in those documents), and
「今日一段」, a notable paragraph that rotates without repeats.  Scheduling
lives in the Telegram adapter (JobQueue.run_daily); this module only needs
a clock and a ``send`` coroutine, so tests drive it with a fake clock.

Delivery is *at least once*, not exactly once, and the window is this: a
part is ticked off in SQLite right after Telegram accepted it, so a kill
between Telegram's acceptance and that write (a few milliseconds), or an
acceptance whose answer was lost on the network, sends that one part again
on resume.  Telegram offers no idempotency key and no way to ask whether a
message was delivered, so the window cannot be closed from the bot's side;
it is kept to one part, and a digest is never composed or started twice.
A chat that blocked or removed the bot (``ChatGone``) is unsubscribed
instead of being retried.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from retrieval.analysis import fold
from retrieval.excerpt import citation, make_excerpt, match_spans
from retrieval.library import Library
from retrieval.model import Document, Paragraph

from .render import esc, marked, pack
from .store import ChatSettings, ChatStore, DigestRecord

log = logging.getLogger(__name__)

Send = Callable[[int, str], Awaitable[None]]
MAX_WATCH_HITS = 5


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


def _eligible(p: Paragraph) -> bool:
    """A paragraph worth a reader's minute: substantial, and quoting at least one formula."""
    return 80 <= len(p.text) <= 500 and "“" in p.text


def _order(chat_id: int, p: Paragraph) -> str:
    return hashlib.sha1(f"{chat_id}:{p.doc_id}:{p.number}".encode()).hexdigest()


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
        # The daily job and the catch-up job may run at once: one chat's digest
        # is composed and sent by one task at a time.
        self._locks: dict[int, asyncio.Lock] = {}

    def _lock(self, chat_id: int) -> asyncio.Lock:
        return self._locks.setdefault(chat_id, asyncio.Lock())

    def now(self) -> datetime:
        return self.clock().astimezone(self.tz)

    # --- composing ------------------------------------------------------------------

    def pick_paragraph(self, chat_id: int) -> tuple[Document, Paragraph, bool] | None:
        """The next 今日一段 for a chat; the flag says the rotation starts over."""
        lib = self.library()
        pool = sorted((p for p in lib.paragraphs if _eligible(p)), key=lambda p: _order(chat_id, p))
        if not pool:
            return None
        shown = self.chats.shown(chat_id)
        fresh = [p for p in pool if (p.doc_id, p.number) not in shown]
        reset = not fresh
        p = (fresh or pool)[0]
        return lib.doc_by_id[p.doc_id], p, reset

    def _doc_block(self, doc: Document) -> str:
        lib = self.library()
        text = "\n".join(p.text for p in doc.paragraphs[:40])
        keys = lib.analyzer.keywords(text, 6)
        first = doc.paragraphs[0]
        opening, _ = make_excerpt(first.text, [])
        lines = [f"<b>{esc(doc.title)}</b>（{esc(doc.date or '日期不详')}，{len(doc.paragraphs)} 段）"]
        if keys:
            lines.append("关键词：" + "、".join(esc(k) for k in keys))
        lines.append(f"开头：{esc(opening)}\n— <i>{esc(citation(doc, first))}</i>")
        return "\n".join(lines)

    def _watch_block(self, phrase: str, folded: str, new_docs: list[Document]) -> str:
        lib = self.library()
        hits = []
        ids = {d.doc_id for d in new_docs}
        for pos, _ in lib.find_phrase(folded):
            p = lib.paragraphs[pos]
            if p.doc_id in ids:
                hits.append(p)
        if not hits:
            return f"🔔 “{esc(phrase)}”：没有新的出处。"
        lines = [f"🔔 “{esc(phrase)}”：{len(hits)} 处新出处"]
        for p in hits[:MAX_WATCH_HITS]:
            spans = match_spans(p.text, [folded])
            excerpt, marks = make_excerpt(p.text, spans)
            lines.append(f"· {marked(excerpt, marks)}\n  <i>{esc(citation(lib.doc_by_id[p.doc_id], p))}</i>")
        if len(hits) > MAX_WATCH_HITS:
            lines.append(f"（另有 {len(hits) - MAX_WATCH_HITS} 处，可用 /phrase {esc(phrase)} 查看全部）")
        return "\n".join(lines)

    def compose(
        self, chat_id: int, settings: ChatSettings
    ) -> tuple[list[str], dict[str, str], tuple[Document, Paragraph, bool] | None]:
        """The digest's message parts, the document snapshot it brings the chat to, and 今日一段."""
        lib = self.library()
        day = self.now().date()
        new_docs = [d for d in lib.documents if settings.seen_docs.get(d.doc_id) != d.sha256]
        blocks = [f"📰 <b>每日摘要</b> · {day.isoformat()}"]
        if new_docs:
            blocks.append(f"<b>新增或更新的文档（{len(new_docs)}）</b>")
            blocks.extend(self._doc_block(d) for d in new_docs)
        else:
            blocks.append("自上次摘要以来，语料没有新增或更新的文档。")
        watches = self.chats.watches(chat_id)
        if watches:
            blocks.append("<b>关注的提法</b>")
            blocks.extend(self._watch_block(phrase, folded, new_docs) for phrase, folded in watches)
        pick = self.pick_paragraph(chat_id)
        if pick is not None:
            doc, p, _ = pick
            blocks.append(f"<b>今日一段</b>\n{esc(p.text)}\n— <i>{esc(citation(doc, p))}</i>")
        return pack(blocks), snapshot(lib), pick

    # --- sending ---------------------------------------------------------------------

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

    async def preview(self, chat_id: int) -> list[str]:
        """The digest as it would be now; changes no state (not the snapshot, not the rotation)."""
        settings = self.chats.settings(chat_id) or ChatSettings(chat_id, seen_docs=snapshot(self.library()))
        parts, _, _ = await asyncio.to_thread(self.compose, chat_id, settings)
        return parts

    async def run(self, chat_id: int, send: Send, force_day: str | None = None) -> bool:
        """Send today's digest if it is due and not yet (fully) sent; True when something was sent."""
        async with self._lock(chat_id):
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
            if record is None:
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

    async def catch_up(self, send: Send) -> int:
        """At start-up and on every tick: finish interrupted digests, send today's missed ones."""
        sent = 0
        today = self.now().date()
        for stale in self.chats.unfinished():
            if stale.day < (today - timedelta(days=1)).isoformat():
                self.chats.part_sent(stale.chat_id, stale.day, stale.next_part, done=True)
                continue  # older than yesterday: stale, closed without sending
            try:
                async with self._lock(stale.chat_id):
                    record = self.chats.digest(stale.chat_id, stale.day)  # re-read under the lock
                    if record is None or record.status == "sent":
                        continue
                    await self._send_parts(record, send)
                sent += 1
            except Exception:
                log.exception("resuming the digest for chat %s (%s) failed", stale.chat_id, stale.day)
        for settings in self.chats.subscribed():
            try:
                sent += int(await self.run(settings.chat_id, send))
            except Exception:
                log.exception("the digest for chat %s failed", settings.chat_id)
        return sent

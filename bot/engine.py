"""The conversation engine: a message in, replies out.  No Telegram here.

:class:`Engine` is the one object the adapters (Telegram, console) and the
tests talk to.  It checks who may use the bot, routes each command or
button to the handler for its concern and runs blocking work in worker
threads; it decides nothing else itself:

* :mod:`bot.handlers.answers` — questions, follow-ups, paging, sources, inline cards;
* :mod:`bot.handlers.fulltext` — 「全文」 and /full: a cited result's whole article as files;
* :mod:`bot.handlers.browse` — /help, /about, /docs, /outline;
* :mod:`bot.handlers.phrases` — /phrase, a listing that pages like an answer;
* :mod:`bot.handlers.subscriptions` — /digest and /watch settings;
* :mod:`bot.handlers.documents` — uploads and /remove (asked, then confirmed with a button).

What the adapter can do that the engine cannot (ask Telegram whether a
user administers a group, run document work in another process) is passed
to the constructor.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from datetime import datetime

from retrieval import Library, Searcher, open_library

from . import callbacks
from .chats import ChatStore
from .config import Settings
from .corpus import LiveCorpus
from .digest import DigestService
from .handlers.answers import MAX_REFS, Answers
from .handlers.browse import Browsing
from .handlers.documents import Documents, HeavyRunner, in_fresh_process
from .handlers.fulltext import FullTexts
from .handlers.phrases import Phrases
from .handlers.subscriptions import ChatAdmin, Subscriptions, no_chat_admins
from .messages import CallbackIn, Incoming, InlineCard, parse_command
from .removals import PendingRemovals
from .render import Reply, brief, esc
from .searchpool import SearchPool, default_processes
from .sessions import Sessions
from .store import Store
from .uploads import UploadJournal
from .views.answers import AnswerView

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 10_000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
STATE_KEEP_SECONDS = 30 * 86400  # sessions and finished digests older than this are pruned
REFUSAL = "抱歉，这个机器人只对指定的群组和成员开放。如需使用，请联系管理员。"


class Engine:
    refusal = REFUSAL

    def __init__(
        self,
        settings: Settings,
        library: Library | None = None,
        store: Store | None = None,
        clock: Callable[[], datetime] | None = None,
        chat_admin: ChatAdmin = no_chat_admins,
        run_heavy: HeavyRunner = in_fresh_process,
    ) -> None:
        self.settings = settings
        self.store = store or Store(settings.state_db)
        self.prune()
        self.secret = self.store.secret()  # signs and checks the buttons' callback data
        library = library or self._open_library(settings)
        self.corpus = LiveCorpus(library, self._search_pool(settings, library))
        self.sessions = Sessions(self.store)
        self.chats = ChatStore(self.store)
        self.digests = DigestService(self.chats, lambda: self.corpus.lib, settings.tz, clock)
        self.uploads = UploadJournal(self.store, settings.corpus_dir)
        idle = settings.session_idle_minutes * 60
        answer_view = AnswerView(self.secret, MAX_REFS)
        self.full = FullTexts(self.corpus, self.sessions, settings.corpus_dir, idle)
        self.answers = Answers(self.corpus, self.sessions, answer_view, idle, self.full.typed)
        self.phrases = Phrases(self.corpus, self.sessions, answer_view)
        self.browse = Browsing(self.corpus, self.secret, self.sessions)
        self.subscriptions = Subscriptions(self.chats, self.digests, self.corpus, settings, chat_admin)
        pending = PendingRemovals(self.store)
        self.documents = Documents(self.corpus, settings, self.uploads, pending, self.secret, run_heavy)

    @staticmethod
    def _search_pool(settings: Settings, library: Library) -> SearchPool | None:
        """Worker processes for searches when the corpus is large (or SEARCH_PROCESSES asks for them)."""
        n = settings.search_processes
        processes = default_processes(len(library.paragraphs)) if n is None else n
        if processes <= 0:
            return None
        pool = SearchPool(processes)
        pool.warm(library)
        log.info("searches run in %d worker processes", processes)
        return pool

    def close(self) -> None:
        """Stop the search workers; the state database stays open for whatever still writes to it."""
        self.corpus.close()

    @staticmethod
    def _open_library(settings: Settings) -> Library:
        """The corpus's library, and one line saying whether its index was loaded or built (and how long it took)."""
        library = open_library(settings.corpus_dir, settings.cache_dir)
        how = "loaded from the cache" if library.info.from_cache else "built or brought up to date"
        log.info(
            "index of %s: %d documents, %d paragraphs, %s in %.2f s (cache %s)",
            settings.corpus_dir,
            len(library.documents),
            len(library.paragraphs),
            how,
            library.info.seconds,
            settings.cache_dir,
        )
        return library

    @property
    def lib(self) -> Library:
        return self.corpus.lib

    @property
    def searcher(self) -> Searcher:
        return self.corpus.searcher

    def prune(self) -> dict[str, int]:
        return self.store.prune(STATE_KEEP_SECONDS)

    # --- who may use the bot ------------------------------------------------------

    def allowed(self, chat_id: int, user_id: int) -> bool:
        s = self.settings
        if s.allowed_chat_ids and chat_id not in s.allowed_chat_ids and user_id not in s.admin_user_ids:
            return False
        return not (s.allowed_user_ids and user_id not in s.allowed_user_ids and user_id not in s.admin_user_ids)

    def inline_allowed(self, user_id: int) -> bool:
        """Inline queries come with no chat, so a chat allow-list cannot vouch for them: only listed users."""
        s = self.settings
        if user_id in s.admin_user_ids:
            return True
        if s.allowed_user_ids:
            return user_id in s.allowed_user_ids
        return not s.allowed_chat_ids

    # --- messages -------------------------------------------------------------------

    async def handle_message(self, msg: Incoming) -> list[Reply]:
        if not msg.addressed:
            return []  # ordinary chatter in a group, or a command for another bot
        if not self.allowed(msg.chat_id, msg.user_id):
            return [Reply(self.refusal)]
        # Control characters (NUL, an ANSI escape) are nobody's words: they would be echoed into the
        # page header and the terminal.  Line breaks and tabs stay.
        text = _CONTROL.sub("", msg.text or "").strip()
        notice = ""
        if len(text) > MAX_MESSAGE_CHARS:
            text = text[:MAX_MESSAGE_CHARS]
            notice = f"（消息过长，只使用了前 {MAX_MESSAGE_CHARS} 个字符。）\n"
        command = parse_command(text)
        if command is not None:
            if command[0] not in ("docs", "more"):
                self.browse.leave(msg.chat_id, msg.user_id)
            replies = await self.command(msg, *command)
        else:
            # Searches run in a worker thread so that other chats are answered meanwhile.
            replies = await asyncio.to_thread(self._typed, msg, text)
        if notice and replies:
            replies[0].html = notice + replies[0].html
        return replies

    def _typed(self, msg: Incoming, text: str) -> list[Reply]:
        """A message that is no command: 下一页 right after /docs turns the list, anything else is answered.

        Blocking (the corpus, SQLite): run in a worker thread.
        """
        paged = self.browse.typed_paging(msg.chat_id, msg.user_id, text)
        return [paged] if paged is not None else self.answers.question(msg, text, None)

    async def command(self, msg: Incoming, name: str, args: str) -> list[Reply]:
        # Everything that searches or scans the corpus runs in a worker thread.
        answers, browse = self.answers, self.browse
        if name in ("start", "help"):
            return [await asyncio.to_thread(browse.help)]
        if name in ("ask", "q"):
            if not args:
                return [Reply("用法：<code>/ask 问题</code>，例如 <code>/ask 四个机关指的是哪四个机关</code>")]
            return await asyncio.to_thread(answers.question, msg, args, "new")
        if name == "more":
            return await asyncio.to_thread(self._typed, msg, "更多")
        if name == "source":
            if not (args.isdigit() and args.isascii()):
                return [
                    Reply("用法：<code>/source 序号</code>，例如 <code>/source 2</code> 查看上一次回答第 2 条的原文。")
                ]
            # int() of thousands of digits trips Python's digit limit; no answer has that many results.
            rank = int(args) if len(args) <= 6 else 10**6
            return [await asyncio.to_thread(answers.source_by_rank, msg, rank)]
        if name == "full":
            if not (args.isdigit() and args.isascii()):
                usage = "用法：<code>/full 序号</code>，例如 <code>/full 2</code> 获取上一次回答第 2 条所在文章的全文。"
                return [Reply(usage)]
            rank = int(args) if len(args) <= 6 else 10**6
            # Reading the original and encoding a long article are file work: off the event loop.
            return [await asyncio.to_thread(self.full.by_rank, msg, rank)]
        if name == "phrase":
            return await asyncio.to_thread(self.phrases.listing, msg, args)
        if name == "docs":
            return [await asyncio.to_thread(browse.docs_command, msg.chat_id, msg.user_id)]
        if name == "outline":
            return await asyncio.to_thread(browse.outline, args)
        if name == "about":
            return [browse.about()]
        if name == "digest":
            return await self.subscriptions.digest(msg, args)
        if name in ("watch", "unwatch", "watching"):
            return await self.subscriptions.watch(msg, name, args)
        if name == "remove":
            return await self.documents.remove(msg, args)
        return [Reply(f"不认识的命令 /{esc(brief(name, 40))}。发送 /help 查看用法。")]

    # --- buttons and inline mode ---------------------------------------------------------

    async def handle_callback(self, cb: CallbackIn) -> Reply:
        if not self.allowed(cb.chat_id, cb.user_id):
            return Reply("", notice="没有使用权限")
        try:
            kind, args = callbacks.decode(self.secret, cb.chat_id, cb.data)
        except callbacks.BadCallback:
            return Reply("", notice="无效的按钮")
        if kind == "d" and len(args) == 1:
            return await asyncio.to_thread(self.browse.docs_page, args[0], cb.chat_id, True, cb.user_id)
        if kind == "f":
            return await asyncio.to_thread(self.full.on_button, cb.chat_id, args)
        if kind == "q" and len(args) == 1:
            return await asyncio.to_thread(self.answers.as_new, cb.chat_id, cb.user_id, args[0])
        if kind == "r":
            if len(args) != 2 or args[1] not in (0, 1):
                return Reply("", notice="无效的按钮")
            return await self.documents.on_confirm(cb.chat_id, cb.user_id, args[0], args[1] == 1)
        return await asyncio.to_thread(self.answers.on_button, cb.chat_id, kind, args)

    async def inline(self, user_id: int, query: str) -> list[InlineCard]:
        if not self.inline_allowed(user_id):
            return []
        return await asyncio.to_thread(self.answers.inline, query[:MAX_MESSAGE_CHARS])

    # --- documents ---------------------------------------------------------------------

    def upload_refusal(self, user_id: int, chat_type: str, filename: str, size: int | None) -> str:
        """Why an upload cannot be accepted before it is downloaded, or "" when it may proceed."""
        return self.documents.refusal(user_id, chat_type, filename, size)

    async def add_document(
        self, user_id: int, chat_type: str, filename: str, data: bytes, chat_id: int | None = None
    ) -> list[Reply]:
        return await self.documents.add(user_id, chat_type, filename, data, chat_id)

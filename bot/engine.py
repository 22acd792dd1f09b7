"""The conversation engine: a message in, replies out.  No Telegram here.

The Telegram and console adapters translate their own objects into
:class:`Incoming` / :class:`CallbackIn` and send the :class:`Reply` objects
back; everything a user can do — questions, follow-ups, paging, sources,
phrase look-ups, document lists — is decided here, so both adapters behave
the same and tests need no network.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import multiprocessing
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from retrieval.analysis import fold
from retrieval.convert import FORMATS
from retrieval.excerpt import citation, match_spans
from retrieval.ingest import IngestError
from retrieval.library import Library
from retrieval.manage import add_and_index, open_library, remove_and_index
from retrieval.search import QueryError, Searcher

from . import callbacks
from .config import Settings
from .digest import DigestService, parse_time, snapshot
from .followup import read_message
from .render import Button, Reply, brief, esc, marked, pack
from .store import ChatSettings, ChatStore, Session, Store
from .uploads import UploadJournal

log = logging.getLogger(__name__)
T = TypeVar("T")

PAGE = 3
MAX_REFS = 30
MAX_MESSAGE_CHARS = 10_000
SESSION_KEEP_DAYS = 30
NO_ANSWER = "文档中没有找到直接回答这个问题的内容。"
RELATED = "以下是语料中最接近的段落，仅供参考，并非答案："
DOCS_PAGE = 20  # 20 entries of at most ~190 characters stay below the message limit


@dataclass
class Incoming:
    chat_id: int
    user_id: int
    text: str
    chat_type: str = "private"  # private | group | supergroup | channel
    addressed: bool = True  # in groups: a command for this bot, a mention, or a reply to it
    reply_to_bot: bool = False


@dataclass
class CallbackIn:
    chat_id: int
    user_id: int
    data: str


@dataclass
class InlineCard:
    id: str
    title: str
    description: str
    html: str


# The bot's commands and their descriptions (registered with Telegram at start-up).
COMMANDS = {
    "start": "开始使用",
    "help": "用法和示例",
    "ask": "提问",
    "q": "提问（简写）",
    "more": "下一页",
    "source": "查看第 N 条结果的原文",
    "phrase": "一个提法的全部出处",
    "docs": "文档列表",
    "outline": "文档结构",
    "about": "关于",
    "digest": "每日摘要：/digest on 08:30 · off · now",
    "watch": "关注一个提法（摘要中报告新出处）",
    "unwatch": "取消关注",
    "watching": "关注列表",
    "remove": "移除文档（管理员）",
}


class Scheduler(Protocol):
    """What the engine needs from a scheduler: the Telegram adapter implements it with JobQueue."""

    def schedule(self, chat_id: int, hour: int, minute: int) -> None: ...

    def cancel(self, chat_id: int) -> None: ...


class NoScheduler:
    def schedule(self, chat_id: int, hour: int, minute: int) -> None:
        pass

    def cancel(self, chat_id: int) -> None:
        pass


async def _no_admin(chat_id: int, user_id: int) -> bool:
    return False


_COMMAND = re.compile(r"^/([A-Za-z_]+)(?:@(\w+))?(?:\s+(.*))?$", re.DOTALL)


class Engine:
    def __init__(
        self,
        settings: Settings,
        library: Library | None = None,
        store: Store | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store or Store(settings.state_db)
        self.secret = self.store.secret()
        lib = library or open_library(settings.corpus_dir, settings.cache_dir)
        self.searcher = Searcher(lib)
        self.bot_username = ""
        self.store.prune(SESSION_KEEP_DAYS * 86400)
        self.chats = ChatStore(self.store)
        self.digests = DigestService(self.chats, lambda: self.lib, settings.tz, clock)
        self.scheduler: Scheduler = NoScheduler()
        # Whether a user administers a group chat (Telegram: getChatMember); set by the adapter.
        self.chat_admin: Callable[[int, int], Awaitable[bool]] = _no_admin
        self._rebuild = asyncio.Lock()
        # Loading a rebuilt library gets a thread of its own, so it never takes the
        # default pool's threads that answer questions (conversion and indexing run in a process).
        self._documents = ThreadPoolExecutor(max_workers=1, thread_name_prefix="documents")
        self.uploads = UploadJournal(self.store, settings.corpus_dir)

    @property
    def lib(self) -> Library:
        return self.searcher.lib

    def set_library(self, library: Library) -> None:
        """Swap in a rebuilt library; a single assignment, so a query sees the old or the new one."""
        self.searcher = Searcher(library)

    # --- entry points ------------------------------------------------------------

    refusal = "抱歉，这个机器人只对指定的群组和成员开放。如需使用，请联系管理员。"

    def allowed(self, chat_id: int, user_id: int) -> bool:
        s = self.settings
        if s.allowed_chat_ids and chat_id not in s.allowed_chat_ids and user_id not in s.admin_user_ids:
            return False
        return not (s.allowed_user_ids and user_id not in s.allowed_user_ids and user_id not in s.admin_user_ids)

    async def handle_message(self, msg: Incoming) -> list[Reply]:
        group = msg.chat_type in ("group", "supergroup")
        if group and not msg.addressed:
            return []  # ordinary chatter in a group is not for us
        if not self.allowed(msg.chat_id, msg.user_id):
            return [Reply(self.refusal)]
        text = (msg.text or "").strip()
        if self.bot_username:
            text = re.sub(rf"@{re.escape(self.bot_username)}\b", " ", text, flags=re.IGNORECASE).strip()
        notice = ""
        if len(text) > MAX_MESSAGE_CHARS:
            text = text[:MAX_MESSAGE_CHARS]
            notice = f"（消息过长，只使用了前 {MAX_MESSAGE_CHARS} 个字符。）\n"
        m = _COMMAND.match(text)
        if m:
            target = m.group(2)
            if target and self.bot_username and target.lower() != self.bot_username.lower():
                return []  # a command for another bot
            replies = await self.command(msg, m.group(1).lower(), (m.group(3) or "").strip())
        else:
            # Searches run in a worker thread so that other chats are answered meanwhile.
            replies = await asyncio.to_thread(self.question, msg, text, None)
        if notice and replies:
            replies[0].html = notice + replies[0].html
        return replies

    async def command(self, msg: Incoming, name: str, args: str) -> list[Reply]:
        # Everything that searches or scans the corpus runs in a worker thread (asyncio.to_thread).
        if name in ("start", "help"):
            return [await asyncio.to_thread(self.help)]
        if name in ("ask", "q"):
            if not args:
                return [Reply("用法：<code>/ask 问题</code>，例如 <code>/ask 四个机关指的是哪四个机关</code>")]
            return await asyncio.to_thread(self.question, msg, args, "new")
        if name == "more":
            return await asyncio.to_thread(self.question, msg, "更多", None)
        if name == "source":
            rank = args.strip()
            if not (rank.isdigit() and rank.isascii()):
                return [
                    Reply("用法：<code>/source 序号</code>，例如 <code>/source 2</code> 查看上一次回答第 2 条的原文。")
                ]
            # int() of thousands of digits trips Python's digit limit; no answer has that many results.
            return [await asyncio.to_thread(self.source_by_rank, msg, int(rank) if len(rank) <= 6 else 10**6)]
        if name == "phrase":
            return await asyncio.to_thread(self.phrase, args)
        if name == "docs":
            return [await asyncio.to_thread(self.docs_page, 0, msg.chat_id, False)]
        if name == "outline":
            return await asyncio.to_thread(self.outline, args)
        if name == "about":
            return [self.about()]
        if name == "digest":
            return await self.digest_command(msg, args)
        if name in ("watch", "unwatch", "watching"):
            return await self.watch_command(msg, name, args)
        if name == "remove":
            return await self.remove_document(msg, args)
        return [Reply(f"不认识的命令 /{esc(brief(name, 40))}。发送 /help 查看用法。")]

    # --- questions ---------------------------------------------------------------

    def _is_place(self, word: str) -> bool:
        if len(word) >= 3 and word[-1] in "市县区省":
            return True
        return len(word) >= 2 and bool(self.lib.find_phrase(word + "市")[:1])

    def question(self, msg: Incoming, text: str, reading: str | None) -> list[Reply]:
        idle = self.settings.session_idle_minutes * 60
        prev = self.store.current(msg.chat_id, msg.user_id, idle)
        if reading == "new":
            how = read_message(text, False, False, self.lib.analyzer, self._is_place)
        else:
            how = read_message(
                text, prev is not None, msg.reply_to_bot, self.lib.analyzer, self._is_place, prev.query if prev else ""
            )
        if how.kind == "more":
            if prev is None:
                return [Reply("没有可以继续翻页的回答，请先提一个问题。")]
            return [self.page(prev, prev.offset + PAGE, edit=False)]
        if how.kind == "source":
            return [self.source_by_rank(msg, how.rank)]
        query = how.query
        try:
            result = self.searcher.search(query, top=PAGE, depth=MAX_REFS, collapse=True)
        except QueryError as exc:
            return [Reply(esc(str(exc)))]
        if not result.ranked:
            lines = [f"没有找到与“{esc(brief(query))}”相关的段落。"]
            if result.query.filters:
                lines.append("已应用筛选：" + esc("；".join(result.query.filters)))
            if result.suggestions:
                lines.append("语料中相近的词：" + "、".join(f"<code>{esc(s)}</code>" for s in result.suggestions))
            lines.append("可以换个说法，或用 /docs 查看有哪些文档。")
            return [Reply("\n".join(lines))]
        session = Session(
            sid=0,
            chat_id=msg.chat_id,
            user_id=msg.user_id,
            query=query,
            asked=brief(text),  # echoed in every page header
            refs=[(p.doc_id, p.number) for p in (self.lib.paragraphs[pos] for pos, _ in result.ranked)],
            terms=result.terms,
            understood=brief(how.understood),
            filters=result.query.filters + result.query.notices,
            answered=result.answered,
            windows=[result.windows.get(pos) for pos, _ in result.ranked],
            also=[[self._cite(p) for p in result.also.get(pos, [])] for pos, _ in result.ranked],
        )
        self.store.new_session(session)
        return [self.page(session, 0, edit=False)]

    def _hit_block(self, session: Session, rank: int) -> str | None:
        doc_id, number = session.refs[rank - 1]
        pos = self.lib.position(doc_id, number)
        if pos is None:
            return None
        window = session.windows[rank - 1] if rank <= len(session.windows) else None
        hit = self.searcher.make_hit(pos, 0.0, rank, session.terms, window)
        # "[1]" rather than "1." so that numbered items in the excerpt ("2. 依托…") stay unambiguous.
        label = f"[{rank}]" if session.answered else f"[相关 {rank}]"
        block = f"<b>{label}</b> {marked(hit.excerpt, hit.marks)}\n— <i>{esc(hit.citation)}</i>"
        twins = session.also[rank - 1] if rank <= len(session.also) else []
        if twins:
            block += "\n（内容相近，另见：" + esc("；".join(twins)) + "）"
        return block

    def _cite(self, pos: int) -> str:
        p = self.lib.paragraphs[pos]
        return citation(self.lib.doc_by_id[p.doc_id], p)

    def page(self, session: Session, offset: int, edit: bool) -> Reply:
        total = len(session.refs)
        if offset >= total:
            return Reply(f"“{esc(session.asked)}”的 {total} 条结果已全部显示。", edit=False, notice="已经是最后一页")
        offset = max(0, offset)
        head = []
        if not session.answered:
            # Said first, before anything that looks like an answer: people quote what the bot shows.
            head.append(f"⚠️ {NO_ANSWER}")
        head.append(f"🔎 <b>{esc(session.asked)}</b>")
        if session.understood:
            head.append(f"（按“{esc(session.understood)}”理解）")
        if session.filters:
            head.append("筛选：" + esc("；".join(session.filters)))
        if not session.answered:
            head.append(RELATED)
        blocks = ["\n".join(head)]
        shown = []
        for rank in range(offset + 1, min(total, offset + PAGE) + 1):
            block = self._hit_block(session, rank)
            if block:
                blocks.append(block)
                shown.append(rank)
        blocks.append(f"第 {offset + 1}–{offset + len(shown)} 条，共 {total} 条")
        session.offset = offset
        self.store.save_session(session)
        buttons: list[list[Button]] = []
        if offset + PAGE < total:
            buttons.append(
                [Button("更多", callbacks.encode(self.secret, session.chat_id, "m", session.sid, offset + PAGE))]
            )
        if shown:
            buttons.append(
                [
                    Button(f"原文 {r}", callbacks.encode(self.secret, session.chat_id, "s", session.sid, r))
                    for r in shown
                ]
            )
        # Three excerpts of at most ~200 characters and their citations stay far below the limit.
        return Reply("\n\n".join(blocks), buttons, edit=edit)

    def source_by_rank(self, msg: Incoming, rank: int) -> Reply:
        prev = self.store.current(msg.chat_id, msg.user_id, self.settings.session_idle_minutes * 60)
        if prev is None:
            return Reply("没有可以查看原文的回答，请先提一个问题。")
        if not 1 <= rank <= len(prev.refs):
            return Reply(f"上一次回答只有 {len(prev.refs)} 条结果，请用 1 到 {len(prev.refs)} 之间的序号。")
        return self.source_view(prev, rank, prev.refs[rank - 1][1], edit=False)

    def source_view(self, session: Session, rank: int, number: int, edit: bool) -> Reply:
        doc_id = session.refs[rank - 1][0]
        doc = self.lib.doc_by_id.get(doc_id)
        if doc is None or not 1 <= number <= len(doc.paragraphs):
            return Reply("这段原文已不在语料中（文档可能已被移除）。", edit=edit, notice="原文已不存在")
        p = doc.paragraphs[number - 1]
        spans = match_spans(p.text, session.terms)
        body = marked(p.text, spans)
        where = f"<code>{esc(doc.doc_id)}</code> 第 {p.line_start}–{p.line_end} 行"
        html = f"📄 <i>{esc(citation(doc, p))}</i>\n\n{body}\n\n{where}"
        row = []
        if number > 1:
            row.append(Button("上一段", callbacks.encode(self.secret, session.chat_id, "p", session.sid, rank, number)))
        if number < len(doc.paragraphs):
            row.append(Button("下一段", callbacks.encode(self.secret, session.chat_id, "n", session.sid, rank, number)))
        row.append(Button("返回", callbacks.encode(self.secret, session.chat_id, "b", session.sid)))
        pieces = pack([html])
        return Reply(pieces[0], [row], edit=edit)

    # --- buttons -------------------------------------------------------------------

    async def handle_callback(self, cb: CallbackIn) -> Reply:
        if not self.allowed(cb.chat_id, cb.user_id):
            return Reply("", notice="没有使用权限")
        try:
            kind, args = callbacks.decode(self.secret, cb.chat_id, cb.data)
        except callbacks.BadCallback:
            return Reply("", notice="无效的按钮")
        if kind == "d" and len(args) == 1:
            return await asyncio.to_thread(self.docs_page, args[0], cb.chat_id, True)
        session = self.store.session(args[0]) if args else None
        if session is None or session.chat_id != cb.chat_id:
            return Reply("", notice="这个按钮已过期，请重新提问")
        if kind == "m" and len(args) == 2:
            return self.page(session, args[1], edit=True)
        if kind == "b" and len(args) == 1:
            return self.page(session, session.offset, edit=True)
        if kind in ("s", "p", "n") and 2 <= len(args) <= 3:
            rank = args[1]
            if not 1 <= rank <= len(session.refs):
                return Reply("", notice="这个按钮已过期，请重新提问")
            if kind == "s":
                number = session.refs[rank - 1][1]
            elif len(args) == 3:
                number = args[2] - 1 if kind == "p" else args[2] + 1
            else:
                return Reply("", notice="无效的按钮")
            return self.source_view(session, rank, number, edit=True)
        return Reply("", notice="无效的按钮")

    # --- inline mode -----------------------------------------------------------------

    def inline_allowed(self, user_id: int) -> bool:
        """Inline queries come with no chat, so a chat allow-list cannot vouch for them: only listed users."""
        s = self.settings
        if user_id in s.admin_user_ids:
            return True
        if s.allowed_user_ids:
            return user_id in s.allowed_user_ids
        return not s.allowed_chat_ids

    async def inline(self, user_id: int, query: str) -> list[InlineCard]:
        if not self.inline_allowed(user_id):
            return []
        try:
            result = await asyncio.to_thread(self.searcher.search, query[:MAX_MESSAGE_CHARS], top=10)
        except QueryError:
            return []
        cards = []
        for hit in result.hits:
            plain = hit.excerpt
            cards.append(
                InlineCard(
                    id=f"{hit.doc_id[:40]}:{hit.paragraph}",
                    title=("" if result.answered else "相关：") + f"{hit.doc_title[:40]} · 第{hit.paragraph}段",
                    description=plain[:120],
                    html=f"{marked(hit.excerpt, hit.marks)}\n— <i>{esc(hit.citation)}</i>",
                )
            )
        return cards

    # --- digests and watched phrases ---------------------------------------------------

    async def may_configure(self, msg: Incoming) -> bool:
        """In groups only chat administrators (or the bot's admins) change settings."""
        if msg.chat_type not in ("group", "supergroup") or msg.user_id in self.settings.admin_user_ids:
            return True
        try:
            return await self.chat_admin(msg.chat_id, msg.user_id)
        except Exception:
            log.warning("admin check failed for chat %s user %s", msg.chat_id, msg.user_id, exc_info=True)
            return False

    def _chat_settings(self, chat_id: int) -> ChatSettings:
        return self.chats.settings(chat_id) or ChatSettings(chat_id, seen_docs=snapshot(self.lib))

    async def digest_command(self, msg: Incoming, args: str) -> list[Reply]:
        words = args.split()
        action = words[0].lower() if words else ""
        current = self._chat_settings(msg.chat_id)
        if action == "now":
            parts = await self.digests.preview(msg.chat_id)
            parts[0] = "（预览，不影响每日推送）\n" + parts[0]
            return [Reply(p) for p in parts]
        if action in ("on", "off"):
            if not await self.may_configure(msg):
                return [Reply("只有群管理员可以更改本群的摘要设置。")]
            if action == "off":
                current.digest_on = False
                self.chats.save_settings(current)
                self.scheduler.cancel(msg.chat_id)
                return [Reply("已关闭每日摘要。")]
            when = parse_time(words[1]) if len(words) > 1 else parse_time(current.digest_time)
            if when is None:
                return [Reply("时间格式应为 HH:MM，例如 <code>/digest on 08:30</code>。")]
            hour, minute = when
            if not current.digest_on:
                current.seen_docs = snapshot(self.lib)  # report what arrives from now on
            current.digest_on = True
            current.digest_time = f"{hour:02d}:{minute:02d}"
            current.start_day = self.digests.start_day(hour, minute)
            self.chats.save_settings(current)
            self.scheduler.schedule(msg.chat_id, hour, minute)
            return [Reply(f"已开启每日摘要：每天 {current.digest_time}（{esc(self.settings.timezone)}）推送。")]
        if action:
            return [
                Reply(
                    "用法：<code>/digest on [HH:MM]</code>、<code>/digest off</code>、"
                    "<code>/digest now</code>、<code>/digest</code>"
                )
            ]
        watches = self.chats.watches(msg.chat_id)
        state = f"开启，每天 {current.digest_time}（{esc(self.settings.timezone)}）" if current.digest_on else "关闭"
        lines = [f"<b>每日摘要</b>：{state}", f"关注的提法：{len(watches)} 个（/watching 查看）"]
        lines.append(
            "用 <code>/digest on 08:30</code> 开启，<code>/digest off</code> 关闭，<code>/digest now</code> 预览。"
        )
        return [Reply("\n".join(lines))]

    async def watch_command(self, msg: Incoming, name: str, args: str) -> list[Reply]:
        if name == "watching":
            watches = self.chats.watches(msg.chat_id)
            if not watches:
                return [Reply("还没有关注任何提法。用 <code>/watch 短语</code> 添加。")]
            return [Reply("关注的提法：\n" + "\n".join(f"• {esc(p)}" for p, _ in watches))]
        phrase = args.strip().strip('“”"「」')
        folded = fold(phrase)
        if not folded or not any(ch.isalnum() for ch in folded):
            return [Reply(f"用法：<code>/{name} 短语</code>，例如 <code>/{name} 全过程人民民主</code>")]
        if len(phrase) > 50:
            return [Reply("要关注的提法太长了（最多 50 个字）。")]
        if not await self.may_configure(msg):
            return [Reply("只有群管理员可以更改本群的关注设置。")]
        if name == "watch":
            if len(self.chats.watches(msg.chat_id)) >= 50:
                return [Reply("每个会话最多关注 50 个提法。")]
            added = self.chats.watch(msg.chat_id, phrase, folded)
            if not added:
                return [Reply(f"已经在关注“{esc(phrase)}”。")]
            return [Reply(f"已关注“{esc(phrase)}”。新文档中出现它时，会在每日摘要中报告。")]
        removed = self.chats.unwatch(msg.chat_id, folded)
        return [Reply(f"已取消关注“{esc(phrase)}”。" if removed else f"没有关注“{esc(phrase)}”。")]

    # --- documents at run time ----------------------------------------------------------

    def upload_refusal(self, user_id: int, chat_type: str, filename: str, size: int | None) -> str:
        """Why an upload cannot be accepted before it is downloaded, or "" when it may proceed."""
        if user_id not in self.settings.admin_user_ids:
            return "只有管理员可以添加文档。"
        if chat_type != "private":
            return "请在与机器人的私聊中发送文件。"
        suffix = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
        if suffix not in FORMATS:
            return f"不支持的文件类型 {esc(suffix or '（无扩展名）')}：请发送 .txt、.md、.docx、.pdf 或 .html。"
        limit = self.settings.max_upload_mb * 1024 * 1024
        if size is not None and size > limit:
            return f"文件过大（{size / 1048576:.1f} MB），上限是 {self.settings.max_upload_mb} MB。"
        return ""

    async def _in_document_thread(self, fn: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._documents, functools.partial(fn, *args))

    async def _in_document_process(self, fn: Callable[..., T], *args: object) -> T:
        """Run CPU-heavy document work (conversion, segmentation, indexing) in a fresh process.

        In a thread it would hold the GIL and make every other chat's answer
        several times slower; a process uses the other core.  Spawned (a fork
        of a process with threads and an open database is unsafe) and closed
        after the job: uploads are rare, idle workers would hold memory.
        """
        loop = asyncio.get_running_loop()
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
            return await loop.run_in_executor(pool, functools.partial(fn, *args))

    async def _reload(self) -> Library:
        """Rebuild the index in a worker thread; questions keep using the old one until it is ready."""
        lib = await self._in_document_thread(open_library, self.settings.corpus_dir, self.settings.cache_dir)
        self.set_library(lib)
        return lib

    async def add_document(
        self, user_id: int, chat_type: str, filename: str, data: bytes, chat_id: int | None = None
    ) -> list[Reply]:
        refusal = self.upload_refusal(user_id, chat_type, filename, len(data))
        if refusal:
            return [Reply(refusal)]
        async with self._rebuild:
            # Journaled, so that an upload cut off by a crash is reported to its admin at the next start.
            self.uploads.begin(user_id, user_id if chat_id is None else chat_id, filename)
            try:
                added = await self._in_document_process(
                    add_and_index,
                    self.settings.corpus_dir,
                    self.settings.cache_dir,
                    filename,
                    data,
                    self.settings.max_upload_mb * 1024 * 1024,
                )
            except IngestError as exc:
                self.uploads.end()
                return [Reply(f"没有添加 {esc(filename)}：{esc(str(exc))}。语料和索引保持不变。")]
            except Exception:
                self.uploads.end()  # the admin is told now (error notice), not again at the next start
                raise
            try:
                lib = await self._reload()
            finally:
                self.uploads.end()
        doc = lib.doc_by_id.get(added.document.doc_id, added.document)
        lines = [
            f"已添加 <b>{esc(doc.title)}</b>",
            f"编号 <code>{esc(lib.short_id(doc.doc_id))}</code> · 日期 {esc(doc.date or '不详')}"
            f" · {len(doc.paragraphs)} 段",
        ]
        lines += [f"⚠️ {esc(w)}" for w in doc.warnings]
        lines.append(f"现在共有 {len(lib.documents)} 篇文档、{len(lib.paragraphs)} 个段落。")
        return [Reply("\n".join(lines))]

    async def remove_document(self, msg: Incoming, ref: str) -> list[Reply]:
        if msg.user_id not in self.settings.admin_user_ids:
            return [Reply("只有管理员可以移除文档。")]
        if not ref:
            return [Reply("用法：<code>/remove 文档编号</code>，编号见 /docs。")]
        docs = self.lib.resolve_doc(ref.strip())
        if len(docs) != 1:
            return [Reply(f"没有唯一匹配“{esc(brief(ref))}”的文档。用 /docs 查看编号。")]
        doc = docs[0]
        async with self._rebuild:
            try:
                await self._in_document_process(
                    remove_and_index, self.settings.corpus_dir, self.settings.cache_dir, doc.doc_id
                )
            except (KeyError, OSError):
                return [Reply(f"无法移除“{esc(doc.title)}”：源文件不在语料目录中。")]
            lib = await self._reload()
        return [Reply(f"已移除 <b>{esc(doc.title)}</b>。现在共有 {len(lib.documents)} 篇文档。")]

    # --- reference commands ----------------------------------------------------------

    def help(self) -> Reply:
        docs = self.lib.documents
        # Examples must work on the corpus actually loaded: the most quoted
        # formula found in it.
        term = self._example_term()
        doc_hint = self.lib.short_id(docs[0].doc_id) if docs else "000"
        lines = [
            "<b>政策文件问答</b>：在语料中查找原文段落，每条都注明出处（文档 › 文章 › 章节 › 段落）。",
            "",
            "直接提问，例如：",
            f"• <code>{esc(term)}指的是什么</code>",
            "• <code>六个必须坚持包括哪些内容</code>",
            "• <code>無錫市設立了什麼民主實踐平臺</code>（繁体、全角也可以）",
            "",
            "追问：<code>那镇江呢？</code>、<code>谁主持的？</code>、<code>更多</code>、<code>第二条原文</code>；也可以直接回复机器人的消息。",
            "",
            "命令：",
            "/ask 问题（/q）— 提问（群里用 /ask@机器人 或 @机器人）",
            "/more — 下一页",
            "/source 序号 — 查看第 N 条的原文和上下段",
            f"/phrase 短语 — 逐条列出一个提法的全部出处，按文档日期排列，例如 <code>/phrase {esc(term)}</code>",
            "/docs — 文档列表",
            f"/outline 文档 — 文档结构，例如 <code>/outline {esc(doc_hint)}</code>",
            "/about — 关于",
            "",
            f"用引号查精确短语：<code>“{esc(term)}”</code>；"
            f"限定文档或年份：<code>doc:{esc(doc_hint)} 代表小组</code>、<code>2022年 人大工作会议</code>。",
        ]
        return Reply("\n".join(lines))

    def _example_term(self) -> str:
        best, best_count = "四个机关", 0
        for candidate in self.lib.analyzer.domain_terms[:200]:
            count = len(self.lib.find_phrase(candidate)[:50])
            if count > best_count:
                best, best_count = candidate, count
        return best

    def about(self) -> Reply:
        lib = self.lib
        return Reply(
            "<b>关于</b>\n"
            f"语料：{len(lib.documents)} 篇文档，{len(lib.paragraphs)} 个段落，{lib.index.n_terms} 个词项。\n"
            "检索：jieba 分词 + BM25（与 rank-bm25 的 BM25Okapi 一致），繁简、全半角统一匹配，摘录保留原文。\n"
            "每条结果都注明文档、文章、章节和段落序号，可用 /source 查看原文。"
        )

    def docs(self) -> list[Reply]:
        return [self.docs_page(0, chat_id=None, edit=False)]

    def docs_page(self, offset: int, chat_id: int | None, edit: bool) -> Reply:
        """One page of the document list, with 「上一页」「下一页」: a large corpus is one message, not dozens."""
        docs = self.lib.documents
        offset = max(0, min(offset, max(0, len(docs) - 1) // DOCS_PAGE * DOCS_PAGE))
        shown = docs[offset : offset + DOCS_PAGE]
        head = f"<b>文档列表</b>（共 {len(docs)} 篇）"
        if len(docs) > DOCS_PAGE:
            head += f" 第 {offset + 1}–{offset + len(shown)} 篇"
        lines = [head]
        for d in shown:
            lines.append(
                f"• <code>{esc(self.lib.short_id(d.doc_id))}</code> {esc(d.title[:80])}"
                f" — {esc(d.date or '日期不详')}，{len(d.paragraphs)} 段"
            )
        lines.append("\n用 <code>/outline 编号</code> 查看结构，用 <code>doc:编号</code> 限定检索范围。")
        row = []
        if chat_id is not None and offset > 0:
            row.append(Button("上一页", callbacks.encode(self.secret, chat_id, "d", offset - DOCS_PAGE)))
        if chat_id is not None and offset + DOCS_PAGE < len(docs):
            row.append(Button("下一页", callbacks.encode(self.secret, chat_id, "d", offset + DOCS_PAGE)))
        return Reply("\n".join(lines), [row] if row else [], edit=edit)

    def outline(self, ref: str) -> list[Reply]:
        if not ref:
            return [Reply("用法：<code>/outline 文档编号</code>，编号见 /docs。")]
        docs = self.lib.resolve_doc(ref)
        if len(docs) != 1:
            return [Reply(f"没有唯一匹配“{esc(brief(ref))}”的文档。用 /docs 查看编号。")]
        d = docs[0]
        lines = [f"<b>{esc(d.title)}</b>", f"日期：{esc(d.date or '不详')}　段落：{len(d.paragraphs)}"]
        for e in d.outline:
            if e.kind in ("article", "heading"):
                indent = "　" * e.level
                para = f"（第{e.paragraph}段起）" if e.paragraph else ""
                lines.append(f"{indent}{'▪' if e.kind == 'article' else '·'} {esc(e.text[:60])}{para}")
        return [Reply(m) for m in pack(lines, sep="\n")]

    def phrase(self, phrase: str) -> list[Reply]:
        phrase = phrase.strip().strip('“”"「」')
        if not fold(phrase) or not any(ch.isalnum() for ch in phrase):
            return [Reply("用法：<code>/phrase 短语</code>，例如 <code>/phrase 四个机关</code>")]
        found = self.searcher.occurrences(phrase)
        if not found:
            result = None
            with contextlib.suppress(QueryError):
                result = self.searcher.search(f"“{phrase}”", top=1)
            hint = ""
            if result is not None and result.suggestions:
                hint = "\n语料中相近的词：" + "、".join(f"<code>{esc(s)}</code>" for s in result.suggestions)
            return [Reply(f"语料中没有“{esc(brief(phrase))}”这一提法。{hint}")]
        per_doc: dict[str, list] = {}
        for doc, para, offset in found:
            per_doc.setdefault(doc.doc_id, []).append((doc, para, offset))
        blocks = [
            f"“<b>{esc(brief(phrase))}</b>”共出现 {len(found)} 次，"
            f"见于 {len(per_doc)} 篇文档（按文档日期排列，最早的在前）："
        ]
        for items in per_doc.values():
            doc = items[0][0]
            lines = [f"<b>{esc(doc.label)}</b>（{esc(doc.date or '日期不详')}）— {len(items)} 次"]
            for _, para, _ in items[:20]:
                spans = match_spans(para.text, [fold(phrase)])
                s, e = spans[0] if spans else (0, 0)
                lo, hi = max(0, s - 30), min(len(para.text), e + 30)
                snippet = (
                    ("…" if lo else "")
                    + marked(para.text[lo:hi], [(a - lo, b - lo) for a, b in spans if a >= lo and b <= hi])
                    + ("…" if hi < len(para.text) else "")
                )
                lines.append(f"· {snippet}\n  <i>{esc(citation(doc, para))}</i>")
            if len(items) > 20:
                lines.append(f"（另有 {len(items) - 20} 处未列出）")
            blocks.append("\n".join(lines))
        return [Reply(m) for m in pack(blocks)]

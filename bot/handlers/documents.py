"""Documents at run time: an admin's upload is checked, converted, added and indexed; /remove takes one out.

A removal cannot be undone from the chat, so ``/remove`` only shows the
document and asks; it happens when the admin who asked presses 「确认移除」
(:mod:`bot.removals` keeps what was asked).

Answers keep coming from the old library until the new one is loaded
(:class:`bot.corpus.LiveCorpus` swaps it in one assignment).  One change at
a time: a second upload waits for the first.  An upload is journaled
(:mod:`bot.uploads`) so that one cut off by a crash is reported to its
admin at the next start.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from retrieval import FORMATS, IngestError, Library, add_and_index, open_library, remove_and_index

from ..config import Settings
from ..corpus import LiveCorpus
from ..messages import Incoming
from ..removals import PendingRemovals
from ..render import Reply, esc
from ..uploads import UploadJournal
from ..views import browse as browse_view
from ..views import documents as view
from ..workers import spawn_pool

T = TypeVar("T")
HeavyRunner = Callable[..., Awaitable[Any]]  # runs fn(*args) away from the event loop and the GIL


async def in_fresh_process(fn: Callable[..., T], *args: object) -> T:
    """Run CPU-heavy document work (conversion, segmentation, indexing) in a fresh process.

    In a thread it would hold the GIL and make every other chat's answer
    several times slower; a process uses the other core.  Closed after the
    job: uploads are rare, idle workers would hold memory (``workers``).
    """
    loop = asyncio.get_running_loop()
    with spawn_pool(1) as pool:
        return await loop.run_in_executor(pool, functools.partial(fn, *args))


class Documents:
    def __init__(
        self,
        corpus: LiveCorpus,
        settings: Settings,
        uploads: UploadJournal,
        pending: PendingRemovals,
        secret: bytes,
        run_heavy: HeavyRunner = in_fresh_process,
    ) -> None:
        self.corpus = corpus
        self.settings = settings
        self.uploads = uploads
        self.pending = pending
        self.secret = secret  # signs the confirmation buttons
        self.run_heavy = run_heavy
        self._changing = asyncio.Lock()
        # Loading a rebuilt library gets a thread of its own, so it never takes the
        # default pool's threads that answer questions.
        self._loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="documents")

    def refusal(self, user_id: int, chat_type: str, filename: str, size: int | None) -> str:
        """Why an upload cannot be accepted before it is downloaded, or "" when it may proceed."""
        s = self.settings
        if user_id not in s.admin_user_ids:
            return "只有管理员可以添加文档。"
        if chat_type != "private":
            return "请在与机器人的私聊中发送文件。"
        suffix = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
        if suffix not in FORMATS:
            return f"不支持的文件类型 {esc(suffix or '（无扩展名）')}：请发送 .txt、.md、.docx、.pdf 或 .html。"
        if size is not None and size > s.max_upload_mb * 1024 * 1024:
            return f"文件过大（{size / 1048576:.1f} MB），上限是 {s.max_upload_mb} MB。"
        return ""

    async def _reload(self) -> Library:
        """Load the index the worker process built; questions keep using the old one until it is ready."""
        loop = asyncio.get_running_loop()
        s = self.settings
        lib = await loop.run_in_executor(self._loader, open_library, s.corpus_dir, s.cache_dir)
        await loop.run_in_executor(self._loader, self.corpus.prepare, lib)  # search workers open it first
        self.corpus.swap(lib)
        return lib

    async def add(self, user_id: int, chat_type: str, filename: str, data: bytes, chat_id: int | None) -> list[Reply]:
        refusal = self.refusal(user_id, chat_type, filename, len(data))
        if refusal:
            return [Reply(refusal)]
        s = self.settings
        async with self._changing:
            # The journal lists the corpus folder (a thousand files at 1M paragraphs): off the event loop.
            await asyncio.to_thread(self.uploads.begin, user_id, user_id if chat_id is None else chat_id, filename)
            try:
                limit = s.max_upload_mb * 1024 * 1024
                added = await self.run_heavy(add_and_index, s.corpus_dir, s.cache_dir, filename, data, limit)
            except IngestError as exc:
                self.uploads.end()
                return [view.not_added(filename, str(exc))]
            except Exception:
                self.uploads.end()  # the admin is told now (error notice), not again at the next start
                raise
            try:
                lib = await self._reload()
            finally:
                self.uploads.end()
        return [view.added(lib, lib.doc_by_id.get(added.document.doc_id, added.document))]

    async def remove(self, msg: Incoming, ref: str) -> list[Reply]:
        """``/remove 003``: show the document and ask its admin to confirm; nothing is removed yet."""
        if msg.user_id not in self.settings.admin_user_ids:
            return [Reply("只有管理员可以移除文档。")]
        if not ref:
            return [Reply("用法：<code>/remove 文档编号</code>，编号见 /docs。")]
        lib = self.corpus.lib
        docs = lib.resolve_doc(ref.strip())
        if len(docs) != 1:
            return [browse_view.unknown_document(ref)]
        doc = docs[0]
        asked = self.pending.ask(msg.user_id, msg.chat_id, doc.doc_id, doc.sha256, doc.title)
        return [view.confirm_removal(lib, doc, self.secret, msg.chat_id, asked.token)]

    async def on_confirm(self, chat_id: int, user_id: int, token: int, confirmed: bool) -> Reply:
        """「确认移除」 or 「取消」: only the admin who asked, only once, only the document that was shown."""
        if user_id not in self.settings.admin_user_ids:
            return Reply("", notice="只有管理员可以移除文档")
        asked = self.pending.get(token)
        if asked is None or asked.chat_id != chat_id:
            return Reply("", notice="这个确认已失效，请重新发送 /remove")
        if asked.user_id != user_id:
            return Reply("", notice="只有发起移除的管理员可以确认")
        self.pending.take(token)
        if not confirmed:
            return Reply(f"已取消，<b>{esc(asked.title)}</b> 没有移除。", edit=True, notice="已取消")
        doc = self.corpus.lib.doc_by_id.get(asked.doc_id)
        if doc is None or doc.sha256 != asked.sha256:
            return Reply(f"<b>{esc(asked.title)}</b> 已不在语料中或已改变，没有移除。", edit=True)
        s = self.settings
        async with self._changing:
            try:
                await self.run_heavy(remove_and_index, s.corpus_dir, s.cache_dir, doc.doc_id)
            except (KeyError, OSError):
                return Reply(f"无法移除“{esc(doc.title)}”：源文件不在语料目录中。", edit=True)
            lib = await self._reload()
        return Reply(f"已移除 <b>{esc(doc.title)}</b>。现在共有 {len(lib.documents)} 篇文档。", edit=True)

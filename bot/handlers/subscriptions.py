"""/digest and /watch: a chat's daily digest and the phrases it follows.

Switching a digest on only records the settings: the digest service's
minute run (:meth:`bot.digest.DigestService.send_due`) finds the chat due
at its time, so nothing has to be scheduled or cancelled here.  In groups
only chat administrators may change settings; anyone may look.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from retrieval import fold

from ..chats import ChatSettings, ChatStore
from ..config import Settings
from ..corpus import LiveCorpus
from ..digest import DigestService, parse_time, snapshot
from ..messages import Incoming
from ..render import Reply, esc
from ..views import digest as view

log = logging.getLogger(__name__)

ChatAdmin = Callable[[int, int], Awaitable[bool]]
MAX_WATCHES = 50
MAX_WATCH_CHARS = 50


async def no_chat_admins(chat_id: int, user_id: int) -> bool:
    """Where there is no way to ask (the console), nobody counts as a group's administrator."""
    return False


class Subscriptions:
    def __init__(
        self, chats: ChatStore, digests: DigestService, corpus: LiveCorpus, settings: Settings, chat_admin: ChatAdmin
    ) -> None:
        self.chats = chats
        self.digests = digests
        self.corpus = corpus
        self.settings = settings
        self.chat_admin = chat_admin  # Telegram: getChatMember

    async def may_configure(self, msg: Incoming) -> bool:
        """In groups only chat administrators (or the bot's admins) change settings."""
        if not msg.in_group or msg.user_id in self.settings.admin_user_ids:
            return True
        try:
            return await self.chat_admin(msg.chat_id, msg.user_id)
        except Exception:
            log.warning("admin check failed for chat %s user %s", msg.chat_id, msg.user_id, exc_info=True)
            return False

    def _current(self, chat_id: int) -> ChatSettings:
        return self.chats.settings(chat_id) or ChatSettings(chat_id, seen_docs=snapshot(self.corpus.lib))

    async def digest(self, msg: Incoming, args: str) -> list[Reply]:
        words = args.split()
        action = words[0].lower() if words else ""
        current = self._current(msg.chat_id)
        if action == "now":
            return [Reply(p) for p in view.preview(await self.digests.preview(msg.chat_id))]
        if action not in ("", "on", "off"):
            return [
                Reply(
                    "用法：<code>/digest on [HH:MM]</code>、<code>/digest off</code>、"
                    "<code>/digest now</code>、<code>/digest</code>"
                )
            ]
        if not action:
            watches = len(self.chats.watches(msg.chat_id))
            status = view.settings_status(current.digest_on, current.digest_time, self.settings.timezone, watches)
            return [Reply(status)]
        if not await self.may_configure(msg):
            return [Reply("只有群管理员可以更改本群的摘要设置。")]
        if action == "off":
            current.digest_on = False
            self.chats.save_settings(current)
            return [Reply("已关闭每日摘要。")]
        when = parse_time(words[1]) if len(words) > 1 else parse_time(current.digest_time)
        if when is None:
            return [Reply("时间格式应为 HH:MM，例如 <code>/digest on 08:30</code>。")]
        hour, minute = when
        if not current.digest_on:
            current.seen_docs = snapshot(self.corpus.lib)  # report what arrives from now on
        current.digest_on = True
        current.digest_time = f"{hour:02d}:{minute:02d}"
        current.start_day = self.digests.start_day(hour, minute)
        self.chats.save_settings(current)
        return [Reply(f"已开启每日摘要：每天 {current.digest_time}（{esc(self.settings.timezone)}）推送。")]

    async def watch(self, msg: Incoming, name: str, args: str) -> list[Reply]:
        """/watch, /unwatch and /watching."""
        if name == "watching":
            watches = self.chats.watches(msg.chat_id)
            if not watches:
                return [Reply("还没有关注任何提法。用 <code>/watch 短语</code> 添加。")]
            return [Reply("关注的提法：\n" + "\n".join(f"• {esc(p)}" for p, _ in watches))]
        phrase = args.strip().strip('“”"「」')
        folded = fold(phrase)
        if not folded or not any(ch.isalnum() for ch in folded):
            return [Reply(f"用法：<code>/{name} 短语</code>，例如 <code>/{name} 全过程人民民主</code>")]
        if len(phrase) > MAX_WATCH_CHARS:
            return [Reply(f"要关注的提法太长了（最多 {MAX_WATCH_CHARS} 个字）。")]
        if not await self.may_configure(msg):
            return [Reply("只有群管理员可以更改本群的关注设置。")]
        if name == "unwatch":
            removed = self.chats.unwatch(msg.chat_id, folded)
            return [Reply(f"已取消关注“{esc(phrase)}”。" if removed else f"没有关注“{esc(phrase)}”。")]
        if len(self.chats.watches(msg.chat_id)) >= MAX_WATCHES:
            return [Reply(f"每个会话最多关注 {MAX_WATCHES} 个提法。")]
        if not self.chats.watch(msg.chat_id, phrase, folded):
            return [Reply(f"已经在关注“{esc(phrase)}”。")]
        return [Reply(f"已关注“{esc(phrase)}”。新文档中出现它时，会在每日摘要中报告。")]

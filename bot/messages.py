"""What the adapters hand the engine, and the commands it understands: plain records, no Telegram.

The Telegram adapter and the console both translate their own objects into
these, so the engine behaves the same behind either and tests need no
network.  Whom a message is for (this bot, another bot, nobody) is the
adapter's call, made once from what only it can see (entities, the bot's
own name, replies); the engine trusts ``Incoming.addressed``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass
class Incoming:
    chat_id: int
    user_id: int
    text: str
    chat_type: str = "private"  # private | group | supergroup | channel
    addressed: bool = True  # for this bot: any private message, or in a group a command, mention or reply to it
    reply_to_bot: bool = False
    # The callback data of the bot's message this one replies to: its buttons name the answer it shows,
    # so a reply leans on that answer, whoever asked it (a group member replying to another's answer).
    replied_buttons: tuple[str, ...] = ()

    @property
    def in_group(self) -> bool:
        return self.chat_type in ("group", "supergroup")


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
    "full": "下载第 N 条结果所在文章的全文",
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

# Who is offered which commands in Telegram's menu (bot/telegram_commands.py registers them by scope).
# The menu follows who may use a command: a chat's digest and watch settings are changed by a group's
# administrators and by anyone in a private chat (their own); /remove only by the bot's admins.
CHAT_SETTINGS = ("digest", "watch", "unwatch")
BOT_ADMIN_ONLY = ("remove",)


def command_menu(settings: bool = False, admin: bool = False) -> dict[str, str]:
    """The commands one kind of user is offered, in COMMANDS' order."""
    hidden = (() if settings else CHAT_SETTINGS) + (() if admin else BOT_ADMIN_ONLY)
    return {name: desc for name, desc in COMMANDS.items() if name not in hidden}


# "@name" after a command is tolerated here because the adapter has already
# decided the command is for this bot (and removed this bot's own name).
_COMMAND = re.compile(r"^/([A-Za-z_]+)(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)


def parse_command(text: str) -> tuple[str, str] | None:
    """``(name, arguments)`` of a slash command, the name in lower case; None for anything else.

    A command typed with a Chinese input method comes out full width
    (「／ｓｏｕｒｃｅ　２」): it is read as its half-width form.
    """
    if text.startswith("／"):
        text = unicodedata.normalize("NFKC", text)
    m = _COMMAND.match(text)
    if m is None:
        return None
    return m.group(1).lower(), (m.group(2) or "").strip()

"""The terminal adapter: the same engine, buttons shown as numbered choices.

Usable by a person (type a question, then a choice number) and scriptable
from standard input: every line is one message, ``quit`` or end of input stops.
An error in one message is logged and reported in a line; the console goes on.
Files (「全文」, /full) are written to a folder, ``files/`` in the data folder
unless told otherwise, and their paths printed: a terminal cannot show a document.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import sys
from pathlib import Path
from typing import TextIO

from .engine import Engine
from .messages import CallbackIn, Incoming
from .render import Attachment, Button, Reply

log = logging.getLogger(__name__)

CONSOLE_CHAT = 1
CONSOLE_USER = 1
_QUIT = {"quit", "exit", "q!", "退出"}


def to_terminal(markup: str, bold: bool) -> str:
    """Telegram HTML as terminal text: bold as ANSI (or 【】 when piped), other tags dropped."""
    open_, close = ("\033[1m", "\033[0m") if bold else ("【", "】")
    text = re.sub(r"<b>(.*?)</b>", lambda m: f"{open_}{m.group(1)}{close}", markup, flags=re.DOTALL)
    text = re.sub(r"</?(?:i|code|a|u|s)(?:\s[^>]*)?>", "", text)
    return html.unescape(text)


def save(folder: Path, file: Attachment) -> Path:
    """Write a file the engine sent under its own name (only the name: never a path it might carry)."""
    name = Path(file.filename.replace("\\", "/")).name.lstrip(".") or "file"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(file.data)
    return path.resolve()


class Console:
    def __init__(self, engine: Engine, out: TextIO = sys.stdout, files_dir: Path | None = None) -> None:
        self.engine = engine
        self.out = out
        self.choices: list[Button] = []
        self.bold = out.isatty()
        self.files_dir = files_dir or engine.settings.data_dir / "files"

    async def show(self, replies: list[Reply]) -> None:
        for reply in replies:
            if reply.notice and not reply.html and not reply.files:
                self.out.write(f"（{reply.notice}）\n")
                continue
            if reply.html:
                self.out.write(to_terminal(reply.html, self.bold) + "\n")
            for file in reply.files:
                path = await asyncio.to_thread(save, self.files_dir, file)  # file work off the event loop
                caption = to_terminal(file.caption, self.bold).replace("\n", " ")
                self.out.write(f"📎 {caption}\n   已保存到：{path}\n")
            buttons = [b for row in reply.buttons for b in row if b.data]
            if buttons:
                self.choices = buttons
                self.out.write("  ".join(f"[{i}] {b.text}" for i, b in enumerate(buttons, start=1)) + "\n")
            self.out.write("\n")
        self.out.flush()

    async def feed(self, line: str) -> bool:
        """Handle one input line; False when the user asked to quit.  Never raises for an engine failure."""
        try:
            return await self._feed(line)
        except Exception:
            log.exception("the console could not handle %r", line[:200])
            self.out.write("抱歉，处理这条消息时出错了，请换个说法再试。\n\n")
            self.out.flush()
            return True

    async def _feed(self, line: str) -> bool:
        text = line.strip()
        if text.lower() in _QUIT:
            return False
        if not text:
            return True
        if text.isdigit() and text.isascii() and len(text) <= 2 and self.choices:
            # A choice number, as the screen offers them; one that is not offered is said to be missing
            # rather than searched for ("7" under six choices is a slip, not a question about 7).
            if not 1 <= int(text) <= len(self.choices):
                self.out.write(f"没有第 {int(text)} 个选项，可选 1–{len(self.choices)}。\n\n")
                self.out.flush()
                return True
            button = self.choices[int(text) - 1]
            reply = await self.engine.handle_callback(CallbackIn(CONSOLE_CHAT, CONSOLE_USER, button.data))
            await self.show([reply])
            return True
        replies = await self.engine.handle_message(Incoming(CONSOLE_CHAT, CONSOLE_USER, text, chat_type="private"))
        await self.show(replies)
        return True

    async def run(self, stdin: TextIO = sys.stdin) -> None:
        self.out.write(
            "政策文件问答（终端模式）。输入问题；结果下方的 [数字] 可直接输入选择；/help 查看帮助，quit 退出。\n\n"
        )
        self.out.flush()
        if hasattr(stdin, "reconfigure"):
            stdin.reconfigure(errors="replace")  # a stray byte must not end the session with a traceback
        while True:
            if stdin.isatty():
                self.out.write("> ")
                self.out.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line or not await self.feed(line):
                break

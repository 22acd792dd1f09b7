"""Every reply is HTML that Telegram accepts, and the engine's limits are Telegram's.

Telegram refuses a whole message for one unknown tag, an unclosed or
crossed tag, a named entity other than &lt; &gt; &amp; &quot;, or a bare
``<``, ``>`` or ``&``.  The replies below cover every command, button,
inline card, digest part and upload answer, with input full of markup.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from conftest import Warm, in_thread
from telegram.constants import InlineKeyboardButtonLimit, InlineQueryLimit, InlineQueryResultLimit, MessageLimit

from bot import callbacks
from bot.config import Settings
from bot.engine import Engine
from bot.handlers.answers import INLINE_RESULTS
from bot.messages import CallbackIn, Incoming
from bot.render import MAX_MESSAGE
from bot.views.documents import processing

# https://core.telegram.org/bots/api#html-style
PLAIN_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", "pre"}
ENTITIES = {"lt", "gt", "amp", "quot"}
HOSTILE = "<b>四个机关</b> & <script>x</script> &nbsp; <a href='x'>"


class TelegramHTML(HTMLParser):
    """Collects every way a text breaks Telegram's HTML rules."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        ok = (
            (tag in PLAIN_TAGS and not attrs)
            or (tag == "a" and names == {"href"})
            or (tag == "span" and attrs == [("class", "tg-spoiler")])
            or (tag == "code" and (not attrs or (len(attrs) == 1 and str(attrs[0][1]).startswith("language-"))))
            or (tag == "blockquote" and names <= {"expandable"})
        )
        if not ok:
            self.problems.append(f"<{tag} {attrs}> is not a tag Telegram accepts")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()

    def handle_entityref(self, name: str) -> None:
        if name not in ENTITIES:
            self.problems.append(f"&{name}; is not an entity Telegram accepts")

    def handle_data(self, data: str) -> None:
        bare = [ch for ch in "<>&" if ch in data]
        if bare:
            self.problems.append(f"bare {bare} in {data[:40]!r}")

    def check(self, html: str) -> list[str]:
        self.feed(html)
        self.close()
        if self.open:
            self.problems.append(f"left open: {self.open}")
        return self.problems


def problems(html: str) -> list[str]:
    return TelegramHTML().check(html)


def test_the_checker_catches_what_telegram_refuses() -> None:
    assert problems("<b>粗</b> <i>斜</i> &lt;&amp;&gt;&quot; <a href='https://x'>链</a> <code>c</code>") == []
    for bad in (
        "<script>x</script>",
        "<b>x",
        "<b><i>x</b></i>",
        "&nbsp;",
        "a < b",
        "a & b",
        '<span class="x">s</span>',
    ):
        assert problems(bad), bad


class Outbox:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def __call__(self, chat_id: int, text: str) -> None:
        self.sent.append(text)


def all_replies(engine: Engine) -> list[str]:
    """What the engine says across its whole surface, prompted with markup wherever input is echoed."""

    async def scenario() -> list[str]:
        texts: list[str] = []

        async def say(text: str, chat: int = 5, user: int = 5) -> list:
            replies = await engine.handle_message(Incoming(chat, user, text))
            texts.extend(r.html for r in replies)
            return replies

        async def press(reply, chat: int = 5) -> list:
            pressed = []
            for row in reply.buttons:
                for button in row:
                    answer = await engine.handle_callback(CallbackIn(chat, chat, button.data))
                    texts.append(answer.html)
                    texts.extend(f.caption for f in answer.files)  # 「全文」: captions are HTML too
                    pressed.append(answer)
            return pressed

        for text in (
            "四个机关指的是哪四个机关",
            "北京市人大常委会主任是谁",
            HOSTILE,
            "“人民选我当代表”",
            "doc:003 代表小组",
            "量子计算机 <i>",
            "/help",
            "/about",
            "/outline 003",
            "/outline " + HOSTILE,
            f"/phrase {HOSTILE}",
            "/phrase 人大代表",
            "/source 99",
            "/source x<y",
            "/unknown<b>",
            f"/watch {HOSTILE}",
            "/watch 四个机关",
            "/watching",
            "/digest",
            "/digest on 08:30",
            "/digest now",
            "/digest <b>",
            f"/remove {HOSTILE}",
            "/remove 003",  # asks: the title and id, with 「确认移除」「取消」
            "<" * 20_000,
        ):
            await say(text)
        (answer,) = await say("镇江市委人大工作会议是哪天召开的")
        await say("谁主持的？")
        for pressed in await press(answer):
            await press(pressed)
        (docs,) = await say("/docs")
        await press(docs)
        texts += [card.html for card in await engine.inline(5, HOSTILE + " 四个机关")]
        outbox = Outbox()
        await engine.digests.run(5, outbox, force_day="2026-11-23")
        texts += outbox.sent
        texts += [r.html for r in await engine.add_document(7, "private", "<b>&.txt", b"\x89PNG\r\n\x1a\n" + bytes(50))]
        texts += [
            r.html for r in await engine.add_document(7, "private", "通知<i>.txt", "通知&\n\n会议<b>。\n".encode())
        ]
        texts.append(processing("a<b>&.txt"))
        return texts

    return asyncio.run(scenario())


def test_every_reply_is_html_telegram_accepts(warm: Warm) -> None:
    settings = Settings(data_dir=warm.data, corpus_dir=warm.corpus, admin_user_ids=frozenset({5, 7}))
    clock = lambda: datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # noqa: E731
    engine = Engine(settings, library=warm.library, clock=clock, run_heavy=in_thread)
    texts = [t for t in all_replies(engine) if t]
    engine.store.close()
    assert len(texts) > 50
    assert any("已添加" in t for t in texts) and any("每日摘要" in t for t in texts)  # the scenario got that far
    for text in texts:
        assert problems(text) == [], text[:300]
        assert len(text) <= MAX_MESSAGE or text.startswith("（消息过长")  # a cut notice is split by the adapter


@pytest.mark.parametrize(
    ("ours", "telegrams"),
    [
        (MAX_MESSAGE, MessageLimit.MAX_TEXT_LENGTH),
        (callbacks.MAX_DATA, InlineKeyboardButtonLimit.MAX_CALLBACK_DATA),
    ],
)
def test_the_engines_limits_are_telegrams(ours: int, telegrams: int) -> None:
    assert ours == telegrams


def test_inline_answers_fit_telegrams_limits() -> None:
    assert INLINE_RESULTS <= InlineQueryLimit.RESULTS
    longest_id = "x" * 40 + ":" + "9" * 7  # InlineCard ids: 40 characters of document id, a paragraph number
    assert len(longest_id) <= InlineQueryResultLimit.MAX_ID_LENGTH

"""「作为新问题搜索」: a message wrongly read as a follow-up is searched again as typed, in one tap."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from botharness import in_process
from conftest import SEEDS, bot_settings
from fakebotapi import FakeBotAPI, callback_update, message_update

from bot import callbacks
from bot.config import Settings
from bot.engine import Engine
from bot.messages import CallbackIn, Incoming
from bot.render import Reply
from bot.views.answers import AS_NEW

FIRST = "四个机关指的是哪四个机关"
NEW_TOPIC = "那么全过程人民民主是什么"  # the leading 那么 makes it look like a follow-up; it is not one
MISREAD = f"（按“{FIRST} 全过程人民民主”理解）"


@pytest.fixture
def engine(tmp_path: Path, library) -> Engine:
    eng = Engine(Settings(data_dir=tmp_path / "data"), library=library)
    yield eng
    eng.store.close()


def say(engine: Engine, text: str, chat: int = 5, user: int = 5) -> Reply:
    (reply,) = asyncio.run(engine.handle_message(Incoming(chat, user, text)))
    return reply


def button(reply: Reply, label: str) -> str | None:
    return next((b.data for row in reply.buttons for b in row if b.text == label), None)


def top(reply: Reply) -> str:
    """The first hit's excerpt, without its marks."""
    return re.sub(r"</?b>", "", reply.html.split("[1]</b>", 1)[1].split("\n", 1)[0])


def test_a_wrong_follow_up_reading_is_undone_by_the_button(engine) -> None:
    first = say(engine, FIRST)
    assert button(first, AS_NEW) is None  # a question read as itself offers nothing to undo
    misread = say(engine, NEW_TOPIC)
    assert MISREAD in misread.html
    undone = asyncio.run(engine.handle_callback(CallbackIn(5, 5, button(misread, AS_NEW))))
    assert not undone.edit and undone.notice == "已作为新问题搜索"
    assert f"🔎 <b>{NEW_TOPIC}</b>" in undone.html and "理解）" not in undone.html
    assert "四个机关" in top(misread) and "四个机关" not in top(undone) and "全过程人民民主" in top(undone)
    assert button(undone, AS_NEW) is None and button(undone, "原文 1") is not None
    # The new question is now the topic: a follow-up leans on it, not on the first question.
    follow = say(engine, "具体怎么做的")
    assert f"（按“{NEW_TOPIC}”理解）" in follow.html and FIRST not in follow.html


def test_the_button_searches_the_whole_message_not_its_echo(engine) -> None:
    say(engine, FIRST)
    long = "那么" + "全过程人民民主" * 40 + "是什么"  # longer than a reply echoes
    misread = say(engine, long)
    assert "…（共" in misread.html
    session = engine.sessions.get(int(button(misread, AS_NEW).split(":")[1]))
    assert session.said == long and session.asked != long


def test_stale_forged_and_foreign_presses_do_nothing(engine) -> None:
    first_sid = int(button(say(engine, FIRST), "原文 1").split(":")[1])
    data = button(say(engine, NEW_TOPIC), AS_NEW)
    sid = int(data.split(":")[1])
    current = engine.sessions.current(5, 5, 60).sid
    assert asyncio.run(engine.handle_callback(CallbackIn(6, 6, data))).notice == "无效的按钮"  # another chat
    assert asyncio.run(engine.handle_callback(CallbackIn(5, 5, f"q:{sid}:AAAAAAAA"))).notice == "无效的按钮"
    # The first question was read as itself: its answer has no reading to undo.
    stale = callbacks.encode(engine.secret, 5, "q", first_sid)
    assert asyncio.run(engine.handle_callback(CallbackIn(5, 5, stale))).notice == "这个按钮已过期，请重新提问"
    assert engine.sessions.current(5, 5, 60).sid == current  # nothing was searched


async def test_through_telegram_the_new_answer_arrives_as_a_new_message(
    fake: FakeBotAPI, tmp_path: Path, library
) -> None:
    settings = bot_settings(fake, tmp_path / "data", SEEDS)
    chat = 3001
    async with in_process(settings, library, fake) as bot:
        await bot.send(message_update(chat, chat, FIRST), message_update(chat, chat, NEW_TOPIC))
        misread = fake.sent(chat_id=chat)[1]
        keys = {b["text"]: b["callback_data"] for row in misread["reply_markup"]["inline_keyboard"] for b in row}
        await bot.send(callback_update(chat, chat, keys[AS_NEW]))
    assert MISREAD in misread["text"]
    fresh = fake.sent(chat_id=chat)[2]
    assert f"🔎 <b>{NEW_TOPIC}</b>" in fresh["text"] and "理解）" not in fresh["text"]
    labels = [b["text"] for row in fresh["reply_markup"]["inline_keyboard"] for b in row]
    assert "原文 1" in labels and AS_NEW not in labels
    assert fake.sent("editMessageText") == [] and fake.sent("answerCallbackQuery")[0]["text"] == "已作为新问题搜索"

"""Delivery under floods and faults, and concurrency, through the real Application and the fake Bot API.

Every answer must arrive exactly once whatever the Bot API does (429 storms,
500s, dropped connections, slow answers); one chat's slow work or flood wait
must not hold another chat; each chat's updates keep their order.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import replace
from pathlib import Path

import pytest
from botharness import running, wait_for
from conftest import bot_settings
from fakebotapi import FakeBotAPI, document_update, message_update

from bot.config import Settings
from bot.flood import FloodControl, Rate
from bot.handlers.documents import in_fresh_process

ALICE, BOB, CAROL = 2001, 2002, 2003
GROUP = -100777
QUESTIONS = ["四个机关", "流浪星球", "人民选我当代表", "代表小组", "全过程人民民主"]


@pytest.fixture
def settings(tmp_path: Path, fake: FakeBotAPI) -> Settings:
    return bot_settings(fake, tmp_path / "data", admin_user_ids=frozenset({ALICE}))


def headers(fake: FakeBotAPI, chat_id: int) -> list[str]:
    """The question each answer in a chat was for (its 🔎 header), in delivery order."""
    out = []
    for m in fake.sent(chat_id=chat_id):
        found = re.search(r"🔎 <b>(.*?)</b>", m["text"])
        out.append(found.group(1) if found else m["text"][:30])
    return out


async def test_a_429_storm_loses_and_duplicates_nothing(fake, settings, library) -> None:
    chats = [ALICE, BOB, CAROL, 2004, 2005]
    fake.fault_next("sendMessage", *["429:1"] * 15)  # more in a row than AIORateLimiter(max_retries=3) survives
    async with running(settings, library):
        for chat in chats:
            for q in QUESTIONS[:2]:
                fake.push(message_update(chat, chat, q))
        await wait_for(lambda: all(len(fake.sent(chat_id=c)) >= 2 for c in chats), timeout=60)
    for chat in chats:
        assert headers(fake, chat) == QUESTIONS[:2], chat  # each answer once, in order, no error notice
    assert len(fake.attempts()) == len(fake.sent()) + 15


async def test_5xx_dropped_connections_and_a_slow_answer_are_retried_or_waited_for(fake, settings, library) -> None:
    # A 500, a connection dropped before the request is handled, and an answer slower
    # than python-telegram-bot's default 5 s read timeout.
    fake.fault_next("sendMessage", "500", "drop", "slow:6", "500")
    async with running(settings, library):
        for q in QUESTIONS[:3]:
            fake.push(message_update(ALICE, ALICE, q))
        await wait_for(lambda: len(fake.sent(chat_id=ALICE)) >= 3, timeout=60)
        time.sleep(0.3)
    assert headers(fake, ALICE) == QUESTIONS[:3]
    assert not any("出错了" in m["text"] for m in fake.sent(chat_id=ALICE))


async def test_the_error_notice_survives_flood_control_too(fake, settings, library, monkeypatch) -> None:
    async with running(settings, library) as (engine, _app):

        async def explode(msg):
            raise RuntimeError("boom")

        monkeypatch.setattr(engine, "handle_message", explode)
        fake.fault_next("sendMessage", "429:1", "429:1", "429:1", "429:1", "500")
        fake.push(message_update(ALICE, ALICE, "四个机关"))
        (notice,) = await wait_for(lambda: fake.sent(chat_id=ALICE), timeout=30)
    assert "出错了" in notice["text"]


async def test_a_busy_group_does_not_hold_private_chats(fake, settings, library) -> None:
    # The group's limit is 20 a minute in production; 20 per 8 s keeps the test short.
    flood = FloodControl(group=Rate(20, 8.0, burst=20))
    privates = [ALICE, BOB, CAROL]
    async with running(settings, library, flood=flood):
        for i in range(40):
            fake.push(message_update(GROUP, 3000 + i, f"/ask {QUESTIONS[i % 5]}", chat_type="supergroup"))
        for chat in privates:
            fake.push(message_update(chat, chat, "四个机关"))
        await wait_for(lambda: all(fake.sent(chat_id=c) for c in privates), timeout=30)
        group_when_privates_done = len(fake.sent(chat_id=GROUP))
        await wait_for(lambda: len(fake.sent(chat_id=GROUP)) == 40, timeout=60)
    assert group_when_privates_done < 40  # the private chats did not wait for the group's limit
    assert len(fake.sent(chat_id=GROUP)) == 40


async def test_other_chats_are_answered_while_one_chat_waits_and_each_chat_keeps_its_order(
    fake, settings, library
) -> None:
    async with running(settings, library) as (engine, _app):
        original = engine.answers.question

        def slow_for_alice(msg, text, reading):
            if msg.chat_id == ALICE and text == QUESTIONS[0]:
                # Held until Bob has his answer: only possible if Bob's update runs meanwhile.
                deadline = time.monotonic() + 20
                while not fake.sent(chat_id=BOB) and time.monotonic() < deadline:
                    time.sleep(0.02)
            return original(msg, text, reading)

        engine.answers.question = slow_for_alice
        fake.push(message_update(ALICE, ALICE, QUESTIONS[0]))
        fake.push(message_update(ALICE, ALICE, QUESTIONS[1]))
        fake.push(message_update(BOB, BOB, QUESTIONS[2]))
        await wait_for(lambda: len(fake.sent(chat_id=ALICE)) == 2, timeout=40)
    order = [(p["chat_id"], re.search(r"🔎 <b>(.*?)</b>", p["text"]).group(1)) for p in fake.sent()]
    assert order == [(BOB, QUESTIONS[2]), (ALICE, QUESTIONS[0]), (ALICE, QUESTIONS[1])]


async def test_a_question_is_answered_while_an_upload_is_being_processed(fake, settings, library, corpus_copy) -> None:
    fake.files["f1"] = "通知\n\n市人大常委会召开会议，研究部署数字人大建设。\n".encode()

    async def held_until_bob_is_answered(fn, *args):
        # The conversion "takes" until Bob has been answered: only possible if his update runs meanwhile.
        deadline = time.monotonic() + 20
        while not fake.sent(chat_id=BOB) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return await in_fresh_process(fn, *args)

    async with running(replace(settings, corpus_dir=corpus_copy), library, run_heavy=held_until_bob_is_answered):
        fake.push(document_update(ALICE, ALICE, "f1", "notice.txt", len(fake.files["f1"])))
        await wait_for(lambda: fake.sent(chat_id=ALICE))  # "正在处理…": the upload has started
        fake.push(message_update(BOB, BOB, QUESTIONS[0]))
        await wait_for(lambda: len(fake.sent(chat_id=ALICE)) == 2, timeout=60)
    assert headers(fake, BOB) == [QUESTIONS[0]]
    order = [p["chat_id"] for p in fake.sent()]
    assert order == [ALICE, BOB, ALICE]  # Bob answered before the upload finished
    assert "已添加" in fake.sent(chat_id=ALICE)[1]["text"]


async def test_an_answer_whose_acknowledgement_is_lost_is_sent_again_at_least_once(fake, settings, library) -> None:
    """The documented choice (bot/flood.py): Telegram accepted it but the bot never heard; repeat, don't lose."""
    fake.fault_next("sendMessage", "lost")
    async with running(settings, library):
        fake.push(message_update(ALICE, ALICE, QUESTIONS[0]))
        await wait_for(lambda: len(fake.sent(chat_id=ALICE)) == 2, timeout=30)
    assert headers(fake, ALICE) == [QUESTIONS[0], QUESTIONS[0]]

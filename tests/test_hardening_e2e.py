"""Hostile or unlucky input through the real Application: huge messages, outsiders, failing buttons,
chats that blocked the bot, edited uploads, absurd numbers, and an upload cut off by a crash.

Updates are handed to the Application in-process (see ``botharness.in_process``): the handlers,
flood control and the fake Bot API's answers are the real path, without polling or waiting.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from botharness import InProcess, in_process
from conftest import bot_settings
from fakebotapi import FakeBotAPI, callback_update, document_update, inline_update, message_update

from bot.config import Settings
from bot.flood import FloodControl, Rate
from bot.store import Store
from bot.uploads import UploadJournal

ALICE, BOB = 3001, 3002
GROUP = -100555


@pytest.fixture
def settings(tmp_path: Path, fake: FakeBotAPI) -> Settings:
    return bot_settings(fake, tmp_path / "data", admin_user_ids=frozenset({ALICE}))


@pytest.fixture
async def bot(settings: Settings, library, fake: FakeBotAPI):
    async with in_process(settings, library, fake) as running_bot:
        yield running_bot


def no_errors(messages: list[dict]) -> bool:
    return not any("出错了" in m["text"] for m in messages)


async def test_huge_inputs_are_echoed_short_and_answered_within_the_limit(fake, settings, library) -> None:
    question = "四个机关指的是哪四个机关，" * 320  # 4,160 characters
    over_cut = "人民选我当代表，" * 1300  # 10,400 characters: cut to 10,000 with a notice
    inputs = [
        question,
        over_cut,
        "/phrase " + "全过程人民民主" * 700,
        "/outline " + "文" * 5000,
        "/remove " + "文" * 5000,
        "/watch " + "文" * 5000,
        "/" + "x" * 5000,
    ]
    quick = FloodControl(private=Rate(10, 1.0, burst=10))  # seven answers to one chat; pacing is not the point
    async with in_process(settings, library, fake, flood=quick) as bot:
        await bot.send(*(message_update(ALICE, ALICE, text) for text in inputs))
    sent = fake.sent(chat_id=ALICE)
    assert len(sent) == len(inputs) and no_errors(sent)
    assert all(len(m["text"]) <= 4096 for m in sent)
    assert "🔎" in sent[0]["text"] and "[1]" in sent[0]["text"] and "共 4160 字" in sent[0]["text"]
    assert "只使用了前 10000 个字符" in sent[1]["text"] and "[1]" in sent[1]["text"]


async def test_inline_mode_refuses_outsiders_and_answers_personally(fake, settings, library) -> None:
    only_group = replace(settings, allowed_chat_ids=frozenset({GROUP}), allowed_user_ids=frozenset())
    async with in_process(only_group, library, fake) as bot:
        await bot.send(inline_update(BOB, "四个机关"))  # an outsider: no chat can vouch for an inline query
        await bot.send(inline_update(ALICE, "四个机关"))  # an admin
    refused, answered = fake.sent("answerInlineQuery")
    assert refused["results"] == [] and refused["button"]["text"] == "没有使用权限"
    assert answered["results"] and refused["is_personal"] and answered["is_personal"]


async def test_a_failing_button_press_still_answers_its_query(fake, bot: InProcess) -> None:
    await bot.send(message_update(ALICE, ALICE, "四个机关"))
    (answer,) = fake.sent(chat_id=ALICE)
    more = answer["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    fake.fault_next("editMessageText", "400")  # e.g. the message was deleted meanwhile
    await bot.send(callback_update(ALICE, ALICE, more))
    (ack,) = fake.sent("answerCallbackQuery")
    assert "出错了" in ack["text"]
    assert len(fake.sent(chat_id=ALICE)) == 1  # no new message instead of the toast


async def test_a_chat_that_blocked_the_bot_is_unsubscribed(fake, bot: InProcess) -> None:
    engine, adapter = bot.engine, bot.app.bot_data["adapter"]
    await bot.send(message_update(ALICE, ALICE, "/digest on 08:30"))
    fake.blocked.add(ALICE)
    await engine.digests.run(ALICE, adapter.send_digest_part, force_day="2026-01-05")
    attempts = len(fake.attempts())
    await engine.digests.send_due(adapter.send_digest_part)  # what the minute run does
    assert not engine.chats.settings(ALICE).digest_on
    assert engine.chats.unfinished() == []
    assert len(fake.attempts()) == attempts  # not retried
    # A reply to a chat that blocked the bot: logged, no attempt to send an error notice there.
    await bot.send(message_update(ALICE, ALICE, "/digest on 09:00"))
    assert len(fake.attempts()) == attempts + 1


async def test_an_edited_message_with_a_document_is_not_an_upload(fake, settings, library, corpus_copy) -> None:
    fake.files["f1"] = "通知\n\n市人大常委会召开专题会议，研究代表工作。\n".encode()
    edited = document_update(ALICE, ALICE, "f1", "notice.txt", len(fake.files["f1"]))
    edited["edited_message"] = edited.pop("message")
    async with in_process(replace(settings, corpus_dir=corpus_copy), library, fake) as bot:
        await bot.send(edited, message_update(ALICE, ALICE, "四个机关"))
    assert len(fake.sent(chat_id=ALICE)) == 1 and "🔎" in fake.sent(chat_id=ALICE)[0]["text"]
    assert fake.sent("getFile") == []


async def test_source_with_thousands_of_digits(fake, bot: InProcess) -> None:
    await bot.send(message_update(ALICE, ALICE, "四个机关"), message_update(ALICE, ALICE, "/source " + "9" * 5000))
    assert "之间的序号" in fake.sent(chat_id=ALICE)[1]["text"]


async def test_the_admin_hears_of_an_upload_cut_off_by_a_crash(fake, settings, library, corpus_copy) -> None:
    settings = replace(settings, corpus_dir=corpus_copy)
    store = Store(settings.state_db)
    journal = UploadJournal(store, corpus_copy)
    journal.begin(ALICE, ALICE, "会议通知.docx")  # ... and then kill -9
    store.close()
    async with in_process(settings, library, fake):
        (told,) = fake.sent(chat_id=ALICE)
    assert "会议通知.docx" in told["text"] and "没有加入语料" in told["text"]
    # Told once: the journal entry is gone.
    async with in_process(settings, library, fake):
        pass
    assert len(fake.sent(chat_id=ALICE)) == 1


async def test_a_group_question_deleted_before_its_answer_still_gets_answered(fake, bot: InProcess) -> None:
    update = message_update(GROUP, BOB, "/ask 四个机关", chat_type="supergroup")
    update["message"]["message_id"] = 4242
    fake.deleted.add(4242)
    await bot.send(update)
    (answer,) = fake.sent(chat_id=GROUP)
    assert "🔎" in answer["text"] and answer["reply_parameters"]["message_id"] == 4242


async def test_an_answer_to_a_group_that_became_a_supergroup_arrives_there(fake, bot: InProcess) -> None:
    fake.migrated[-555] = -100555555
    await bot.send(message_update(-555, BOB, "/ask 四个机关", chat_type="group"))
    (answer,) = fake.sent(chat_id=-100555555)
    assert "🔎" in answer["text"]


async def test_allow_lists_cover_files_and_buttons_too(fake, settings, library) -> None:
    only_alice = replace(settings, allowed_user_ids=frozenset({ALICE}), admin_user_ids=frozenset())
    fake.files["f1"] = "通知\n\n市人大常委会召开会议。\n".encode()
    async with in_process(only_alice, library, fake) as bot:
        await bot.send(document_update(BOB, BOB, "f1", "notice.txt", len(fake.files["f1"])))
        (refused,) = fake.sent(chat_id=BOB)
        await bot.send(message_update(ALICE, ALICE, "四个机关"))
        (answer,) = fake.sent(chat_id=ALICE)
        more = answer["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        await bot.send(callback_update(ALICE, BOB, more))  # Bob presses a button in a chat he shares with Alice
        (toast,) = fake.sent("answerCallbackQuery")
    assert "只对指定" in refused["text"] and fake.sent("getFile") == []
    assert toast["text"] == "没有使用权限" and fake.sent("editMessageText") == []

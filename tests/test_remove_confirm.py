"""/remove asks first: the document is shown with 「确认移除」「取消」, and goes only when the admin who asked confirms."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from botharness import in_process
from conftest import Warm, bot_settings, in_thread
from fakebotapi import FakeBotAPI, callback_update, message_update

from bot import callbacks
from bot.config import Settings
from bot.engine import Engine
from bot.messages import CallbackIn, Incoming
from bot.render import Reply

ADMIN, OTHER_ADMIN, MEMBER = 7, 9, 8
GROUP = -100900
STALE = "这个确认已失效，请重新发送 /remove"


@pytest.fixture
def engine(warm: Warm) -> Engine:
    settings = Settings(data_dir=warm.data, corpus_dir=warm.corpus, admin_user_ids=frozenset({ADMIN, OTHER_ADMIN}))
    eng = Engine(settings, library=warm.library, run_heavy=in_thread)
    yield eng
    eng.store.close()


def say(engine: Engine, text: str, chat: int = ADMIN, user: int = ADMIN) -> Reply:
    (reply,) = asyncio.run(
        engine.handle_message(Incoming(chat, user, text, chat_type="group" if chat < 0 else "private"))
    )
    return reply


def press(engine: Engine, data: str, chat: int = ADMIN, user: int = ADMIN) -> Reply:
    return asyncio.run(engine.handle_callback(CallbackIn(chat, user, data)))


def buttons(reply: Reply) -> dict[str, str]:
    return {b.text: b.data for row in reply.buttons for b in row}


def seed_003(warm: Warm) -> str:
    (found,) = [d.doc_id for d in warm.library.documents if d.doc_id.startswith("003")]
    return found


def test_remove_shows_the_document_and_removes_it_only_on_confirmation(engine, warm: Warm) -> None:
    doc_id = seed_003(warm)
    title = engine.lib.doc_by_id[doc_id].title
    asked = say(engine, "/remove 003")
    assert "确认移除这篇文档吗" in asked.html and title in asked.html and doc_id in asked.html
    assert list(buttons(asked)) == ["确认移除", "取消"]
    assert doc_id in engine.lib.doc_by_id and (warm.corpus / f"{doc_id}.txt").exists()  # only asked
    done = press(engine, buttons(asked)["确认移除"])
    assert done.edit and "已移除" in done.html and title in done.html and not done.buttons
    assert doc_id not in engine.lib.doc_by_id and not (warm.corpus / f"{doc_id}.txt").exists()
    # The same button again does nothing: the confirmation was used.
    assert press(engine, buttons(asked)["确认移除"]).notice == STALE and len(engine.lib.documents) == 4


def test_cancel_keeps_the_document_and_spends_the_confirmation(engine, warm: Warm) -> None:
    asked = say(engine, "/remove 003")
    cancelled = press(engine, buttons(asked)["取消"])
    assert cancelled.edit and "已取消" in cancelled.html and len(engine.lib.documents) == 5
    assert press(engine, buttons(asked)["确认移除"]).notice == STALE and len(engine.lib.documents) == 5


def test_only_the_admin_who_asked_may_confirm(engine) -> None:
    asked = say(engine, "/remove 003", chat=GROUP)
    confirm = buttons(asked)["确认移除"]
    assert press(engine, confirm, chat=GROUP, user=OTHER_ADMIN).notice == "只有发起移除的管理员可以确认"
    assert press(engine, confirm, chat=GROUP, user=MEMBER).notice == "只有管理员可以移除文档"
    assert press(engine, buttons(asked)["取消"], chat=GROUP, user=OTHER_ADMIN).notice == "只有发起移除的管理员可以确认"
    assert len(engine.lib.documents) == 5
    assert "已移除" in press(engine, confirm, chat=GROUP).html  # still the asker's to use
    assert len(engine.lib.documents) == 4


def test_forged_replayed_and_expired_confirmations_remove_nothing(engine) -> None:
    asked = say(engine, "/remove 003")
    confirm = buttons(asked)["确认移除"]
    token = int(confirm.split(":")[1])
    assert press(engine, f"r:{token}:1:AAAAAAAA").notice == "无效的按钮"  # forged signature
    assert press(engine, confirm, chat=OTHER_ADMIN, user=OTHER_ADMIN).notice == "无效的按钮"  # another chat
    guessed = callbacks.encode(engine.secret, ADMIN, "r", token + 1 if token < 999_999_999 else 1, 1)
    assert press(engine, guessed).notice == STALE  # a token never issued
    assert press(engine, callbacks.encode(engine.secret, ADMIN, "r", token, 7)).notice == "无效的按钮"
    engine.documents.pending.clock = lambda: time.time() + 3600  # an hour later
    assert press(engine, confirm).notice == STALE
    assert len(engine.lib.documents) == 5


def test_a_document_changed_since_it_was_shown_is_not_removed(engine) -> None:
    asked = say(engine, "/remove 003")
    records = json.loads(engine.store.get_meta("pending_removals"))
    records[0]["sha256"] = "0" * 64  # the document shown is no longer the one in the corpus
    engine.store.set_meta("pending_removals", json.dumps(records))
    reply = press(engine, buttons(asked)["确认移除"])
    assert "没有移除" in reply.html and len(engine.lib.documents) == 5


def test_a_new_remove_replaces_the_admins_earlier_question(engine) -> None:
    first = say(engine, "/remove 003")
    second = say(engine, "/remove 002")
    assert press(engine, buttons(first)["确认移除"]).notice == STALE
    assert "已移除" in press(engine, buttons(second)["确认移除"]).html
    assert not any(d.doc_id.startswith("002") for d in engine.lib.documents)
    assert any(d.doc_id.startswith("003") for d in engine.lib.documents)


async def test_through_telegram_only_the_askers_confirmation_removes(fake: FakeBotAPI, warm: Warm) -> None:
    settings = bot_settings(fake, warm.data, warm.corpus, admin_user_ids=frozenset({ADMIN, OTHER_ADMIN}))
    doc_id = seed_003(warm)
    async with in_process(settings, warm.library, fake, run_heavy=in_thread) as bot:
        await bot.send(message_update(GROUP, ADMIN, "/remove 003", chat_type="supergroup"))
        (prompt,) = fake.sent(chat_id=GROUP)
        keys = {b["text"]: b["callback_data"] for row in prompt["reply_markup"]["inline_keyboard"] for b in row}
        await bot.send(callback_update(GROUP, OTHER_ADMIN, keys["确认移除"], chat_type="supergroup"))
        assert (warm.corpus / f"{doc_id}.txt").exists()
        await bot.send(callback_update(GROUP, ADMIN, keys["确认移除"], chat_type="supergroup"))
    assert "确认移除这篇文档吗" in prompt["text"] and doc_id in prompt["text"]
    refused, accepted = fake.sent("answerCallbackQuery")
    assert refused["text"] == "只有发起移除的管理员可以确认" and accepted.get("text") is None
    (edited,) = fake.sent("editMessageText")
    assert "已移除" in edited["text"] and not edited.get("reply_markup")
    assert not (warm.corpus / f"{doc_id}.txt").exists()

"""Engine-level hardening: a paged document list, the upload journal, and the flood-control pacing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conftest import Warm

from bot.config import Settings
from bot.engine import Engine
from bot.flood import FloodControl, Pace, Rate
from bot.messages import CallbackIn, Incoming
from bot.uploads import UploadJournal
from bot.views.browse import DOCS_PAGE
from retrieval.library import Library

ADMIN = 11


@pytest.fixture(scope="module")
def many_docs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Library]:
    folder = tmp_path_factory.mktemp("many")
    for i in range(45):
        (folder / f"doc{i:03d}.txt").write_text(
            f"第{i}号通知\n\n市人大常委会召开第{i}次专题会议，研究部署代表工作。\n", encoding="utf-8"
        )
    return folder, Library.open(folder, tmp_path_factory.mktemp("many-cache"))


async def test_docs_are_paged_with_buttons(tmp_path, many_docs) -> None:
    folder, lib = many_docs
    engine = Engine(Settings(data_dir=tmp_path, corpus_dir=folder), library=lib)
    (first,) = await engine.handle_message(Incoming(5, 5, "/docs"))
    assert first.html.count("• ") == DOCS_PAGE and "共 45 篇" in first.html
    (buttons,) = first.buttons
    assert [b.text for b in buttons] == ["下一页"]
    second = await engine.handle_callback(CallbackIn(5, 5, buttons[0].data))
    assert second.edit and second.html.count("• ") == DOCS_PAGE
    assert [b.text for b in second.buttons[0]] == ["上一页", "下一页"]
    third = await engine.handle_callback(CallbackIn(5, 5, second.buttons[0][1].data))
    assert third.html.count("• ") == 45 - 2 * DOCS_PAGE and [b.text for b in third.buttons[0]] == ["上一页"]
    # The page buttons are signed for this chat like every other button.
    assert (await engine.handle_callback(CallbackIn(6, 6, buttons[0].data))).notice == "无效的按钮"
    engine.store.close()


async def test_typed_next_page_after_docs_turns_the_document_list_not_an_earlier_answer(tmp_path, many_docs) -> None:
    folder, lib = many_docs
    engine = Engine(Settings(data_dir=tmp_path, corpus_dir=folder), library=lib)
    (answer,) = await engine.handle_message(Incoming(5, 5, "专题会议"))
    assert "专题会议" in answer.html
    await engine.handle_message(Incoming(5, 5, "/docs"))
    (second,) = await engine.handle_message(Incoming(5, 5, "下一页"))
    assert not second.edit and second.html.count("• ") == DOCS_PAGE and "第 21–40 篇" in second.html
    assert [b.text for b in second.buttons[0]] == ["上一页", "下一页"]
    (third,) = await engine.handle_message(Incoming(5, 5, "/more"))
    assert third.html.count("• ") == 45 - 2 * DOCS_PAGE
    (last,) = await engine.handle_message(Incoming(5, 5, "下一页"))
    assert "最后一页" in last.html
    (back,) = await engine.handle_message(Incoming(5, 5, "上一页"))
    assert back.html.count("• ") == DOCS_PAGE
    # Another member of the chat, and this member after a question, page their answers, not the list.
    (other,) = await engine.handle_message(Incoming(5, 6, "下一页"))
    assert "• " not in other.html
    await engine.handle_message(Incoming(5, 5, "专题会议"))
    (paged,) = await engine.handle_message(Incoming(5, 5, "下一页"))
    assert "共 45 篇" not in paged.html
    # A restart forgets the list on screen; 下一页 then has no answer to turn (the /docs made it stale).
    await engine.handle_message(Incoming(5, 5, "/docs"))
    engine.store.close()
    restarted = Engine(Settings(data_dir=tmp_path, corpus_dir=folder), library=lib)
    (after,) = await restarted.handle_message(Incoming(5, 5, "下一页"))
    assert "先提一个问题" in after.html
    restarted.store.close()


def test_an_interrupted_upload_that_made_it_into_the_corpus_is_reported(warm: Warm) -> None:
    corpus_copy = warm.corpus
    settings = Settings(data_dir=warm.data, corpus_dir=corpus_copy, admin_user_ids=frozenset({ADMIN}))
    engine = Engine(settings, library=warm.library)
    engine.uploads.begin(ADMIN, ADMIN, "数字人大.txt")
    # The file was written and the process killed before the admin was answered;
    # a temporary file of the write was left behind too.
    (corpus_copy / "数字人大.txt").write_text("数字人大建设通知\n\n市人大常委会部署数字人大建设。\n", encoding="utf-8")
    (corpus_copy / ".数字人大.txt.123.part").write_text("half", encoding="utf-8")
    engine.store.close()
    restarted = Engine(settings, library=Library.open(corpus_copy, settings.cache_dir))
    ((chat, text),) = restarted.uploads.interrupted(restarted.lib)
    assert chat == ADMIN and "已加入语料" in text and "数字人大建设通知" in text
    assert not list(corpus_copy.glob(".*.part"))
    assert UploadJournal(restarted.store, corpus_copy).interrupted(restarted.lib) == []
    restarted.store.close()


def test_pace_keeps_call_order_and_allows_a_burst() -> None:
    pace = Pace(Rate(1, 1.0, burst=3))
    waits = [pace.reserve(100.0) for _ in range(5)]
    assert waits == [0.0, 0.0, 0.0, 1.0, 2.0]
    assert pace.reserve(110.0) == 0.0  # a quiet spell refills the burst


async def test_flood_control_gives_up_after_its_deadline_and_says_so(caplog) -> None:
    from telegram.error import NetworkError

    flood = FloodControl(deadline=1.0)
    calls = 0

    async def always_500(*args, **kwargs):
        nonlocal calls
        calls += 1
        raise NetworkError("Internal Server Error")

    with pytest.raises(NetworkError, match="not delivered"):
        await flood.process_request(always_500, (), {}, "sendMessage", {"chat_id": 5, "text": "x"}, None)
    assert calls >= 2 and flood.given_up == 1
    assert any("not delivered" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")


async def test_a_429_pauses_only_its_own_chat() -> None:
    flood = FloodControl()
    from telegram.error import RetryAfter

    order: list[int] = []
    failed = False

    async def send(chat: int) -> bool:
        nonlocal failed
        if chat == 1 and not failed:
            failed = True
            raise RetryAfter(1)
        order.append(chat)
        return True

    async def call(chat: int) -> None:
        await flood.process_request(send, (chat,), {}, "sendMessage", {"chat_id": chat}, None)

    await asyncio.gather(call(1), call(2), call(3))
    assert order == [2, 3, 1]  # chats 2 and 3 did not wait for chat 1's retry_after


async def test_a_digest_run_that_meets_a_database_failure_is_finished_by_the_next_run(
    tmp_path, library, caplog
) -> None:
    import sqlite3
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.chats import ChatSettings, ChatStore
    from bot.digest import DigestService
    from bot.store import Store

    tz = ZoneInfo("Asia/Shanghai")
    store = Store(tmp_path / "state.sqlite3")
    chats = ChatStore(store)
    chats.save_settings(ChatSettings(42, digest_on=True, digest_time="08:30"))
    now = datetime(2026, 3, 2, 9, 0, tzinfo=tz)
    chats.begin_digest(42, now.date().isoformat(), ["第一部分", "第二部分"], {}, None, reset_rotation=False)
    service = DigestService(chats, lambda: library, tz, clock=lambda: now)
    sent: list[str] = []

    async def send(chat_id: int, text: str) -> None:
        sent.append(text)

    real_part_sent = chats.part_sent
    failures = [sqlite3.OperationalError("disk I/O error")]

    def tick_off_fails_once(*args, **kwargs) -> None:
        if failures:
            raise failures.pop()
        real_part_sent(*args, **kwargs)

    chats.part_sent = tick_off_fails_once
    assert await service.send_due(send) == 0  # the failure is logged; the run goes on to other chats
    assert sent == ["第一部分"]  # Telegram has it, but it was never ticked off
    assert any("the digest for chat 42 failed" in r.getMessage() for r in caplog.records)
    assert await service.send_due(send) == 1
    assert sent == ["第一部分", "第一部分", "第二部分"]  # at least once: the unconfirmed part again, then the rest
    assert await service.send_due(send) == 0 and chats.unfinished() == []
    store.close()


async def test_a_group_that_became_a_supergroup_gets_the_message_at_its_new_id() -> None:
    from telegram.error import ChatMigrated

    flood = FloodControl()
    posted: list[int] = []

    async def post(endpoint: str, data: dict) -> bool:
        posted.append(data["chat_id"])
        if data["chat_id"] == -5:
            raise ChatMigrated(-1005)
        return True

    data = {"chat_id": -5, "text": "答"}
    assert await flood.process_request(post, ("sendMessage", data), {}, "sendMessage", data, None)
    assert posted == [-5, -1005]


async def test_one_chat_flooding_the_bot_does_not_starve_the_others() -> None:
    import sys

    from telegram import Update

    from bot.updates import PerChatUpdateProcessor

    sys.path.insert(0, str(Path(__file__).parent))
    from fakebotapi import message_update

    processor = PerChatUpdateProcessor(max_running=2)
    release = asyncio.Event()
    done: list[str] = []

    async def handle(name: str, wait: bool) -> None:
        if wait:
            await release.wait()
        done.append(name)

    def update(chat: int, n: int) -> Update:
        raw = message_update(chat, chat, f"q{n}")
        raw["update_id"] = n
        return Update.de_json(raw, None)

    flood = [asyncio.create_task(processor.process_update(update(1, n), handle(f"a{n}", wait=True))) for n in range(50)]
    await asyncio.sleep(0.05)
    other = asyncio.create_task(processor.process_update(update(2, 99), handle("b", wait=False)))
    await asyncio.wait_for(other, timeout=5)  # chat 2 runs while chat 1's 49 other updates wait their turn
    assert done == ["b"]
    release.set()
    await asyncio.gather(*flood)
    assert done[1:] == [f"a{n}" for n in range(50)]  # and chat 1's updates kept their order


async def test_the_retry_budget_starts_at_the_first_attempt_not_in_the_chats_queue() -> None:
    from telegram.error import NetworkError

    flood = FloodControl(private=Rate(1, 1.0, burst=1), deadline=1.5)
    failed: set[str] = set()

    async def send(text: str) -> bool:
        if text == "third" and text not in failed:
            failed.add(text)
            raise NetworkError("Internal Server Error")
        return True

    async def call(text: str) -> bool:
        return await flood.process_request(send, (text,), {}, "sendMessage", {"chat_id": 9, "text": text}, None)

    # "third" waits 2 s for its turn, longer than the 1.5 s budget, then fails once: it is still retried.
    assert await asyncio.gather(call("first"), call("second"), call("third")) == [True, True, True]
    assert flood.given_up == 0

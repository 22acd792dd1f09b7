"""Digests, admin checks and uploads through the real Application against the fake Bot API.

The digest tests run end to end (polling, the JobQueue's minute run with a short period and a
controllable clock); the others hand their updates to the Application in-process.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from botharness import in_process, running, wait_for
from conftest import Warm, in_thread
from fakebotapi import TOKEN, FakeBotAPI, document_update, message_update

from bot.chats import ChatSettings
from bot.config import Settings

GROUP, ADMIN, MEMBER, OWNER = -100555, 11, 12, 13


def settings_for(tmp_path: Path, fake: FakeBotAPI, corpus: Path, **extra) -> Settings:
    return Settings(
        token=TOKEN,
        base_url=fake.base_url,
        base_file_url=fake.base_url.replace("/bot", "/file/bot"),
        data_dir=tmp_path / "data",
        corpus_dir=corpus,
        **extra,
    )


class Clock:
    def __init__(self, when: datetime) -> None:
        self.now = when

    def __call__(self) -> datetime:
        return self.now


def digests_to(fake: FakeBotAPI, chat_id: int) -> list[dict]:
    return [m for m in fake.sent(chat_id=chat_id) if m["text"].startswith("📰 <b>每日摘要</b>")]


async def test_a_subscription_is_sent_by_the_minute_run_at_its_time_and_once_across_a_restart(
    tmp_path, fake, library
) -> None:
    settings = settings_for(tmp_path, fake, Path("seeds"))
    clock = Clock(datetime(2026, 11, 23, 7, 44, tzinfo=settings.tz))
    async with running(settings, library, digest_every=0.1, clock=clock) as (_engine, app):
        fake.push(message_update(OWNER, OWNER, "/digest on 07:45"))
        await wait_for(lambda: fake.sent(chat_id=OWNER))
        assert [j.name for j in app.job_queue.jobs()].count("digests") == 1  # one job for every chat
        await asyncio.sleep(0.4)  # runs at 07:44: not yet due
        assert digests_to(fake, OWNER) == []
    clock.now = clock.now.replace(minute=45)
    async with running(settings, library, digest_every=0.1, clock=clock):  # nothing was re-created per chat
        (digest,) = await wait_for(lambda: digests_to(fake, OWNER))
        await asyncio.sleep(0.4)  # more runs, the same minute
    assert "2026-11-23" in digest["text"] and len(digests_to(fake, OWNER)) == 1


async def test_missed_digest_is_sent_on_start_and_only_once(tmp_path, fake, library) -> None:
    settings = settings_for(tmp_path, fake, Path("seeds"))
    today = datetime.now(settings.tz).date().isoformat()
    async with running(settings, library) as (engine, _app):
        engine.chats.save_settings(
            ChatSettings(OWNER, True, "00:00", {d.doc_id: d.sha256 for d in library.documents}, today)
        )
    # The bot was down at 00:00; the first run after the next start sends today's digest.
    async with running(settings, library, digest_every=0.1):
        await wait_for(lambda: fake.sent(chat_id=OWNER), timeout=20)
        await asyncio.sleep(0.3)
    async with running(settings, library, digest_every=0.1):
        await asyncio.sleep(0.5)  # several runs after this start
    digests = digests_to(fake, OWNER)
    assert len(digests) == 1 and today in digests[0]["text"]


async def test_group_settings_need_a_chat_administrator(tmp_path, fake, library) -> None:
    fake.admins.add(ADMIN)
    async with in_process(settings_for(tmp_path, fake, Path("seeds")), library, fake) as bot:
        await bot.send(message_update(GROUP, MEMBER, "/digest on 09:00", chat_type="supergroup"))
        await bot.send(message_update(GROUP, ADMIN, "/watch 四个机关", chat_type="supergroup"))
    member_reply, admin_reply = (m["text"] for m in fake.sent(chat_id=GROUP))
    assert "只有群管理员" in member_reply and "已关注" in admin_reply
    checked = [p for p in fake.sent("getChatMember")]
    assert {p["user_id"] for p in checked} == {MEMBER, ADMIN}


async def test_admin_uploads_a_file_in_private(tmp_path, fake, warm: Warm) -> None:
    settings = settings_for(tmp_path, fake, warm.corpus, admin_user_ids=frozenset({ADMIN}))
    data = "会议通知\n\n市人大常委会召开“数字人大”建设推进会，部署代表履职服务平台建设。\n".encode()
    fake.files["f1"] = data
    async with in_process(settings, warm.library, fake, run_heavy=in_thread) as bot:
        await bot.send(document_update(ADMIN, ADMIN, "f1", "通知.txt", len(data)))
        await bot.send(document_update(MEMBER, MEMBER, "f1", "通知.txt", len(data)))
        await bot.send(message_update(ADMIN, ADMIN, "数字人大建设推进会"))
    assert "只有管理员" in fake.sent(chat_id=MEMBER)[0]["text"]
    processing, added, answer = (m["text"] for m in fake.sent(chat_id=ADMIN))
    assert (
        processing.startswith("正在处理 通知.txt")
        and "已添加" in added
        and "6 篇文档" in added
        and "《会议通知》" in answer
    )
    assert [p.name for p in warm.corpus.glob("*通知.txt")] == ["005_通知.txt"]  # the next number, then the name


async def test_oversized_upload_is_refused_before_download(tmp_path, fake, library) -> None:
    settings = settings_for(tmp_path, fake, Path("seeds"), admin_user_ids=frozenset({ADMIN}), max_upload_mb=1)
    async with in_process(settings, library, fake) as bot:
        await bot.send(document_update(ADMIN, ADMIN, "big", "big.pdf", 5 * 1024 * 1024))
    (reply,) = fake.sent(chat_id=ADMIN)
    assert "文件过大" in reply["text"] and not fake.sent("getFile")

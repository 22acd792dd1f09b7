"""Webhook mode end to end: the real Application's webhook server on 127.0.0.1, with its secret token.

Updates are posted to the bot as Telegram would post them; the fake Bot API
records what the bot registers (``setWebhook``) and what it answers.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import socket
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from botharness import serving_webhook, wait_for
from conftest import bot_settings
from fakebotapi import FakeBotAPI, bot_message, callback_update, message_update

from bot.config import ConfigError, Settings, load_settings
from bot.telegram_app import webhook_options
from retrieval import full_text

ADMIN, OUTSIDER = 4242, 5151


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def settings(tmp_path: Path, fake: FakeBotAPI, corpus_copy: Path) -> Settings:
    return bot_settings(
        fake,
        tmp_path / "data",
        corpus_copy,
        admin_user_ids=frozenset({ADMIN}),
        webhook_url="https://bot.example.org/telegram",
        webhook_port=free_port(),
        webhook_secret="s3cret-Token_for-tests",
    )


async def test_webhook_refuses_updates_without_the_secret(fake, settings, library, corpus_copy) -> None:
    forged = message_update(ADMIN, ADMIN, "/remove 003")
    forged["update_id"] = 1
    question = message_update(ADMIN, ADMIN, "依托代表小组成立了多少个党支部")
    question["update_id"] = 2
    async with serving_webhook(settings, library) as (_, url):
        (registered,) = fake.sent("setWebhook")
        assert registered["secret_token"] == settings.webhook_secret
        assert registered["url"] == settings.webhook_url
        async with httpx.AsyncClient() as client:
            no_header = await client.post(url, json=forged)
            wrong = await client.post(url, json=forged, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
            right = await client.post(
                url, json=question, headers={"X-Telegram-Bot-Api-Secret-Token": settings.webhook_secret}
            )
        assert no_header.status_code == 403
        assert wrong.status_code == 403
        assert right.status_code == 200
        (answer,) = await wait_for(lambda: fake.sent(chat_id=ADMIN))
        assert "19个党支部" in answer["text"].replace("<b>", "").replace("</b>", "")
        await asyncio.sleep(0.3)
        # The forged /remove never reached the engine: the seed is still there and nothing else was said.
        assert len(fake.sent(chat_id=ADMIN)) == 1
        assert any(p.name.startswith("003") for p in corpus_copy.iterdir())


def test_webhook_secret_is_generated_or_validated(monkeypatch) -> None:
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/telegram")
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    first, second = load_settings(env_file=None), load_settings(env_file=None)
    assert len(first.webhook_secret) >= 32 and first.webhook_secret != second.webhook_secret
    assert webhook_options(first)["secret_token"] == first.webhook_secret
    monkeypatch.setenv("WEBHOOK_SECRET", "mine_1")
    assert load_settings(env_file=None).webhook_secret == "mine_1"
    monkeypatch.setenv("WEBHOOK_SECRET", "has space!")
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        load_settings(env_file=None)
    monkeypatch.delenv("WEBHOOK_SECRET")
    monkeypatch.delenv("WEBHOOK_URL")
    polling = load_settings(env_file=None)
    assert polling.webhook_secret == ""
    with pytest.raises(ValueError, match="secret"):
        webhook_options(replace(polling, webhook_url="https://x.example/telegram"))


async def test_webhook_updates_get_the_same_delivery_guarantees(fake, settings, library) -> None:
    """Webhook mode shares the update processor and flood control: a 429 and a 500 on the answer are retried."""
    fake.fault_next("sendMessage", "429:1", "500")
    async with serving_webhook(settings, library) as (_, url):
        async with httpx.AsyncClient() as client:
            for i, chat in enumerate((ADMIN, OUTSIDER)):
                update = message_update(chat, chat, "四个机关")
                update["update_id"] = 10 + i
                answer = await client.post(
                    url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": settings.webhook_secret}
                )
                assert answer.status_code == 200
        await wait_for(lambda: fake.sent(chat_id=ADMIN) and fake.sent(chat_id=OUTSIDER), timeout=30)
        await asyncio.sleep(0.3)
    for chat in (ADMIN, OUTSIDER):
        (msg,) = fake.sent(chat_id=chat)
        assert "🔎" in msg["text"] and "出错了" not in msg["text"]


async def _post(client: httpx.AsyncClient, url: str, headers: dict, update: dict, update_id: int) -> None:
    """One update posted to the webhook, as Telegram would, and accepted."""
    update["update_id"] = update_id
    assert (await client.post(url, json=update, headers=headers)).status_code == 200


async def _rounds(
    client: httpx.AsyncClient,
    url: str,
    secret: str,
    chats: dict[int, tuple[str, ...]],
    answered: Callable[[int], bool],
) -> None:
    """Round after round, every chat's message of the round posted at the same moment (a private chat: the
    chat is its member); the next round starts once ``answered(round)`` holds."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
    for phase in range(len(next(iter(chats.values())))):
        await asyncio.gather(
            *(
                _post(client, url, headers, message_update(c, c, texts[phase]), 10 * phase + i)
                for i, (c, texts) in enumerate(chats.items())
            )
        )
        await wait_for(lambda: answered(phase), timeout=60)  # noqa: B023


async def test_webhook_serves_buttons_and_files_to_several_chats_at_once(fake, settings, library) -> None:
    """Through the webhook, three chats at once: a phrase listing paged by its button, a file by /full."""
    chats = (ADMIN, OUTSIDER, 6161)
    headers = {"X-Telegram-Bot-Api-Secret-Token": settings.webhook_secret}
    async with serving_webhook(settings, library) as (_, url), httpx.AsyncClient() as client:
        post = functools.partial(_post, client, url, headers)

        await asyncio.gather(*(post(message_update(c, c, "/phrase 全过程人民民主"), i) for i, c in enumerate(chats)))
        await wait_for(lambda: all(fake.sent(chat_id=c) for c in chats), timeout=30)
        presses = []
        for i, c in enumerate(chats):
            markup = fake.sent(chat_id=c)[0]["reply_markup"]["inline_keyboard"]
            more = next(b["callback_data"] for row in markup for b in row if b["text"] == "更多")
            presses.append(post(callback_update(c, c, more), 100 + i))
        presses.append(post(message_update(ADMIN, ADMIN, "/full 1"), 200))
        await asyncio.gather(*presses)
        await wait_for(
            lambda: len(fake.sent("editMessageText")) == 3 and fake.sent("sendDocument", chat_id=ADMIN), timeout=30
        )
    assert all("<b>[6]</b>" in m["text"] for m in fake.sent("editMessageText"))
    assert {m["chat_id"] for m in fake.sent("editMessageText")} == set(chats)


async def test_webhook_questions_from_several_chats_are_searched_by_the_workers(fake, settings, library) -> None:
    """Webhook mode with search workers: three chats ask at once, each is answered, and 「更多」 shows the next page."""
    chats = (ADMIN, OUTSIDER, 6262)
    headers = {"X-Telegram-Bot-Api-Secret-Token": settings.webhook_secret}
    pooled = replace(settings, search_processes=2)
    async with serving_webhook(pooled, library) as (engine, url), httpx.AsyncClient() as client:
        post = functools.partial(_post, client, url, headers)

        await asyncio.gather(*(post(message_update(c, c, "人大代表"), i) for i, c in enumerate(chats)))
        await wait_for(lambda: all(fake.sent(chat_id=c) for c in chats), timeout=60)
        assert engine.corpus.pool is not None and engine.corpus.pool.served >= len(chats)
        presses = []
        for i, c in enumerate(chats):
            markup = fake.sent(chat_id=c)[0]["reply_markup"]["inline_keyboard"]
            more = next(b["callback_data"] for row in markup for b in row if b["text"] == "更多")
            presses.append(post(callback_update(c, c, more), 100 + i))
        await asyncio.gather(*presses)
        await wait_for(lambda: len(fake.sent("editMessageText")) == 3, timeout=30)
    for page in fake.sent("editMessageText"):
        assert "第 4–6 条" in page["text"]
        blocks = [b for b in page["text"].split("\n\n") if b.startswith("<b>[")]
        assert len(blocks) == 3 and all(len(b.split("\n— ")[0]) > len("<b>[4]</b> ") for b in blocks)  # excerpts made


async def test_webhook_follow_ups_of_several_chats_swap_within_their_own_chain(fake, settings, library) -> None:
    """Three chats at once with search workers: each chat's 「那句容呢」-style follow-up swaps the place or
    person of its own first question, never of another chat's."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": settings.webhook_secret}
    pooled = replace(settings, search_processes=2)
    chains = {
        ADMIN: ("镇江市人大代表小组建了多少个党支部", "那句容呢", "句容人大代表小组建了多少个党支部"),
        OUTSIDER: ("钱进那篇文章的题目是什么", "那高庆华呢？", "高庆华那篇文章的题目是什么"),
        6363: ("镇江市委人大工作会议是哪天开的", "那无锡呢？", "无锡市委人大工作会议是哪天开的"),
    }
    async with serving_webhook(pooled, library) as (_, url), httpx.AsyncClient() as client:
        post = functools.partial(_post, client, url, headers)
        await asyncio.gather(*(post(message_update(c, c, q), i) for i, (c, (q, _, _)) in enumerate(chains.items())))
        await wait_for(lambda: all(fake.sent(chat_id=c) for c in chains), timeout=60)
        await asyncio.gather(
            *(post(message_update(c, c, f), 10 + i) for i, (c, (_, f, _)) in enumerate(chains.items()))
        )
        await wait_for(lambda: all(len(fake.sent(chat_id=c)) >= 2 for c in chains), timeout=60)
    for chat, (_, _, reading) in chains.items():
        assert f"按“{reading}”理解" in fake.sent(chat_id=chat)[1]["text"]


async def test_webhook_replies_in_several_groups_follow_up_on_the_answer_replied_to(fake, settings, library) -> None:
    """Two groups at once: in each, a second member replies 「那…呢？」 to the answer the first one got."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": settings.webhook_secret}
    groups = {
        -1001: ("镇江市委人大工作会议是哪天开的", "那无锡呢？", "无锡市委人大工作会议是哪天开的"),
        -1002: ("镇江市人大代表小组建了多少个党支部", "那句容呢", "句容人大代表小组建了多少个党支部"),
    }
    async with serving_webhook(settings, library) as (_, url), httpx.AsyncClient() as client:
        post = functools.partial(_post, client, url, headers)
        await asyncio.gather(
            *(
                post(message_update(g, ADMIN, f"/ask {q}", chat_type="supergroup"), i)
                for i, (g, (q, _, _)) in enumerate(groups.items())
            )
        )
        await wait_for(lambda: all(fake.sent(chat_id=g) for g in groups), timeout=60)
        replies = []
        for i, (g, (_, follow, _)) in enumerate(groups.items()):
            markup = fake.sent(chat_id=g)[0]["reply_markup"]
            answer = bot_message(g, 100 + i, json.loads(markup) if isinstance(markup, str) else markup)
            replies.append(post(message_update(g, OUTSIDER, follow, chat_type="supergroup", reply_to=answer), 10 + i))
        await asyncio.gather(*replies)
        await wait_for(lambda: all(len(fake.sent(chat_id=g)) >= 2 for g in groups), timeout=60)
    for g, (_, _, reading) in groups.items():
        assert f"按“{reading}”理解" in fake.sent(chat_id=g)[1]["text"]


async def test_webhook_typed_steps_of_several_chats_move_from_their_own_source(fake, settings, library) -> None:
    """Three chats at once: each opens a different result's source, then types 下一段; each reply is the
    paragraph after the one that chat opened, never after another chat's."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": settings.webhook_secret}
    chats = {ADMIN: "第一条原文", OUTSIDER: "第二条原文", 6363: "第三条原文"}
    async with serving_webhook(settings, library) as (_, url), httpx.AsyncClient() as client:
        post = functools.partial(_post, client, url, headers)
        for phase, texts in enumerate((["四个机关指的是哪四个机关"] * 3, list(chats.values()), ["下一段"] * 3)):
            await asyncio.gather(
                *(
                    post(message_update(c, c, t), 10 * phase + i)
                    for i, (c, t) in enumerate(zip(chats, texts, strict=True))
                )
            )
            await wait_for(lambda n=phase + 1: all(len(fake.sent(chat_id=c)) >= n for c in chats), timeout=60)
    where = re.compile(r"(\S+) › 第(\d+)段")
    for chat in chats:
        opened, stepped = (where.search(fake.sent(chat_id=chat)[k]["text"]) for k in (1, 2))
        assert opened and stepped and stepped.group(1) == opened.group(1)
        assert int(stepped.group(2)) == int(opened.group(2)) + 1


async def test_webhook_typed_full_text_follow_up_and_full_width_command_of_several_chats(
    fake, settings, library
) -> None:
    """Three chats at once with search workers, each after its own question: one types 「第二条全文」 and gets
    its second result's article, one 「那茅艳呢」 and gets its own question about 茅艳, one 「／ｓｏｕｒｃｅ　１」
    and gets its first result's source."""
    pooled = replace(settings, search_processes=2)
    chats = {
        ADMIN: ("依托代表小组成立了多少个党支部", "第二条全文"),
        OUTSIDER: ("徐曙海在会上讲了什么", "那茅艳呢"),
        6363: ("四个机关指的是哪四个机关", "／ｓｏｕｒｃｅ　１"),
    }
    async with serving_webhook(pooled, library) as (engine, url), httpx.AsyncClient() as client:

        def answered(phase: int) -> bool:
            if phase == 0:
                return all(fake.sent(chat_id=c) for c in chats)
            second = all(len(fake.sent(chat_id=c)) >= 2 for c in (OUTSIDER, 6363))
            return bool(fake.sent("sendDocument", chat_id=ADMIN)) and second

        await _rounds(client, url, settings.webhook_secret, chats, answered)
        hits = {c: engine.sessions.current(c, c, 60).hits for c in (ADMIN, 6363)}
    (document,) = fake.sent("sendDocument", chat_id=ADMIN)
    second = hits[ADMIN][1]
    d = library.doc_by_id[second.doc_id]
    assert document["document"].data.decode("utf-8") == full_text(d, d.paragraphs[second.paragraph - 1]).text
    assert "按“茅艳在会上讲了什么”理解" in fake.sent("sendMessage", chat_id=OUTSIDER)[1]["text"]
    assert f"第{hits[6363][0].paragraph}段" in fake.sent("sendMessage", chat_id=6363)[1]["text"]


async def test_webhook_typed_next_page_after_docs_of_several_chats(fake, settings, library) -> None:
    """Three chats at once: one pages its answer, one types 下一页 after /docs (the list's last page), and one
    types 上一页 after /docs (its first page) — each reply is about its own chat's screen."""
    chats = {
        ADMIN: ("依托代表小组成立了多少个党支部", "下一页"),
        OUTSIDER: ("/docs", "下一页"),
        6363: ("/docs", "上一页"),
    }
    async with serving_webhook(settings, library) as (_engine, url), httpx.AsyncClient() as client:
        await _rounds(
            client,
            url,
            settings.webhook_secret,
            chats,
            lambda phase: all(len(fake.sent(chat_id=c)) > phase for c in chats),
        )
    replies = {c: [m["text"] for m in fake.sent(chat_id=c)] for c in chats}
    assert "[4]" in replies[ADMIN][1] and "文档列表" not in replies[ADMIN][1]
    assert "文档列表" in replies[OUTSIDER][0] and "最后一页" in replies[OUTSIDER][1]
    assert "第一页" in replies[6363][1]

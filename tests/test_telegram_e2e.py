"""The real bot (python-telegram-bot Application) against the fake Bot API.

Most tests hand updates to the Application in-process (``in_process``:
the handlers, flood control and the Bot API's answers are the real path,
only polling is left out, so nothing waits).  A few run end to end, long
polling the fake server on 127.0.0.1: a question, a restart, a failure.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from botharness import InProcess, in_process, running, wait_for
from conftest import bot_settings
from fakebotapi import BOT_USERNAME, FakeBotAPI, bot_message, callback_update, inline_update, message_update

from bot.config import Settings

GROUP = -100123
ALICE, BOB = 1001, 1002


@pytest.fixture
def settings(tmp_path: Path, fake: FakeBotAPI, cache_dir: Path) -> Settings:
    return bot_settings(fake, tmp_path / "data", Path(__file__).resolve().parent.parent / "seeds")


@pytest.fixture
async def bot(settings: Settings, library, fake: FakeBotAPI):
    async with in_process(settings, library, fake) as running_bot:
        yield running_bot


def reply_markup_data(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b.get("callback_data") for row in markup.get("inline_keyboard", []) for b in row]


async def test_private_question_with_citations(fake, settings, library) -> None:
    async with running(settings, library):
        fake.push(message_update(ALICE, ALICE, "依托代表小组成立了多少个党支部"))
        (msg,) = await wait_for(lambda: fake.sent(chat_id=ALICE))
    assert msg["parse_mode"] == "HTML"
    assert "<b>" in msg["text"] and "第" in msg["text"] and "段" in msg["text"]
    assert "《民主法治建設》2022年第6期" in msg["text"]
    assert "19个党支部" in re.sub(r"</?b>", "", msg["text"])
    assert msg["text"].index("[1]") < msg["text"].index("[2]") < msg["text"].index("[3]")
    labels = [b["text"] for row in msg["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["更多", "原文 1", "原文 2", "原文 3", "全文 1", "全文 2", "全文 3"]


async def test_typed_next_page_after_docs_over_polling_is_about_the_list(fake, settings, library) -> None:
    """Polling over HTTP, two chats: after /docs, 下一页 turns the list (five seeds: its last page already)."""
    async with running(settings, library):
        for chat in (ALICE, BOB):
            fake.push(message_update(chat, chat, "依托代表小组成立了多少个党支部"))
        await wait_for(lambda: fake.sent(chat_id=ALICE) and fake.sent(chat_id=BOB))
        fake.push(message_update(ALICE, ALICE, "/docs"))
        await wait_for(lambda: len(fake.sent(chat_id=ALICE)) >= 2)
        for chat in (ALICE, BOB):
            fake.push(message_update(chat, chat, "下一页"))
        await wait_for(lambda: len(fake.sent(chat_id=ALICE)) >= 3 and len(fake.sent(chat_id=BOB)) >= 2)
    assert "文档列表" in fake.sent(chat_id=ALICE)[1]["text"]
    assert "最后一页" in fake.sent(chat_id=ALICE)[2]["text"]
    # The other chat pages its own answer.
    assert "[4]" in fake.sent(chat_id=BOB)[1]["text"] and "文档列表" not in fake.sent(chat_id=BOB)[1]["text"]


async def test_group_command_mention_reply_and_chatter(fake, bot: InProcess) -> None:
    await bot.send(message_update(GROUP, ALICE, "今天中午吃什么？", chat_type="supergroup"))
    assert fake.sent(chat_id=GROUP) == []  # chatter is not for the bot
    await bot.send(message_update(GROUP, ALICE, f"/ask@{BOT_USERNAME} 流浪星球", chat_type="supergroup"))
    mention = f"@{BOT_USERNAME} 四个机关"
    await bot.send(
        message_update(
            GROUP,
            BOB,
            mention,
            chat_type="supergroup",
            entities=[{"type": "mention", "offset": 0, "length": len(BOT_USERNAME) + 1}],
        )
    )
    await bot.send(message_update(GROUP, BOB, "更多", chat_type="supergroup", reply_to=bot_message(GROUP, 5)))
    await bot.send(
        message_update(GROUP, ALICE, "/ask@another_bot 流浪星球", chat_type="supergroup"),
        message_update(GROUP, ALICE, "大家好", chat_type="supergroup"),
        message_update(ALICE, ALICE, "/ask@another_bot 流浪星球"),  # another bot's command, even in private
    )
    sent = fake.sent(chat_id=GROUP)
    assert len(sent) == 3 and fake.sent(chat_id=ALICE) == []  # chatter and another bot's commands are ignored
    assert "流浪星球" in sent[0]["text"] and "🔎 <b>四个机关</b>" in sent[1]["text"]
    assert f"@{BOT_USERNAME}" not in sent[1]["text"]  # the bot's own name is not part of the question
    assert "第 4–6 条" in sent[2]["text"]  # Bob's "更多" pages his own previous answer
    assert all(s.get("reply_parameters") for s in sent)  # answers quote the question in groups


async def test_a_reply_to_anothers_answer_follows_up_on_that_answer(fake, bot: InProcess) -> None:
    """In a group, Bob replying 「那无锡呢？」 to the answer Alice got reads it against her question."""
    await bot.send(message_update(GROUP, ALICE, "/ask 镇江市委人大工作会议是哪天开的", chat_type="supergroup"))
    (answer,) = fake.sent(chat_id=GROUP)
    markup = answer["reply_markup"]
    bot_msg = bot_message(GROUP, 7, json.loads(markup) if isinstance(markup, str) else markup)
    await bot.send(message_update(GROUP, BOB, "那无锡呢？", chat_type="supergroup", reply_to=bot_msg))
    follow = fake.sent(chat_id=GROUP)[-1]["text"]
    assert "按“无锡市委人大工作会议是哪天开的”理解" in follow
    # A forged button in the replied message names no answer: the reply is read on its own.
    forged = {**bot_msg, "reply_markup": {"inline_keyboard": [[{"text": "更多", "callback_data": "m:1:3:AAAAAAAA"}]]}}
    await bot.send(message_update(GROUP, 99, "那无锡呢？", chat_type="supergroup", reply_to=forged))
    assert "按“无锡市委人大工作会议是哪天开的”理解" not in fake.sent(chat_id=GROUP)[-1]["text"]


async def test_follow_up_paging_and_source_with_neighbours(fake, bot: InProcess) -> None:
    await bot.send(message_update(ALICE, ALICE, "镇江市委人大工作会议是哪天召开的"))
    await bot.send(message_update(ALICE, ALICE, "谁主持的？"))
    follow = fake.sent(chat_id=ALICE)[1]
    assert "按“" in follow["text"] and "主持" in follow["text"] and "徐曙海" in follow["text"]
    more, source1 = reply_markup_data(follow)[:2]
    await bot.send(callback_update(ALICE, ALICE, more))
    assert "第 4–6 条" in fake.sent("editMessageText")[0]["text"]
    await bot.send(callback_update(ALICE, ALICE, source1))
    view = fake.sent("editMessageText")[1]
    assert view["text"].startswith("📄") and "第 " in view["text"]
    next_btn, back = reply_markup_data(view)[-2:]
    assert [b["text"] for row in view["reply_markup"]["inline_keyboard"] for b in row][-2:] == ["下一段", "返回"]
    await bot.send(callback_update(ALICE, ALICE, next_btn))
    neighbour = fake.sent("editMessageText")[2]["text"]
    assert neighbour != view["text"] and "📄" in neighbour
    await bot.send(callback_update(ALICE, ALICE, back))
    assert "🔎" in fake.sent("editMessageText")[3]["text"]
    assert len(fake.sent("answerCallbackQuery")) == 4


async def test_phrase_command(fake, bot: InProcess) -> None:
    await bot.send(message_update(ALICE, ALICE, "/phrase 人民选我当代表"))
    (msg,) = fake.sent(chat_id=ALICE)
    assert "共出现 2 次" in msg["text"] and "2022-06" in msg["text"]
    assert msg["text"].index("2022-06") < msg["text"].index("日期不详")


async def test_inline_query(fake, bot: InProcess) -> None:
    await bot.send(inline_update(ALICE, "四个机关"))
    (answer,) = fake.sent("answerInlineQuery")
    results = answer["results"]
    assert 1 <= len(results) <= 10
    assert all(r["type"] == "article" and "第" in r["title"] for r in results)
    assert "— <i>" in results[0]["input_message_content"]["message_text"]


async def test_forged_and_stale_callbacks_get_a_notice(fake, bot: InProcess) -> None:
    await bot.send(message_update(ALICE, ALICE, "四个机关"))
    (msg,) = fake.sent(chat_id=ALICE)
    good = reply_markup_data(msg)[0]
    for data in ("m:1:3:AAAAAAAA", "garbage", "s:99999:1:xx", good.replace("m:", "s:", 1)):
        await bot.send(callback_update(ALICE, ALICE, data))
    await bot.send(callback_update(BOB, BOB, good))  # valid data replayed in another chat
    answers = fake.sent("answerCallbackQuery")
    assert len(answers) == 5 and all(a.get("text") for a in answers)
    assert fake.sent("editMessageText") == []


async def test_flood_control_429_is_honoured(fake, bot: InProcess) -> None:
    fake.fail_next("sendMessage", retry_after=1)
    await bot.send(message_update(ALICE, ALICE, "流浪星球"))
    attempts = [t for m, _, t in fake.calls if m == "sendMessage"]
    assert len(attempts) == 2 and attempts[1] - attempts[0] >= 1.0  # waited out retry_after before trying again
    assert len(fake.sent(chat_id=ALICE)) == 1


async def test_html_in_a_question_is_escaped(fake, bot: InProcess) -> None:
    await bot.send(message_update(ALICE, ALICE, "<b>四个机关</b> & <script>"))
    (msg,) = fake.sent(chat_id=ALICE)
    assert "&lt;b&gt;四个机关&lt;/b&gt; &amp; &lt;script&gt;" in msg["text"]
    assert "<script>" not in msg["text"]


async def test_state_survives_a_restart(fake, settings, library) -> None:
    async with running(settings, library):
        fake.push(message_update(ALICE, ALICE, "四个机关"))
        await wait_for(lambda: fake.sent(chat_id=ALICE))
    async with running(replace(settings), library):
        fake.push(message_update(ALICE, ALICE, "更多"))
        await wait_for(lambda: len(fake.sent(chat_id=ALICE)) == 2)
    assert "第 4–6 条" in fake.sent(chat_id=ALICE)[1]["text"]


async def test_allow_list_refuses_politely(fake, settings, library) -> None:
    async with in_process(replace(settings, allowed_user_ids=frozenset({ALICE})), library, fake) as bot:
        await bot.send(message_update(BOB, BOB, "四个机关"))
    (msg,) = fake.sent(chat_id=BOB)
    assert "只对指定" in msg["text"]


async def test_one_failing_update_does_not_stop_the_bot(fake, settings, library, monkeypatch) -> None:
    async with running(settings, library) as (engine, _app):
        original = engine.handle_message

        async def explode_once(msg):
            monkeypatch.setattr(engine, "handle_message", original)
            raise RuntimeError("boom")

        monkeypatch.setattr(engine, "handle_message", explode_once)
        fake.push(message_update(ALICE, ALICE, "四个机关"))
        await wait_for(lambda: fake.sent(chat_id=ALICE))
        assert "出错了" in fake.sent(chat_id=ALICE)[0]["text"]
        fake.push(message_update(ALICE, ALICE, "流浪星球"))
        await wait_for(lambda: len(fake.sent(chat_id=ALICE)) == 2)
    assert "流浪星球" in fake.sent(chat_id=ALICE)[1]["text"]


async def test_long_answer_is_split_below_the_limit(fake, bot: InProcess, searcher, monkeypatch) -> None:
    # Every hit of a broad question as one reply, far over the limit: the adapter must split it between hits.
    from bot.render import Reply
    from bot.views.answers import AnswerView

    hits = searcher.search("人大代表", top=30).hits
    long = Reply("\n\n".join(AnswerView.hit_block(h, h.rank, True) for h in hits))
    assert len(long.html) > 4096

    async def everything(msg):
        return [long]

    monkeypatch.setattr(bot.engine, "handle_message", everything)
    await bot.send(message_update(ALICE, ALICE, "人大代表"))
    messages = fake.sent(chat_id=ALICE)
    assert len(messages) >= 2
    for m in messages:
        text = m["text"]
        assert len(text) <= 4096
        for tag in ("b", "i"):
            assert text.count(f"<{tag}>") == text.count(f"</{tag}>")
    # No citation is cut between two messages: every citation line is whole.
    assert all(line.strip().endswith("段</i>") for m in messages for line in m["text"].splitlines() if "<i>《" in line)


def button_data(message: dict, text: str) -> str:
    return next(
        b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row if b["text"] == text
    )


async def test_phrase_listing_pages_with_its_buttons(fake, bot: InProcess) -> None:
    await bot.send(message_update(ALICE, ALICE, "/phrase 全过程人民民主"))
    (first,) = fake.sent(chat_id=ALICE)
    assert "共出现" in first["text"] and "（×" in first["text"] and "未列出" not in first["text"]
    await bot.send(callback_update(ALICE, ALICE, button_data(first, "更多")))
    (page2,) = fake.sent("editMessageText")
    assert "<b>[6]</b>" in page2["text"] and "上一页" in str(page2["reply_markup"])
    await bot.send(callback_update(ALICE, ALICE, button_data(page2, "原文 6")))
    assert fake.sent("editMessageText")[1]["text"].startswith("📄")


async def test_a_long_source_is_paged_through_telegram(fake, tmp_path: Path) -> None:
    from retrieval.library import Library

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    body = "".join(f"第{i}项措施是加强代表联络站建设并定期听取群众意见建议。" for i in range(300))
    (corpus / "long.md").write_text(f"# 长段落测试\n\n{body}\n", encoding="utf-8")
    library = Library.open(corpus, tmp_path / "cache")
    settings = bot_settings(fake, tmp_path / "data", corpus)
    async with in_process(settings, library, fake) as bot:
        await bot.send(message_update(ALICE, ALICE, "代表联络站建设"))
        (answer,) = fake.sent(chat_id=ALICE)
        await bot.send(callback_update(ALICE, ALICE, button_data(answer, "原文 1")))
        pages = [fake.sent("editMessageText")[-1]]
        while "下一页" in str(pages[-1]["reply_markup"]):
            await bot.send(callback_update(ALICE, ALICE, button_data(pages[-1], "下一页")))
            pages.append(fake.sent("editMessageText")[-1])
    assert len(pages) >= 3 and all(len(p["text"]) <= 4096 for p in pages)
    assert f"（第 {len(pages)}/{len(pages)} 页）" in pages[-1]["text"]
    shown = "".join(re.sub(r"</?b>", "", p["text"].split("\n\n")[1]).strip("…") for p in pages)
    assert shown == body
